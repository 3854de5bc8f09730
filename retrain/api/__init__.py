"""JSON API v1. Bearer tokens only: this blueprint never reads the cookie session."""
