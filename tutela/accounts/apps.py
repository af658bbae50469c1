from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tutela.accounts"
    label = "accounts"

    def ready(self) -> None:
        from tutela.accounts import signals  # noqa: F401
        from tutela.accounts.selectors import school_ids_of
        from tutela.policy import rls

        rls.register_school_resolver(school_ids_of)
