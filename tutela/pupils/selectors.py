"""Reads of pupils and guardians, always on behalf of an actor and through the policy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from tutela import audit, policy
from tutela.accounts.models import Role
from tutela.accounts.selectors import roles_of
from tutela.pupils.models import ClassMembership, GuardianLink, Pupil, PupilGroups, PupilSend
from tutela.pupils.rules import staff_schools
from tutela.schools.models import FormGroup, School, TeachingGroup, YearGroup
from tutela.vault import keys as vault_keys
from tutela.vault import search
from tutela.vault.models import Keyring

UPN_SHAPE = re.compile(r"[A-Z][0-9]{11}[0-9A-Z]")
# Candidates from the blind index are decrypted to find the true matches (12-bit tokens collide by design).
# More candidates than this means more matches than a page shows: the page says "type more of the name".
SEARCH_CANDIDATES = 100
SEARCH_CANDIDATES_ACROSS_SCHOOLS = 60  # a trust-wide search: 5,000 candidates for two letters at 50 schools
SEARCH_RESULTS = 25


def _visible(actor: Any, action: str = "pupils.view") -> QuerySet[Pupil]:
    return Pupil.objects.for_actor(actor, action).select_related("data_key", "year_group", "form_group")


LIST_FIELDS = (
    "public_id",
    "school",
    "on_roll",
    "legal_first_name",
    "legal_last_name",
    "preferred_first_name",
    "preferred_last_name",
    "data_key",
    "year_group",
    "form_group",
)


def with_keys_and_groups(pupils: list[Pupil]) -> list[Pupil]:
    """Attaches to each pupil its data key, year group and form, each read in one query for the page.

    Joining them to every row would build a year group and a form per pupil (a school has 5 and 20),
    and ``select_related`` on the one-to-one data key also caches the pupil on the key: a reference cycle
    per pupil that only the garbage collector frees (1 s pauses; docs/performance.md). Shared year group
    and form instances and forward-only caches leave no cycle.
    """
    return _with_groups(_with_keys(pupils))


def _with_keys(pupils: list[Pupil]) -> list[Pupil]:
    keys = vault_keys.data_keys_by_id(p.data_key_id for p in pupils)
    data_key = Pupil._meta.get_field("data_key")
    for pupil in pupils:
        data_key.set_cached_value(pupil, keys[pupil.data_key_id])
    return pupils


def _with_groups(pupils: list[Pupil]) -> list[Pupil]:
    years = YearGroup.objects.only("name", "public_id", "school").in_bulk({p.year_group_id for p in pupils})
    form_ids = {p.form_group_id for p in pupils if p.form_group_id is not None}
    forms = FormGroup.objects.only("name", "public_id", "school", "year_group").in_bulk(form_ids)
    year_group, form_group = Pupil._meta.get_field("year_group"), Pupil._meta.get_field("form_group")
    for pupil in pupils:
        year_group.set_cached_value(pupil, years[pupil.year_group_id])
        if pupil.form_group_id is not None:
            form_group.set_cached_value(pupil, forms[pupil.form_group_id])
    return pupils


def pupil_list(*, actor: Any, year_group: YearGroup | None = None) -> list[Pupil]:
    """Every pupil the actor may see, sorted by surname (names are decrypted, so sorting is in Python).

    Only the columns a list shows are loaded: a 2,000-pupil school is 2,000 rows of ciphertext to open.
    """
    pupils = Pupil.objects.for_actor(actor, "pupils.view").filter(on_roll=True).only(*LIST_FIELDS)
    if year_group is not None:
        pupils = pupils.filter(year_group=year_group)
    return sorted(with_keys_and_groups(list(pupils)), key=lambda p: p.sort_key)  # leavers: search or link


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


def _search_keyrings(actor: Any) -> list[Keyring]:
    """The keyrings of the schools whose name index a search consults (those of the actor's roles and
    children), read now: the vault unwraps the schools' keys under them.

    A superset is harmless (the scoped query still decides who is shown) and is much cheaper than asking
    which schools the visible pupils are at, which scans every one of them.
    """
    ids = staff_schools(actor)
    ids |= set(GuardianLink.system.filter(guardian__user=actor).values_list("pupil__school_id", flat=True))
    ids |= set(Pupil.system.filter(user=actor).values_list("school_id", flat=True))
    return list(Keyring.objects.filter(pk__in=School.objects.filter(pk__in=ids).values("keyring_id")))


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
    keyrings = _search_keyrings(actor)
    vault_keys.use_keyrings(keyrings)
    candidates = search.candidate_data_keys(keyrings, "pupil.name", query)
    if candidates is None:
        return SearchResult(pupils=[], too_short=True)
    cap = SEARCH_CANDIDATES if len(keyrings) == 1 else SEARCH_CANDIDATES_ACROSS_SCHOOLS
    rows = list(scoped.filter(data_key__in=candidates).only(*LIST_FIELDS).without_read_audit()[:cap])
    _with_keys(rows)
    found = [
        p
        for p in rows
        if search.matches(
            query, (p.legal_first_name, p.legal_last_name, p.preferred_first_name, p.preferred_last_name)
        )
    ]
    found.sort(key=lambda p: p.sort_key)
    shown = _with_groups(found[:limit])
    if shown:
        audit.record_read(
            target_type="pupils.pupil", subjects=[p.public_id for p in shown], categories=["identity"]
        )
    return SearchResult(pupils=shown, more=len(found) > limit or len(rows) == cap)


def pupil_by_upn(*, actor: Any, upn: str) -> Pupil | None:
    """Exact UPN lookup through the per-school blind index."""
    from tutela.vault.fields import blind_index

    scoped = _visible(actor)
    digests = [blind_index(k, "pupil.upn", upn.strip().upper()) for k in _search_keyrings(actor)]
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
    pupils = list(Pupil.objects.for_actor(actor, "pupils.view").filter(pk__in=members))
    return sorted(with_keys_and_groups(pupils), key=lambda p: p.sort_key)


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
    pupils = with_keys_and_groups(list(rows.only(*LIST_FIELDS)))
    if pupils:
        audit.record_read(
            target_type="pupils.pupil", subjects=[p.public_id for p in pupils], categories=["identity"]
        )
    return sorted(pupils, key=lambda p: p.sort_key)
