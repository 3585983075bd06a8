from django.apps import AppConfig

__all__ = ["ReportsConfig"]


class ReportsConfig(AppConfig):
    name = "sladesk.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from sladesk.tickets.announce import IN_TRANSACTION, ClocksChanged, subscribe

        from .rollup import on_clocks_changed

        # In the transaction: the facts and the rollup's journal commit with the clock
        # change; the periodic reports.fold moves the journal into the cells.
        subscribe(ClocksChanged, on_clocks_changed, phase=IN_TRANSACTION)
