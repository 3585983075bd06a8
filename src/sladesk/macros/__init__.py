"""Macros: canned replies with placeholders plus field changes, applied through the ticket
services. Above ``tickets``/``accounts`` and below the API and UI (both may apply one)."""
