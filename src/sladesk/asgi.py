"""ASGI entry point (``sladesk.asgi:application``)."""

import os

from django.core.asgi import get_asgi_application

__all__ = ["application"]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.settings")
application = get_asgi_application()
