"""Which fields of a personal-data row a save changes (names only, never values).

The audit log records these names; the search index is rebuilt only when a searchable name changed.
Encrypted values are compared without decrypting: a value still sealed since loading is unchanged.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import post_init, pre_save

from tutela.vault.fields import EncryptedField, Sealed


def is_personal(model: type[models.Model]) -> bool:
    return hasattr(model, "Privacy")


_SEALED = object()


def _snapshot(instance: models.Model) -> dict[str, Any]:
    """Plain values as they are, encrypted ones as "sealed" (never decrypted here) or None."""
    snapshot = {}
    for field in instance._meta.concrete_fields:
        value = instance.__dict__.get(field.attname)
        if isinstance(field, EncryptedField) and value is not None:
            value = _SEALED
        snapshot[field.attname] = value
    return snapshot


def changed_fields(instance: models.Model) -> list[str]:
    snapshot = instance.__dict__.get("_vault_snapshot")
    fields = instance._meta.concrete_fields
    if snapshot is None:
        return [f.name for f in fields if f.name not in {"id", "public_id"}]
    opened = instance.__dict__.get("_vault_opened", {})
    changed = []
    for field in fields:
        value = instance.__dict__.get(field.attname)
        if isinstance(field, EncryptedField):
            if isinstance(value, Sealed) or field.attname not in instance.__dict__:
                continue  # unopened, or deferred and never touched
            before = opened.get(field.attname, snapshot.get(field.attname))
            if before is _SEALED or isinstance(before, Sealed) or before != value:
                changed.append(field.name)
        elif snapshot.get(field.attname) != value and field.name != "updated_at":
            changed.append(field.name)
    return changed


def _on_init(sender: type[models.Model], instance: models.Model, **kwargs: object) -> None:
    # Runs for every row a list loads: a shallow copy of what was loaded (encrypted values still sealed)
    # is all changed_fields() needs, and costs a fraction of walking the fields.
    if instance.pk is not None and is_personal(sender):
        instance.__dict__["_vault_snapshot"] = instance.__dict__.copy()


def _on_pre_save(
    sender: type[models.Model],
    instance: models.Model,
    update_fields: frozenset[str] | None = None,
    **kwargs: object,
) -> None:
    """Notes what this save writes, then takes what it writes as the new "as stored" state.

    With ``save(update_fields=...)`` only those fields are written: a change to any other field stays
    pending, to be recorded by the save that writes it.
    """
    if not is_personal(sender):
        return
    written = [f for f in instance._meta.concrete_fields if update_fields is None or f.name in update_fields]
    names = {f.name for f in written}
    instance.__dict__["_vault_changed"] = [name for name in changed_fields(instance) if name in names]
    now = _snapshot(instance)
    instance.__dict__.setdefault("_vault_snapshot", {}).update({f.attname: now[f.attname] for f in written})
    opened = instance.__dict__.setdefault("_vault_opened", {})
    for field in written:
        value = instance.__dict__.get(field.attname)
        if isinstance(field, EncryptedField) and not isinstance(value, Sealed):
            opened[field.attname] = value


post_init.connect(_on_init, dispatch_uid="tutela.vault.tracking.init")
pre_save.connect(_on_pre_save, dispatch_uid="tutela.vault.tracking.pre_save")
