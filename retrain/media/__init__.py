"""Image files: checking, decoding and encoding uploads (OpenCV, numpy); no Flask."""
