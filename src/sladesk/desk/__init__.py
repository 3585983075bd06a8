"""The agent workspace under ``/desk/``: inbox, ticket page, admin settings pages."""
