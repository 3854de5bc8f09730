"""JSON API v1 (issue 5). Bearer tokens only: this blueprint never reads the cookie session."""
