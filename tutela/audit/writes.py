"""Every create, update and delete of a personal-data model is audited, in the same transaction.

Written once here, for every model that declares a ``Privacy`` class, so a service cannot forget it.
A write outside an audit context raises (see tutela.audit.context).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save

from tutela.audit.chain import record
from tutela.audit.models import AuditEvent
from tutela.vault.tracking import is_personal


def privacy_subjects(instance: models.Model) -> list[Any]:
    path = getattr(instance.Privacy, "subject", "public_id")  # type: ignore[attr-defined]
    target: Any = instance
    for step in path.split("."):
        target = getattr(target, step, None)
        if target is None:
            return []
    return [target]


def privacy_categories(model: type[models.Model], fields: list[str] | None = None) -> list[str]:
    categories: dict[str, tuple[str, ...]] = getattr(model.Privacy, "categories", {})  # type: ignore[attr-defined]
    if fields is None:
        return sorted(categories)
    return sorted(c for c, names in categories.items() if set(names) & set(fields))


def _on_save(sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any) -> None:
    if not is_personal(sender) or kwargs.get("raw"):
        return
    changed = instance.__dict__.get("_vault_changed", [])
    if not created and not changed:
        return
    kind = AuditEvent.Kind.CREATE if created else AuditEvent.Kind.UPDATE
    record(
        kind=kind,
        action=f"{sender._meta.label_lower}.{kind}",
        target=instance,
        subjects=privacy_subjects(instance),
        categories=privacy_categories(sender, changed),
        fields=changed,
    )


def _on_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not is_personal(sender):
        return
    record(
        kind=AuditEvent.Kind.DELETE,
        action=f"{sender._meta.label_lower}.delete",
        target=instance,
        subjects=privacy_subjects(instance),
        categories=privacy_categories(sender),
    )


post_save.connect(_on_save, dispatch_uid="tutela.audit.writes.save")
post_delete.connect(_on_delete, dispatch_uid="tutela.audit.writes.delete")
