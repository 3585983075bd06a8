from django.apps import AppConfig

__all__ = ["SigninConfig"]


class SigninConfig(AppConfig):
    name = "sladesk.signin"
    label = "signin"
    verbose_name = "sign-in protection"
    default_auto_field = "django.db.models.BigAutoField"
