"""Start-up checks for the vault: the root key is safe, and no personal field is stored in the clear."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import AppConfig, apps
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from tutela.vault import root
from tutela.vault.fields import BlindIndexField, EncryptedField
from tutela.vault.storage import EncryptedFileField


@checks.register(checks.Tags.security)
def check_root_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from django.conf import settings

    if settings.TUTELA_VAULT_AUTOCREATE_KEYS:
        return []
    return [checks.Error(problem, id="tutela.E101") for problem in root.problems()]


def models_of(app_configs: Iterable[AppConfig] | None) -> Iterable[type[models.Model]]:
    """The models to check: those of the given apps (``manage.py check <app>``), or every model."""
    if app_configs is None:
        return apps.get_models()
    return [model for app_config in app_configs for model in app_config.get_models()]


@checks.register(checks.Tags.models)
def check_personal_fields_encrypted(
    app_configs: Iterable[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for model in models_of(app_configs):
        privacy = getattr(model, "Privacy", None)
        if privacy is None:
            errors.extend(_undeclared_links_to_personal_data(model))
            continue
        label = model._meta.label
        if not any(f.name == "public_id" for f in model._meta.fields):
            errors.append(
                checks.Error(f"{label} holds personal data but has no public_id.", id="tutela.E102")
            )
        if not getattr(privacy, "key", ""):
            errors.append(
                checks.Error(
                    f"{label}.Privacy must name the path to its data key (key = ...).", id="tutela.E103"
                )
            )
        personal = {name for names in getattr(privacy, "categories", {}).values() for name in names}
        for name in sorted(personal):
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                errors.append(
                    checks.Error(f"{label}.Privacy names unknown field {name!r}.", id="tutela.E104")
                )
                continue
            if not isinstance(field, EncryptedField | EncryptedFileField):
                errors.append(
                    checks.Error(
                        f"{label}.{name} is personal data stored in the clear.",
                        hint="Declare it as an Encrypted*Field (tutela.vault.fields).",
                        id="tutela.E105",
                    )
                )
        errors.extend(_unlisted_plain_fields(model, privacy))
    return errors


_ALWAYS_PLAIN = {"id", "public_id", "created_at", "updated_at"}


def _unlisted_plain_fields(model: type[models.Model], privacy: type) -> list[checks.CheckMessage]:
    """Every clear-text column of a personal model must be declared in ``Privacy.plain``, with a reason.

    An allow-list, not a list of suspicious types: a new ``looked_after = BooleanField()`` or
    ``nickname = CharField()`` fails start-up until it is encrypted or declared. Keys to other rows
    (foreign keys) are structure and need no declaration.
    """
    allowed = set(getattr(privacy, "plain", {})) | _ALWAYS_PLAIN
    return [
        checks.Error(
            f"{model._meta.label}.{field.name} is stored in the clear on a personal-data model.",
            hint="Encrypt it (tutela.vault.fields) or, if it is not personal (a code, a flag), list it in "
            "Privacy.plain with the reason.",
            id="tutela.E106",
        )
        for field in model._meta.concrete_fields
        if not field.is_relation
        and not isinstance(field, EncryptedField | EncryptedFileField | BlindIndexField)
        and field.name not in allowed
    ]


def _undeclared_links_to_personal_data(model: type[models.Model]) -> list[checks.CheckMessage]:
    """A model that points at a personal model must say whether it is personal itself.

    Either it declares ``Privacy`` (and so gets encryption, scoping and audit), or it states why it is
    not personal in ``not_personal = "..."`` (e.g. "ids only: which class a pupil is in").
    """
    if getattr(model, "not_personal", ""):
        return []
    return [
        checks.Error(
            f"{model._meta.label}.{field.name} points at personal data ({field.related_model._meta.label}), "
            f"but {model._meta.label} declares neither Privacy nor not_personal.",
            hint='Add a Privacy class, or not_personal = "<why this table holds no personal data>".',
            id="tutela.E107",
        )
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.related_model is not None
        and hasattr(field.related_model, "Privacy")
        and model._meta.app_label not in {"auth", "admin", "contenttypes", "sessions"}
    ]
