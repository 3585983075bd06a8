"""Shared web layer of the desk and the portal: base template, static files, time tags,
sign-in (one page for agents and contacts), password reset, role-based landing."""
