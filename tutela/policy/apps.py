from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "tutela.policy"
    label = "policy"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from tutela.policy import checks, rls  # noqa: F401

        post_migrate.connect(rls.on_post_migrate, sender=self, dispatch_uid="tutela.policy.rls")
