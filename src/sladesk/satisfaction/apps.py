"""The satisfaction survey reacts to solved tickets (`sladesk.tickets.announce.TicketSolved`)."""

from django.apps import AppConfig

__all__ = ["SatisfactionConfig"]


class SatisfactionConfig(AppConfig):
    name = "sladesk.satisfaction"
    label = "satisfaction"
    verbose_name = "Customer satisfaction"

    def ready(self) -> None:
        from sladesk.tickets.announce import IN_TRANSACTION, TicketSolved, subscribe

        from .services import survey_solved

        # in the transaction: the survey row and its outbox mail commit with the solve
        subscribe(TicketSolved, survey_solved, phase=IN_TRANSACTION)
