"""On-call: schedules, escalation policies, pages that climb them (layer: reactions).

``ready()`` is the one place sladesk.oncall hooks into the layers below (notify never
imports oncall): it takes new pages over (`sladesk.notify.pages.register_escalation`),
fires its step timers (`sladesk.notify.timers.register_timer_kind`) and owns the
``oncall:`` outbox destinations (`sladesk.notify.recipients.register_destination`).
"""

from django.apps import AppConfig

__all__ = ["OncallConfig"]


class OncallConfig(AppConfig):
    name = "sladesk.oncall"
    label = "oncall"
    verbose_name = "On-call"

    def ready(self) -> None:
        from sladesk.notify import pages, recipients, timers

        from .destinations import resolve_rules
        from .services.escalation import STEP_TIMER, fire_step, take_page

        pages.register_escalation(take_page)
        timers.register_timer_kind(STEP_TIMER, fire_step)
        recipients.register_destination("oncall", resolve_rules)
