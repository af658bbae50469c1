"""Appending to the chain, checkpointing it and verifying it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from tutela.audit.context import AuditContext, PendingRead, current
from tutela.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from tutela.core import clock, request_context
from tutela.vault import keys, signing

CHAIN_KEY = "audit-chain"


def _mac(prev: bytes, event: AuditEvent) -> bytes:
    return keys.system_mac(CHAIN_KEY).compute_mac(prev + event.canonical())


def append(
    ctx: AuditContext,
    *,
    kind: str,
    action: str,
    target_type: str = "",
    target_id: Any = None,
    subjects: Iterable[Any] = (),
    categories: Iterable[str] = (),
    fields: Iterable[str] = (),
) -> AuditEvent:
    info = request_context.current()
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
            occurred_at=clock.now(),
            actor_id=ctx.actor_public_id(),
            kind=kind,
            action=action,
            target_type=target_type,
            target_id=target_id,
            subjects=[str(s) for s in subjects],
            categories=sorted(set(categories)),
            fields=list(fields),
            request_id=info.request_id if info else "",
            ip=info.ip if info else None,
            reason=ctx.reason,
        )
        event.mac = _mac(bytes(head.mac), event)
        event.save()
        head.seq, head.mac = event.seq, event.mac
        head.save(update_fields=["seq", "mac"])
        every = settings.TUTELA_AUDIT_CHECKPOINT_EVERY
        if every and event.seq % every == 0:
            _checkpoint(event.seq, bytes(event.mac))
    return event


def record(
    *,
    kind: str,
    action: str,
    target: Any = None,
    subjects: Iterable[Any] = (),
    categories: Iterable[str] = (),
    fields: Iterable[str] = (),
) -> AuditEvent:
    """Records a write, sign-in or system event now, in the caller's transaction."""
    return append(
        current(),
        kind=kind,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=getattr(target, "public_id", None),
        subjects=subjects,
        categories=categories,
        fields=fields,
    )


def record_read(
    *, target_type: str, subjects: Iterable[Any], categories: Iterable[str], target: Any = None
) -> None:
    """Notes that personal data was shown; written as one event when the request or command ends."""
    ctx = current()
    if ctx.reads is None:
        ctx.reads = PendingRead(target_type=target_type)
    for subject in subjects:
        ctx.reads.subjects[str(subject)] = None
    ctx.reads.categories.update(categories)
    if target is not None and ctx.reads.target_id is None:
        ctx.reads.target_type = target._meta.label_lower
        ctx.reads.target_id = target.public_id


def flush_reads(ctx: AuditContext) -> None:
    pending, ctx.reads = ctx.reads, None
    if pending is None or not pending.subjects:
        return
    append(
        ctx,
        kind=AuditEvent.Kind.READ,
        action=ctx.action,
        target_type=pending.target_type,
        target_id=pending.target_id,
        subjects=pending.subjects,
        categories=pending.categories,
    )


def _checkpoint(seq: int, mac: bytes) -> AuditCheckpoint:
    checkpoint = AuditCheckpoint(seq=seq, mac=mac, created_at=clock.now())
    checkpoint.signature = signing.sign(checkpoint.signed_bytes())
    checkpoint.save()
    return checkpoint


def checkpoint_now() -> AuditCheckpoint | None:
    """Signs the current end of the chain (run from cron, and by `audit verify`)."""
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None or head.seq == 0:
            return None
        existing = AuditCheckpoint.objects.filter(seq=head.seq).first()
        return existing or _checkpoint(head.seq, bytes(head.mac))


def export_checkpoints() -> str:
    """JSON lines: the public key, then every checkpoint. Keep this file off the host."""
    lines = [json.dumps({"public_keyset": signing.public_keyset_json()})]
    for cp in AuditCheckpoint.objects.order_by("seq"):
        lines.append(
            json.dumps(
                {
                    "seq": cp.seq,
                    "mac": bytes(cp.mac).hex(),
                    "created_at": cp.created_at.isoformat(),
                    "signature": bytes(cp.signature).hex(),
                }
            )
        )
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    events: int
    checkpoints: int
    problem: str = ""
    first_bad_seq: int | None = None


