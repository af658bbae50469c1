"""Querysets for personal data that refuse to run until scoped to an actor and an action.

    Pupil.objects.for_actor(user, "pupils.view")   # filtered in SQL, reads audited when evaluated
    Pupil.objects.all()                            # raises UnscopedQuery when evaluated
    Pupil.system.all()                             # unscoped, for services, imports and migrations only

Evaluating a scoped queryset records a read of every row it returned (ids and category only) in the
current audit context, so a view cannot show personal data without leaving a trace.
"""

from __future__ import annotations

from typing import Any, Self

from django.db import models

from tutela.policy.exceptions import UnscopedQuery
from tutela.policy.registry import NOTHING, rule


class PersonalQuerySet(models.QuerySet):
    _policy_action: str | None = None
    _policy_audit: bool = True

    def for_actor(self, actor: Any, action: str) -> Self:
        found = rule(action)
        if found.model is not self.model:
            raise UnscopedQuery(
                f"Policy action {action!r} is for {found.model._meta.label}, not {self.model._meta.label}."
            )
        q = NOTHING if actor is None or not getattr(actor, "is_authenticated", False) else found.scope(actor)
        clone = self.filter(q)
        clone._policy_action = action
        return clone

    def without_read_audit(self) -> Self:
        """For checks that do not display data (e.g. "may this user edit?"): evaluation records no read."""
        clone = self._chain()
        clone._policy_audit = False
        return clone

    def _clone(self) -> Self:
        clone = super()._clone()
        clone._policy_action = self._policy_action
        clone._policy_audit = self._policy_audit
        return clone

    def _require_scope(self) -> None:
        if self._policy_action is None:
            raise UnscopedQuery(
                f"{self.model._meta.label} holds personal data: query it with "
                f".objects.for_actor(user, action) (or .system in services, imports and migrations)."
            )

    def _same_scope(self, others: tuple[Any, ...]) -> None:
        """``a | b``, ``a & b`` and set operations keep only ``a``'s scope flag: every side must carry it."""
        for other in others:
            if getattr(other, "_policy_action", None) != self._policy_action or self._policy_action is None:
                raise UnscopedQuery(
                    "Combining querysets of personal data needs every side scoped to the same action: "
                    f"{self._policy_action!r} and {getattr(other, '_policy_action', None)!r}."
                )

    def __or__(self, other: Any) -> Self:
        self._same_scope((other,))
        return super().__or__(other)

    def __and__(self, other: Any) -> Self:
        self._same_scope((other,))
        return super().__and__(other)

    def __xor__(self, other: Any) -> Self:
        self._same_scope((other,))
        return super().__xor__(other)

    def union(self, *other_qs: Any, all: bool = False) -> Self:
        self._same_scope(other_qs)
        return super().union(*other_qs, all=all)

    def intersection(self, *other_qs: Any) -> Self:
        self._same_scope(other_qs)
        return super().intersection(*other_qs)

    def difference(self, *other_qs: Any) -> Self:
        self._same_scope(other_qs)
        return super().difference(*other_qs)

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._require_scope()
            super()._fetch_all()
            if self._policy_audit:
                self._record_read(self._result_cache)
        else:
            super()._fetch_all()

    def _record_read(self, rows: list[Any]) -> None:
        from tutela.audit import record_read
        from tutela.audit.writes import privacy_subjects

        instances = [row for row in rows if isinstance(row, models.Model)]
        if not instances:
            return
        subjects = [s for row in instances for s in privacy_subjects(row)]
        target = instances[0] if len(instances) == 1 else None
        record_read(
            target_type=self.model._meta.label_lower,
            subjects=subjects,
            categories=[rule(self._policy_action).category],  # type: ignore[arg-type]
            target=target,
        )

    def iterator(self, chunk_size: int | None = None):
        self._require_scope()
        raise UnscopedQuery("iterator() skips the read audit; use the queryset or the system manager.")

    def count(self) -> int:
        self._require_scope()
        return super().count()

    def exists(self) -> bool:
        self._require_scope()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._require_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        raise UnscopedQuery("Write personal data through a service (Model.system), not a scoped queryset.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise UnscopedQuery("Delete personal data through a service (Model.system), not a scoped queryset.")


PersonalManager = models.Manager.from_queryset(PersonalQuerySet)
