from django.apps import AppConfig

__all__ = ["CoreConfig"]


class CoreConfig(AppConfig):
    name = "sladesk.core"
    label = "core"
    verbose_name = "sladesk core"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers the deployment checks)
            converters,
            lookups,
        )

        lookups.register()
        converters.register()
