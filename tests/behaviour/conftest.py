"""Behaviour tests: the cast, built once per test module (as in tests/pupils), and recording helpers.

Building it (keys, encrypted rows, search tokens) is most of a pupils test's time. As Django's
setUpTestData does, it is built in a transaction that lasts the module; each test runs in its own savepoint
(the ``db`` fixture) and gets a deep copy, so neither its writes nor changes to the objects outlive it.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.cast import Cast, build_cast
from tutela.behaviour import services
from tutela.behaviour.models import Category
from tutela.core import clock


@pytest.fixture(scope="module")
def _module_cast(django_db_setup: None, django_db_blocker: Any) -> Iterator[Cast]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_cast()
        transaction.set_rollback(True)


@pytest.fixture
def cast(_module_cast: Cast, db: None) -> Cast:
    return copy.deepcopy(_module_cast)


@pytest.fixture
def seeded(cast: Cast, audited: None) -> Cast:
    """The cast, with the default categories and thresholds at both schools."""
    services.defaults_seed(school=cast.school)
    services.defaults_seed(school=cast.other_school)
    return cast


def category(school: Any, name: str) -> Category:
    return Category.objects.get(school=school, name=name)


def record(
    cast: Cast, *, by: Any = None, pupils: list | None = None, name: str = "Defiance", **extra: Any
) -> list:
    """Records an occurrence through the service (default: the form tutor, for Amelia, 'Defiance' -3)."""
    extra.setdefault("occurred_at", clock.now() - datetime.timedelta(minutes=1))
    return services.incident_record(
        actor=by or cast.form_tutor,
        pupils=pupils or [cast.pupil_record],
        category=category(cast.school, name),
        **extra,
    )
