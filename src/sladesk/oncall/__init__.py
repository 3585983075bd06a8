"""On-call: schedules, escalation policies and the pages that climb them.

`sladesk.oncall.schedule` is framework-free (who is on call at an instant, timelines);
the rest is the Django app (layer: reactions, above `sladesk.notify`, below `sladesk.api`).
"""
