"""The current request's id and client address, for logs and audit events (never names)."""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    request_id: str
    ip: str | None


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("tutela_request", default=None)


def current() -> RequestInfo | None:
    return _current.get()


def bind(ip: str | None, request_id: str | None = None) -> contextvars.Token:
    return _current.set(RequestInfo(request_id=request_id or uuid.uuid4().hex, ip=ip))


def unbind(token: contextvars.Token) -> None:
    _current.reset(token)
