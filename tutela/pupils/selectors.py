"""Reads of pupils and guardians, always on behalf of an actor and through the policy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from tutela import audit, policy
from tutela.accounts.models import Role
from tutela.accounts.selectors import roles_of, school_ids_of
from tutela.pupils.models import ClassMembership, GuardianLink, Pupil, PupilGroups, PupilSend
from tutela.schools.models import School, TeachingGroup, YearGroup
from tutela.vault import search

UPN_SHAPE = re.compile(r"[A-Z][0-9]{11}[0-9A-Z]")
SEARCH_CANDIDATES = 200
SEARCH_RESULTS = 25
_WITH_KEYS = ("data_key", "year_group", "form_group")  # keyrings come from the vault's per-request cache


def _visible(actor: Any, action: str = "pupils.view") -> QuerySet[Pupil]:
    return Pupil.objects.for_actor(actor, action).select_related(*_WITH_KEYS)


LIST_FIELDS = (
    "public_id",
    "school",
    "on_roll",
    "legal_first_name",
    "legal_last_name",
    "preferred_first_name",
    "preferred_last_name",
    "data_key__public_id",
    "data_key__wrapped_aead",
    "data_key__keyring",
    "year_group__name",
    "year_group__public_id",
    "form_group__name",
    "form_group__public_id",
)


def pupil_list(*, actor: Any, year_group: YearGroup | None = None) -> list[Pupil]:
    """Every pupil the actor may see, sorted by surname (names are decrypted, so sorting is in Python).

    Only the columns a list shows are loaded: a 2,000-pupil school is 2,000 rows of ciphertext to open.
    """
    pupils = _visible(actor).filter(on_roll=True).only(*LIST_FIELDS)  # leavers: by search or link
    if year_group is not None:
        pupils = pupils.filter(year_group=year_group)
    return sorted(pupils, key=lambda p: p.sort_key)


def pupil_get(*, actor: Any, public_id: Any, action: str = "pupils.view") -> Pupil:
    found = _visible(actor, action).filter(public_id=public_id).first()
    if found is None:
        raise policy.NotVisible("No pupil matches the given query.")
    return found


def pupil_guardians(*, actor: Any, pupil: Pupil) -> list[GuardianLink]:
    """The pupil's contacts, if the actor may see contacts (otherwise an empty list)."""
    links = GuardianLink.objects.for_actor(actor, "guardians.view").filter(pupil=pupil)
    return list(links.select_related("guardian__data_key__keyring", "pupil__data_key__keyring"))


def can_edit(*, actor: Any, pupil: Pupil) -> bool:
    return Pupil.objects.for_actor(actor, "pupils.edit").without_read_audit().filter(pk=pupil.pk).exists()


def can_see_contacts(*, actor: Any, pupil: Pupil) -> bool:
    visible = Pupil.objects.for_actor(actor, "pupils.view_contacts").without_read_audit()
    return visible.filter(pk=pupil.pk).exists()


def _search_schools(actor: Any) -> list[School]:
    """The schools whose name index a search consults: those of the actor's roles and children.

    A superset is harmless (the scoped query still decides who is shown) and is much cheaper than asking
    which schools the visible pupils are at, which scans every one of them.
    """
    ids = school_ids_of(actor)
    ids |= set(GuardianLink.system.filter(guardian__user=actor).values_list("pupil__school_id", flat=True))
    ids |= set(Pupil.system.filter(user=actor).values_list("school_id", flat=True))
    return list(School.objects.filter(pk__in=ids).select_related("keyring"))


@dataclass(frozen=True)
class SearchResult:
    pupils: list[Pupil]
    too_short: bool = False
    more: bool = False


def looks_like_upn(query: str) -> bool:
    return bool(UPN_SHAPE.fullmatch(query.strip().upper()))


def pupil_search(*, actor: Any, query: str, limit: int = SEARCH_RESULTS) -> SearchResult:
    """Pupils whose names start with every word of ``query`` (or whose UPN it is), within the actor's scope.

    Candidates come from the blind name index in SQL; only those are decrypted, and only true matches
    are shown and audited as read.
    """
    if looks_like_upn(query):
        by_upn = pupil_by_upn(actor=actor, upn=query)
        return SearchResult(pupils=[by_upn] if by_upn else [])
    scoped = Pupil.objects.for_actor(actor, "pupils.view")
    schools = _search_schools(actor)
    candidates = search.candidate_data_keys([s.keyring for s in schools], "pupil.name", query)
    if candidates is None:
        return SearchResult(pupils=[], too_short=True)
    rows = list(
        scoped.filter(data_key__in=candidates)
        .select_related(*_WITH_KEYS)
        .without_read_audit()[:SEARCH_CANDIDATES]
    )
    found = [
        p
        for p in rows
        if search.matches(
            query, (p.legal_first_name, p.legal_last_name, p.preferred_first_name, p.preferred_last_name)
        )
    ]
    found.sort(key=lambda p: p.sort_key)
    shown = found[:limit]
    if shown:
        audit.record_read(
            target_type="pupils.pupil", subjects=[p.public_id for p in shown], categories=["identity"]
        )
    return SearchResult(pupils=shown, more=len(found) > limit or len(rows) == SEARCH_CANDIDATES)


