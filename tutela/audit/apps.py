from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tutela.audit"
    label = "audit"

    def ready(self) -> None:
        from tutela.audit import writes  # noqa: F401  (records every write of personal data)
