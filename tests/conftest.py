"""The shared cast of actors and the test infrastructure plugins.

``cast`` gives one trust with two schools and a user for every role (see tests/cast.py). Tests that
touch personal data run inside an audit context and a vault scope, as requests and commands do.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from tests.cast import PASSWORD, Cast, build_cast
from tests.support.two_factor import verify_client
from tutela import audit
from tutela.vault.scope import vault_scope

pytest_plugins = ["tests.plugins.strict", "tests.plugins.browser"]


@receiver(connection_created, dispatch_uid="tests.all_schools")
def _tests_see_all_schools(sender: object, connection: object, **kwargs: object) -> None:
    """On PostgreSQL, tests build and inspect data across schools, as commands do (rls.system_scope).

    Row-level security itself is proven in tests/test_rls.py, which switches this off.
    """
    if connection.vendor == "postgresql":  # type: ignore[attr-defined]
        with connection.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute("SELECT set_config('tutela.all_schools', 'on', false)")


@pytest.fixture
def cast(db: None) -> Cast:
    return build_cast()


@pytest.fixture
def audited() -> Iterator[None]:
    """An audit context and vault scope for tests that call services or selectors directly."""
    with vault_scope(), audit.context(actor=None, reason="test"):
        yield


@pytest.fixture
def login(client):
    """``login(user)`` signs the test client in as ``user``, with the second factor if the user needs one
    (tests/support/two_factor.py; ``login(user, second_factor=False)`` stops after the password)."""

    def sign_in(user, *, second_factor: bool = True):
        with audit.context(actor=None, reason="test sign-in"):
            assert client.login(username=user.email, password=PASSWORD)
        if second_factor:
            verify_client(client, user)
        return client

    return sign_in
