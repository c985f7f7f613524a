from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "psp.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
