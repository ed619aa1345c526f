from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Berth accounts, roles and audit"  # not UI: the app's name for developers (no admin site)

    def ready(self) -> None:
        from accounts import signals  # noqa: F401 - connects the login/logout audit receivers