def pupil_by_upn(*, actor: Any, upn: str) -> Pupil | None:
    """Exact UPN lookup through the per-school blind index."""
    from tutela.vault.fields import blind_index

    scoped = _visible(actor)
    schools = _search_schools(actor)
    digests = [blind_index(s.keyring, "pupil.upn", upn.strip().upper()) for s in schools]
    return scoped.filter(upn_index__in=digests).first() if digests else None


def class_list(*, actor: Any) -> QuerySet[TeachingGroup]:
    return policy.scope(actor, "schools.view_class", TeachingGroup).select_related("subject", "year_group")


def class_get(*, actor: Any, public_id: Any) -> TeachingGroup:
    found = class_list(actor=actor).filter(public_id=public_id).first()
    if found is None:
        raise policy.NotVisible("No class matches the given query.")
    return found


def class_pupils(*, actor: Any, teaching_group: TeachingGroup) -> list[Pupil]:
    members = ClassMembership.objects.filter(teaching_group=teaching_group).values("pupil_id")
    return sorted(_visible(actor).filter(pk__in=members), key=lambda p: p.sort_key)


@dataclass(frozen=True)
class GroupFlags:
    """A pupil's reporting groups, as far as the actor may see them (None: not visible to this actor)."""

    disadvantaged: bool | None = None
    eal: bool | None = None
    send: str | None = None  # census code N, K or E


def may_see_group(*, actor: Any, group: str) -> bool:
    """Whether the actor may see a group flag at all (so a dashboard shows the breakdown or leaves it out)."""
    roles = roles_of(actor)
    if group == "send":
        return bool(roles.schools_with(Role.SENCO))
    if group in ("disadvantaged", "eal"):
        return bool(roles.teaching_schools() or roles.trusts_with(Role.TRUST_ADMIN))
    return group == "sex"


def group_flags(*, actor: Any, pupil_ids: list[int]) -> dict[int, GroupFlags]:
    """The group flags of these pupils (by integer key) that the actor may see; decrypted in Python."""
    flags: dict[int, dict[str, Any]] = {pk: {} for pk in pupil_ids}
    groups = PupilGroups.objects.for_actor(actor, "pupils.view_groups").filter(pupil_id__in=pupil_ids)
    for row in groups.select_related("pupil__data_key"):
        flags[row.pupil_id].update(disadvantaged=row.disadvantaged, eal=row.eal)
    if may_see_group(actor=actor, group="send"):
        send = PupilSend.objects.for_actor(actor, "pupils.view_send").filter(pupil_id__in=pupil_ids)
        for row in send.select_related("pupil__data_key"):
            flags[row.pupil_id]["send"] = row.status
    return {pk: GroupFlags(**values) for pk, values in flags.items()}


def class_roster(
    *, actor: Any, teaching_group: TeachingGroup, granted_by: str, public_id: Any = None
) -> list[Pupil]:
    """The pupils (on roll) of a class, for an actor whom a class-wide rule lets reach the class as a whole.

    ``granted_by`` is a registered action on TeachingGroup (e.g. ``assessment.view_markbook``, which lets
    a head of department see every class of their subject). Someone who may see a class's markbook must
    see who is in it; this is the one place where another rule opens pupils' identities, so it checks
    that rule itself, reads only this class's members, and audits the read like a scoped queryset.
    ``public_id`` narrows it to one pupil (a cell of a markbook), in SQL.
    """
    if policy.rule(granted_by).model is not TeachingGroup or not policy.can(
        actor, granted_by, teaching_group
    ):
        raise policy.NotVisible("No class matches the given query.")
    members = ClassMembership.objects.filter(teaching_group=teaching_group).values("pupil_id")
    rows = Pupil.system.filter(pk__in=members, on_roll=True)
    if public_id is not None:
        rows = rows.filter(public_id=public_id)
    pupils = list(rows.select_related(*_WITH_KEYS).only(*LIST_FIELDS))
    if pupils:
        audit.record_read(
            target_type="pupils.pupil", subjects=[p.public_id for p in pupils], categories=["identity"]
        )
    return sorted(pupils, key=lambda p: p.sort_key)
