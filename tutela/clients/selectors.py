"""Reads of machine clients, scoped by the policy."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from tutela import policy
from tutela.clients.models import ApiClient
from tutela.schools.models import School


def client_list(*, actor: Any) -> QuerySet[ApiClient]:
    return policy.scope(actor, "clients.manage", ApiClient).select_related("school")


def client_get(*, actor: Any, public_id: UUID) -> ApiClient:
    return policy.get_or_404(actor, "clients.manage", ApiClient, public_id)


def schools_for_issue(*, actor: Any) -> QuerySet[School]:
    return policy.scope(actor, "clients.issue", School).order_by("name")
