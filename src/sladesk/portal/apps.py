from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "sladesk.portal"
    label = "portal"
