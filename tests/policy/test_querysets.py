"""Scoped querysets (tutela/policy/querysets.py): personal data is only reached on someone's behalf."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Count

from tests.audit.conftest import events_after, last_seq
from tutela import audit
from tutela.policy import UnscopedQuery
from tutela.pupils.models import Pupil

pytestmark = pytest.mark.django_db

UNSCOPED_USES: dict[str, Callable[[Any], Any]] = {
    "list": list,
    "len": len,
    "bool": bool,
    "iteration": lambda qs: next(iter(qs)),
    "indexing": lambda qs: qs[0],
    "get": lambda qs: qs.get(),
    "first": lambda qs: qs.first(),
    "count": lambda qs: qs.count(),
    "exists": lambda qs: qs.exists(),
    "iterator": lambda qs: next(qs.iterator()),
    "aggregate": lambda qs: qs.aggregate(n=Count("pk")),
    "values": lambda qs: list(qs.values("public_id")),
}


@pytest.mark.parametrize("use", UNSCOPED_USES, ids=list(UNSCOPED_USES))
def test_an_unscoped_queryset_refuses_to_run(db, audited, use):
    with pytest.raises(UnscopedQuery) as raised:
        UNSCOPED_USES[use](Pupil.objects.filter(on_roll=True))
    if use != "iterator":
        assert "pupils.Pupil holds personal data: query it with .objects.for_actor(user, action)" in str(
            raised.value
        )


def test_update_and_delete_refuse_to_run_even_when_scoped(cast, audited):
    for queryset in (Pupil.objects.all(), Pupil.objects.for_actor(cast.school_admin, "pupils.edit")):
        with pytest.raises(UnscopedQuery, match=r"through a service \(Model\.system\)"):
            queryset.update(on_roll=False)
        with pytest.raises(UnscopedQuery, match=r"through a service \(Model\.system\)"):
            queryset.delete()
    assert Pupil.system.filter(on_roll=True).count() == 4


def test_iterator_is_refused_even_when_scoped_because_it_would_skip_the_read_audit(cast, audited):
    with pytest.raises(UnscopedQuery, match=r"iterator\(\) skips the read audit"):
        next(Pupil.objects.for_actor(cast.school_admin, "pupils.view").iterator())


def test_a_scoped_queryset_counts_checks_and_aggregates_without_recording_a_read(cast):
    since = last_seq()
    with audit.context(actor=cast.school_admin, reason=""):
        scoped = Pupil.objects.for_actor(cast.school_admin, "pupils.view")
        assert scoped.count() == 3
        assert scoped.exists()
        assert scoped.aggregate(n=Count("pk")) == {"n": 3}
        assert len(scoped.filter(year_group=cast.year7).values_list("public_id", flat=True)) == 1
    assert events_after(since) == []  # counts and ids only: no pupil's data was shown


def test_the_scope_survives_chaining(cast):
    since = last_seq()
    with audit.context(actor=cast.school_admin, reason=""):
        chained = (
            Pupil.objects.for_actor(cast.school_admin, "pupils.view").filter(on_roll=True).order_by("pk")
        )
        assert [p.pk for p in chained.select_related("school")[:2]] == [
            cast.pupil_record.pk,
            cast.sibling_record.pk,
        ]
    [event] = events_after(since)
    assert event.subjects == [str(cast.pupil_record.public_id), str(cast.sibling_record.public_id)]


def test_without_read_audit_records_no_read(cast):
    since = last_seq()
    with audit.context(actor=cast.school_admin, reason=""):
        rows = list(Pupil.objects.for_actor(cast.school_admin, "pupils.edit").without_read_audit())
        assert len(rows) == 3
        assert (
            list(Pupil.objects.for_actor(cast.school_admin, "pupils.edit").without_read_audit().filter(pk=0))
            == []
        )
    assert events_after(since) == []


def test_the_system_manager_is_unscoped_for_services(cast, audited):
    assert Pupil.system.count() == 4


@pytest.mark.parametrize("combine", ["or", "and", "xor", "union", "intersection", "difference"])
def test_combining_a_scoped_queryset_with_an_unscoped_one_is_refused(cast, combine):
    from tutela.pupils.models import Pupil

    scoped = Pupil.objects.for_actor(cast.no_role, "pupils.view")
    unscoped = Pupil.objects.all()
    operations = {
        "or": lambda: scoped | unscoped,
        "and": lambda: scoped & unscoped,
        "xor": lambda: scoped ^ unscoped,
        "union": lambda: scoped.union(unscoped),
        "intersection": lambda: scoped.intersection(unscoped),
        "difference": lambda: scoped.difference(unscoped),
    }
    with pytest.raises(UnscopedQuery, match="every side scoped to the same action"):
        operations[combine]()


def test_two_querysets_scoped_to_the_same_action_combine(cast, audited):
    from tutela.pupils.models import Pupil

    sevens = Pupil.objects.for_actor(cast.school_admin, "pupils.view").filter(year_group=cast.year7)
    eights = Pupil.objects.for_actor(cast.school_admin, "pupils.view").filter(year_group=cast.year8)
    assert len(sevens | eights) == 3
    with pytest.raises(UnscopedQuery):
        sevens | Pupil.objects.for_actor(cast.school_admin, "pupils.view_contacts")


@pytest.mark.parametrize("combine", ["and", "xor", "union", "intersection", "difference"])
def test_every_combination_of_same_scope_querysets_is_allowed(cast, combine):
    from tutela.pupils.models import Pupil

    a = Pupil.objects.for_actor(cast.school_admin, "pupils.view")
    b = Pupil.objects.for_actor(cast.school_admin, "pupils.view").filter(year_group=cast.year7)
    combined = {
        "and": lambda: a & b,
        "xor": lambda: a ^ b,
        "union": lambda: a.union(b),
        "intersection": lambda: a.intersection(b),
        "difference": lambda: a.difference(b),
    }[combine]()
    assert combined._policy_action == "pupils.view"
