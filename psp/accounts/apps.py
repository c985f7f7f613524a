from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "psp.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from psp.accounts import signals  # noqa: F401 - connects the receivers
