"""The cast, built once per test module here instead of once per test.

Building it (keys, encrypted rows, search tokens) is most of a pupils test's time. As Django's
setUpTestData does, it is built in a transaction that lasts the module; each test runs in its own savepoint
(the ``db`` fixture) and gets a deep copy, so neither its writes nor changes to the objects outlive it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.cast import Cast, build_cast


@pytest.fixture(scope="module")
def _module_cast(django_db_setup: None, django_db_blocker: Any) -> Iterator[Cast]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_cast()
        transaction.set_rollback(True)


@pytest.fixture
def cast(_module_cast: Cast, db: None) -> Cast:
    return copy.deepcopy(_module_cast)
