"""Infrastructure: storage, audit, locking, backups, login sessions, tokens, passwords,
e-mail and background jobs. Below every use case; knows nothing of pages."""
