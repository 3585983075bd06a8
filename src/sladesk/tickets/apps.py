from django.apps import AppConfig

__all__ = ["TicketsConfig"]


class TicketsConfig(AppConfig):
    name = "sladesk.tickets"
    label = "tickets"
    verbose_name = "Tickets"
