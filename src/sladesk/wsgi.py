"""WSGI entry point (``sladesk.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

__all__ = ["application"]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.settings")
application = get_wsgi_application()
