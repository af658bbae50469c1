"""The system checks that keep personal data behind the policy (tutela/policy/checks.py).

Each broken model is defined in an isolated app registry, so it never reaches the project's own checks.
"""

from __future__ import annotations

from django.db import models
from django.test.utils import isolate_apps

from tutela.core.models import PublicIdModel
from tutela.policy.checks import check_personal_models_are_scoped
from tutela.policy.querysets import PersonalManager


def errors_for(registry) -> list[tuple[str, str]]:
    found = check_personal_models_are_scoped(app_configs=[registry.get_app_config("policy")])
    return [(message.id, message.msg) for message in found]


def test_the_real_models_pass():
    assert check_personal_models_are_scoped() == []


def test_a_well_declared_personal_model_passes():
    with isolate_apps("tutela.policy") as registry:

        class Owner(PublicIdModel):
            objects = PersonalManager()
            system = models.Manager()

            class Meta:
                app_label = "policy"

            class Privacy:
                key = "data_key"

        class Note(PublicIdModel):
            owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="+")
            room = models.ForeignKey("Room", on_delete=models.CASCADE, related_name="notes")  # not personal

            objects = PersonalManager()
            system = models.Manager()

            class Meta:
                app_label = "policy"

            class Privacy:
                key = "owner.data_key"

        class Room(models.Model):
            class Meta:
                app_label = "policy"

        assert errors_for(registry) == []


def test_an_unscoped_model_such_as_user_accounts_is_not_checked():
    with isolate_apps("tutela.policy") as registry:

        class Account(PublicIdModel):
            class Meta:
                app_label = "policy"

            class Privacy:
                key = "data_key"
                scoped = False  # e.g. sign-in must find the row before anyone is known

        assert errors_for(registry) == []


def test_a_personal_model_with_a_plain_default_manager_fails_e201_and_without_a_system_one_e202():
    with isolate_apps("tutela.policy") as registry:

        class Note(PublicIdModel):
            class Meta:
                app_label = "policy"

            class Privacy:
                key = "data_key"

        found = check_personal_models_are_scoped(app_configs=[registry.get_app_config("policy")])
        assert [(m.id, m.msg) for m in found] == [
            ("tutela.E201", "policy.Note holds personal data but its default manager is not scoped."),
            ("tutela.E202", "policy.Note needs a `system` manager for services."),
        ]
        assert "Declare `objects = PersonalManager()` first" in found[0].hint


def test_a_reverse_accessor_into_personal_data_fails_e203():
    with isolate_apps("tutela.policy") as registry:

        class Owner(PublicIdModel):
            objects = PersonalManager()
            system = models.Manager()

            class Meta:
                app_label = "policy"

            class Privacy:
                key = "data_key"

        class Note(PublicIdModel):
            owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="notes")

            objects = PersonalManager()
            system = models.Manager()

            class Meta:
                app_label = "policy"

            class Privacy:
                key = "owner.data_key"

        found = check_personal_models_are_scoped(app_configs=[registry.get_app_config("policy")])
        assert [(m.id, m.msg) for m in found] == [
            (
                "tutela.E203",
                "policy.Note.owner gives policy.Owner a reverse accessor that would bypass the policy scope.",
            )
        ]
        assert found[0].hint == 'Set related_name="+" and query through the scoped manager.'
