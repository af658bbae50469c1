"""Public face of the audit layer: ``from tutela import audit``."""

from tutela.audit.context import AuditContextMissing, context  # noqa: F401


def record(**kwargs):
    from tutela.audit.chain import record as _record

    return _record(**kwargs)


def record_read(**kwargs):
    from tutela.audit.chain import record_read as _record_read

    return _record_read(**kwargs)
