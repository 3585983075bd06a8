"""WSGI entry point (``sladesk.wsgi:application``).

The public status documents are answered from their cache in front of Django
(`sladesk.status.fastpath`); everything else is Django's.
"""

import os

from django.core.wsgi import get_wsgi_application

__all__ = ["application"]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.settings")
application = get_wsgi_application()

from django.apps import apps  # noqa: E402  (after the app registry is ready)

if apps.is_installed("sladesk.status"):
    from sladesk.status.fastpath import PublicStatusApp

    application = PublicStatusApp(application)
