"""The on-call services: the only writers of schedules, overrides, escalation policies and
page escalations (views, the API, the admin and the worker call them)."""