def verify(external_checkpoints: str | None = None) -> Verdict:
    """Walks the whole chain. Names the first event that was edited, inserted, reordered or deleted, and
    detects a truncated tail against the last signed checkpoint (the database's own, or an exported file).
    """
    public = signing.public_keyset_json()
    anchors: dict[int, bytes] = {}
    for cp in AuditCheckpoint.objects.order_by("seq"):
        if not signing.verify(public, bytes(cp.signature), cp.signed_bytes()):
            return Verdict(
                False, 0, len(anchors), f"checkpoint at event {cp.seq} has a bad signature", cp.seq
            )
        anchors[cp.seq] = bytes(cp.mac)
    if external_checkpoints is not None:
        found = _external_anchors(external_checkpoints)
        if isinstance(found, Verdict):
            return found
        for seq, mac in found.items():
            if anchors.get(seq, mac) != mac:
                return Verdict(
                    False, 0, len(anchors), f"checkpoint {seq} differs from the exported copy", seq
                )
            anchors[seq] = mac

    mac_key = keys.system_mac(CHAIN_KEY)
    prev, expected, count = b"", 1, 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected:
            return Verdict(
                False,
                count,
                len(anchors),
                f"event {expected} is missing (deleted, or the sequence was altered)",
                expected,
            )
        try:
            mac_key.verify_mac(bytes(event.mac), prev + event.canonical())
        except Exception:
            return Verdict(
                False, count, len(anchors), f"event {event.seq} was altered, inserted or reordered", event.seq
            )
        if event.seq in anchors and anchors[event.seq] != bytes(event.mac):
            return Verdict(
                False, count, len(anchors), f"event {event.seq} does not match its checkpoint", event.seq
            )
        prev, expected, count = bytes(event.mac), expected + 1, count + 1
    last_anchor = max(anchors, default=0)
    if last_anchor > count:
        return Verdict(
            False,
            count,
            len(anchors),
            f"the log ends at event {count} but a signed checkpoint covers event {last_anchor}: "
            "the tail was truncated",
            count + 1,
        )
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, bytes(head.mac)) != (count, prev):
        # Catches deletion of the newest events since the last checkpoint, unless the head was rewritten
        # to match; only a signed checkpoint (exported off the host) proves the tail against that.
        return Verdict(
            False,
            count,
            len(anchors),
            f"the log ends at event {count} but the chain's head records event {head.seq}: "
            "the newest events were deleted or the head was altered",
            min(count, head.seq) + 1,
        )
    return Verdict(True, count, len(anchors))


def _external_anchors(text: str) -> dict[int, bytes] | Verdict:
    """The checkpoints of an exported file, each checked against the file's public key."""
    try:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        if not rows or not isinstance(rows[0], dict) or "public_keyset" not in rows[0]:
            return Verdict(False, 0, 0, "the checkpoint file does not start with the public key")
        public = rows[0]["public_keyset"]
        checkpoints = [
            (
                AuditCheckpoint(seq=int(row["seq"]), mac=bytes.fromhex(row["mac"])),
                bytes.fromhex(row["signature"]),
            )
            for row in rows[1:]
        ]
    except (ValueError, KeyError, TypeError):
        return Verdict(False, 0, 0, "the checkpoint file is not JSON lines of checkpoints")
    anchors: dict[int, bytes] = {}
    for cp, signature in checkpoints:
        if not signing.verify(public, signature, cp.signed_bytes()):
            return Verdict(False, 0, 0, f"exported checkpoint {cp.seq} has a bad signature", cp.seq)
        anchors[cp.seq] = bytes(cp.mac)
    return anchors
