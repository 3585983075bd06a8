from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "sladesk.desk"
    label = "desk"
