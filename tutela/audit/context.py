"""Who is acting, and why. Every audited action needs one; recording without it raises.

Requests get one from AuditContextMiddleware; commands, imports and scripts open one explicitly:

    with audit.context(actor=None, reason="nightly import"):
        ...

Reads are collected during the context and written as one event when it ends (one page view, one
event); writes are recorded at once, in the writing transaction.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


class AuditContextMissing(RuntimeError):
    pass


@dataclass
class PendingRead:
    subjects: dict[str, None] = field(default_factory=dict)  # ordered set
    categories: set[str] = field(default_factory=set)
    target_type: str = ""
    target_id: Any = None


@dataclass
class AuditContext:
    actor: Any
    reason: str
    action: str
    request: Any = None
    reads: PendingRead | None = None

    def actor_public_id(self) -> Any:
        actor = self.request.user if self.request is not None else self.actor
        if actor is None or not getattr(actor, "is_authenticated", False):
            return None
        return actor.public_id


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("tutela_audit", default=None)


def current() -> AuditContext:
    ctx = _current.get()
    if ctx is None:
        raise AuditContextMissing(
            "Personal data was read or written outside an audit context. Requests have one; commands and "
            "scripts must wrap their work in `with audit.context(actor=..., reason=...)`."
        )
    return ctx


@contextmanager
def context(
    *, actor: Any, reason: str, action: str = "command", request: Any = None
) -> Iterator[AuditContext]:
    from tutela.audit.chain import flush_reads

    ctx = AuditContext(actor=actor, reason=reason[:200], action=action, request=request)
    token = _current.set(ctx)
    try:
        yield ctx
        flush_reads(ctx)
    finally:
        _current.reset(token)
