from django.apps import AppConfig

__all__ = ["AccountsConfig"]


class AccountsConfig(AppConfig):
    name = "sladesk.accounts"
    label = "accounts"
    verbose_name = "Accounts"
