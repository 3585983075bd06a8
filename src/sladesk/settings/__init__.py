"""Django settings for sladesk: `base` holds everything, env variables override.

``DJANGO_SETTINGS_MODULE=sladesk.settings`` (this package) is the same as
``sladesk.settings.base``; tests use ``sladesk.settings.test``.
"""

from .base import *  # noqa: F403  (the one sanctioned wildcard: Django settings modules)
