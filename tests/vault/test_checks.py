"""The system checks that stop a personal field being stored in the clear (tutela/vault/checks.py).

Each broken model is defined in an isolated app registry, so it never reaches the project's own checks.
"""

from __future__ import annotations

from django.db import models
from django.test.utils import isolate_apps

from tutela.core.models import PublicIdModel
from tutela.vault.checks import check_personal_fields_encrypted
from tutela.vault.fields import EncryptedCharField, EncryptedDateField
from tutela.vault.storage import EncryptedImageField


def errors_for(registry) -> list[tuple[str, str]]:
    found = check_personal_fields_encrypted(app_configs=[registry.get_app_config("vault")])
    return [(message.id, message.msg) for message in found]


def test_the_real_models_pass():
    assert [m for m in check_personal_fields_encrypted() if m.id.startswith("tutela.E10")] == []


def test_a_model_without_personal_data_is_not_checked():
    with isolate_apps("tutela.vault") as registry:

        class Room(models.Model):
            name = models.CharField(max_length=20)

            class Meta:
                app_label = "vault"

        assert errors_for(registry) == []


def test_a_well_declared_personal_model_passes():
    with isolate_apps("tutela.vault") as registry:

        class Contact(PublicIdModel):
            name = EncryptedCharField(max_length=20)
            born = EncryptedDateField()
            photo = EncryptedImageField(blank=True)
            code = models.CharField(max_length=4)
            created_at = models.DateTimeField()

            class Meta:
                app_label = "vault"

            class Privacy:
                key = "data_key"
                categories = {"identity": ("name", "born", "photo")}
                plain = {"code": "a department code, not personal"}

        assert errors_for(registry) == []


def test_a_personal_model_without_a_public_id_fails_e102():
    with isolate_apps("tutela.vault") as registry:

        class Note(models.Model):
            text = EncryptedCharField(max_length=20)

            class Meta:
                app_label = "vault"

            class Privacy:
                key = "data_key"
                categories = {"notes": ("text",)}

        assert errors_for(registry) == [
            ("tutela.E102", "vault.Note holds personal data but has no public_id.")
        ]


def test_a_personal_model_that_does_not_name_its_key_fails_e103():
    with isolate_apps("tutela.vault") as registry:

        class Note(PublicIdModel):
            text = EncryptedCharField(max_length=20)

            class Meta:
                app_label = "vault"

            class Privacy:
                categories = {"notes": ("text",)}

        assert errors_for(registry) == [
            ("tutela.E103", "vault.Note.Privacy must name the path to its data key (key = ...).")
        ]


def test_a_privacy_class_naming_an_unknown_field_fails_e104():
    with isolate_apps("tutela.vault") as registry:

        class Note(PublicIdModel):
            text = EncryptedCharField(max_length=20)

            class Meta:
                app_label = "vault"

            class Privacy:
                key = "data_key"
                categories = {"notes": ("text", "nickname")}

        assert errors_for(registry) == [("tutela.E104", "vault.Note.Privacy names unknown field 'nickname'.")]


def test_a_personal_field_stored_in_the_clear_fails_e105():
    with isolate_apps("tutela.vault") as registry:

        class Note(PublicIdModel):
            nickname = models.CharField(max_length=20)
            on_roll = models.BooleanField(default=True)

            class Meta:
                app_label = "vault"

            class Privacy:
                key = "data_key"
                categories = {"identity": ("nickname", "on_roll")}
                plain = {"nickname": "declared plain, but it is listed as personal above"}

        found = check_personal_fields_encrypted(app_configs=[registry.get_app_config("vault")])
        assert [(m.id, m.msg, m.hint) for m in found] == [
            (
                "tutela.E105",
                "vault.Note.nickname is personal data stored in the clear.",
                "Declare it as an Encrypted*Field (tutela.vault.fields).",
            ),
            (
                "tutela.E105",
                "vault.Note.on_roll is personal data stored in the clear.",
                "Declare it as an Encrypted*Field (tutela.vault.fields).",
            ),
            (
                "tutela.E106",
                "vault.Note.on_roll is stored in the clear on a personal-data model.",
                "Encrypt it (tutela.vault.fields) or, if it is not personal (a code, a flag), list it in "
                "Privacy.plain with the reason.",
            ),
        ]


def test_an_undeclared_clear_text_column_on_a_personal_model_fails_e106():
    with isolate_apps("tutela.vault") as registry:

        class Note(PublicIdModel):
            text = EncryptedCharField(max_length=20)
            nickname = models.CharField(max_length=20)  # slipped in: not listed anywhere
            born = models.DateField(null=True)
            extra = models.JSONField(default=dict)
            letter = models.FileField()
            looked_after = models.BooleanField(default=False)  # not text, but says a lot about a child

            class Meta:
                app_label = "vault"

            class Privacy:
                key = "data_key"
                categories = {"notes": ("text",)}

        found = check_personal_fields_encrypted(app_configs=[registry.get_app_config("vault")])
        assert [(m.id, m.msg) for m in found] == [
            ("tutela.E106", f"vault.Note.{name} is stored in the clear on a personal-data model.")
            for name in ("nickname", "born", "extra", "letter", "looked_after")
        ]
        assert "list it in Privacy.plain with the reason" in found[0].hint


def test_a_model_pointing_at_personal_data_must_say_whether_it_is_personal_e107():
    from tutela.pupils.models import Pupil
    from tutela.vault.checks import check_personal_fields_encrypted

    with isolate_apps("tutela.vault") as registry:

        class Sighting(models.Model):
            pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")

            class Meta:
                app_label = "vault"

        class Seat(models.Model):
            pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
            not_personal = "ids only: where a pupil sits"

            class Meta:
                app_label = "vault"

        found = check_personal_fields_encrypted(app_configs=[registry.get_app_config("vault")])
        assert [(m.id, m.msg.split(" points")[0]) for m in found] == [("tutela.E107", "vault.Sighting.pupil")]
