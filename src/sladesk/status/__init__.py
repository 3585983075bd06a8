"""The status page (issue 18): components, incidents, maintenance, subscribers, uptime.

A reaction app (above `sladesk.notify`, below `sladesk.api`). `sladesk.status.uptime` and
`sladesk.status.schedule` are framework-free (no Django) and property-tested; the rest is
the Django app (`sladesk.status.apps.StatusConfig`). See docs/status.md.
"""
