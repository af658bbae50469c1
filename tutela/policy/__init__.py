"""The decision point. ``from tutela import policy``.

- ``policy.scope(user, action, Model)``: the rows ``user`` may reach, filtered in SQL.
- ``policy.get_or_404(user, action, Model, public_id)``: one row, or 404 for missing *and* forbidden.
- ``policy.can(user, action, obj)`` / ``policy.require(user, action, obj)``: yes/no, or 403.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from tutela.policy.exceptions import NotAllowed, NotVisible, UnknownAction, UnscopedQuery
from tutela.policy.registry import NOTHING, all_rules, register, rule  # noqa: F401


def scope(actor: Any, action: str, model: type[models.Model]) -> models.QuerySet:
    queryset = model._default_manager.all()
    if hasattr(queryset, "for_actor"):
        return queryset.for_actor(actor, action)
    found = rule(action)
    if found.model is not model:
        raise UnscopedQuery(
            f"Policy action {action!r} is for {found.model._meta.label}, not {model._meta.label}."
        )
    if actor is None or not getattr(actor, "is_authenticated", False):
        return queryset.none()
    return queryset.filter(found.scope(actor))


def get_or_404(actor: Any, action: str, model: type[models.Model], public_id: Any) -> Any:
    found = scope(actor, action, model).filter(public_id=public_id).first()
    if found is None:
        raise NotVisible(f"No {model._meta.verbose_name} matches the given query.")
    return found


def can(actor: Any, action: str, obj: models.Model) -> bool:
    try:
        qs = scope(actor, action, obj._meta.model)  # not type(obj): request.user is a lazy proxy
    except UnknownAction:
        return False
    return qs.filter(pk=obj.pk).exists()


def require(actor: Any, action: str, obj: models.Model) -> None:
    """403 when ``actor`` may see ``obj`` (they reached it through a view rule) but not do ``action``."""
    if not can(actor, action, obj):
        raise NotAllowed(f"You may not {rule(action).description}.")
