"""The shared cast, built faster (see tests/audit/conftest.py)."""

from tests.audit.conftest import cast  # noqa: F401
