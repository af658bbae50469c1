"""The audit log: append-only, chained by a keyed MAC, anchored by signed checkpoints.

Events hold ids (opaque UUIDs), field names and categories; never a value of a personal field.
On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE of this table (migration 0002).
"""

from __future__ import annotations

import json

from django.db import models


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        READ = "read"
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"
        AUTH = "auth"
        SYSTEM = "system"

    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    actor_id = models.UUIDField(null=True, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    action = models.CharField(max_length=120)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.UUIDField(null=True, blank=True)
    subjects = models.JSONField(default=list)
    categories = models.JSONField(default=list)
    fields = models.JSONField(default=list)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    mac = models.BinaryField()

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"audit #{self.seq} {self.kind} {self.action}"

    def canonical(self) -> bytes:
        """The bytes the chain MAC covers: every field but the MAC itself, in a fixed form."""
        body = {
            "seq": self.seq,
            "occurred_at": self.occurred_at.isoformat(),
            "actor_id": str(self.actor_id) if self.actor_id else None,
            "kind": self.kind,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": str(self.target_id) if self.target_id else None,
            "subjects": [str(s) for s in self.subjects],
            "categories": sorted(self.categories),
            "fields": list(self.fields),
            "request_id": self.request_id,
            "ip": self.ip,
            "reason": self.reason,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


class AuditHead(models.Model):
    """The end of the chain: one row, locked while an event is appended so sequence numbers never race."""

    seq = models.BigIntegerField(default=0)
    mac = models.BinaryField(default=b"")


class AuditCheckpoint(models.Model):
    """A signed statement "the chain had N events ending in MAC m". Export these and keep them off-host."""

    seq = models.BigIntegerField(unique=True)
    mac = models.BinaryField()
    created_at = models.DateTimeField()
    signature = models.BinaryField()

    class Meta:
        ordering = ["seq"]

    def signed_bytes(self) -> bytes:
        return b"tutela-audit-checkpoint|" + str(self.seq).encode() + b"|" + bytes(self.mac)
