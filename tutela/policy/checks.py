"""Start-up checks that keep personal data behind the policy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db import models

from tutela.policy.querysets import PersonalQuerySet
from tutela.vault.checks import models_of


def _is_scoped(model: type[models.Model]) -> bool:
    privacy = getattr(model, "Privacy", None)
    return privacy is not None and getattr(privacy, "scoped", True)


@checks.register(checks.Tags.models)
def check_personal_models_are_scoped(
    app_configs: Iterable[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for model in models_of(app_configs):
        if not _is_scoped(model):
            continue
        label = model._meta.label
        if not issubclass(type(model._default_manager.all()), PersonalQuerySet):
            errors.append(
                checks.Error(
                    f"{label} holds personal data but its default manager is not scoped.",
                    hint="Declare `objects = PersonalManager()` first and `system = models.Manager()` "
                    "after it.",
                    id="tutela.E201",
                )
            )
        if not hasattr(model, "system"):
            errors.append(checks.Error(f"{label} needs a `system` manager for services.", id="tutela.E202"))
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model):
                continue
            if _is_scoped(field.related_model) and field.remote_field.related_name != "+":
                errors.append(
                    checks.Error(
                        f"{label}.{field.name} gives {field.related_model._meta.label} a reverse accessor "
                        "that would bypass the policy scope.",
                        hint='Set related_name="+" and query through the scoped manager.',
                        id="tutela.E203",
                    )
                )
    return errors
