"""The rules: which rows of which model an actor may reach for a named action.

Domain apps register their actions in their ``rules.py``; an action nobody registered is denied to
everyone, superusers included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from tutela.policy.exceptions import UnknownAction

ScopeFn = Callable[[Any], models.Q]


@dataclass(frozen=True)
class Rule:
    action: str
    model: type[models.Model]
    category: str
    scope: ScopeFn
    description: str


_rules: dict[str, Rule] = {}


def register(
    action: str, *, model: type[models.Model], category: str, description: str
) -> Callable[[ScopeFn], ScopeFn]:
    """Decorator for a function ``(user) -> Q`` that selects the rows ``user`` may reach for ``action``.

    Return ``NOTHING`` for "none". The Q is applied in SQL, so lists never load rows they may not show.
    """

    def decorate(scope: ScopeFn) -> ScopeFn:
        if action in _rules:
            raise ValueError(f"Policy action {action!r} is registered twice.")
        _rules[action] = Rule(
            action=action, model=model, category=category, scope=scope, description=description
        )
        return scope

    return decorate


def rule(action: str) -> Rule:
    try:
        return _rules[action]
    except KeyError:
        raise UnknownAction(f"No policy rule for {action!r}: denied.") from None


def all_rules() -> list[Rule]:
    return sorted(_rules.values(), key=lambda r: r.action)


NOTHING = models.Q(pk__in=[])
