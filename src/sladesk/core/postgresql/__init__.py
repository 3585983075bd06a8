"""sladesk's PostgreSQL database backend: Django's, with a faster timestamp loader (see `base`)."""
