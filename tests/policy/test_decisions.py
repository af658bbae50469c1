"""The decision point (tutela/policy/__init__.py, registry.py): scope, can, require and get_or_404."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from tests.matrix import ROLES
from tutela import audit, policy
from tutela.policy import NotAllowed, NotVisible, UnknownAction, UnscopedQuery
from tutela.policy.registry import register
from tutela.pupils.models import Guardian, Pupil
from tutela.schools.models import FormGroup, TeachingGroup

pytestmark = pytest.mark.django_db

EVERYONE = tuple(role for role in ROLES if role != "anonymous")  # the cast, signed in


# --- unknown actions ----------------------------------------------------------------------------------------


def test_an_unknown_action_is_denied_to_everyone(cast, audited):
    assert set(cast.users) == set(EVERYONE)
    for label, user in cast.users.items():
        # Those who can see the pupil under a known action still get nothing under an unknown one.
        assert policy.can(user, "pupils.view", cast.pupil_record) is (label in VIEWERS_OF_PUPIL_RECORD), label
        assert policy.can(user, "pupils.teleport", cast.pupil_record) is False, label
        with pytest.raises(UnknownAction, match=r"No policy rule for 'pupils\.teleport': denied\."):
            Pupil.objects.for_actor(user, "pupils.teleport")
        with pytest.raises(UnknownAction):
            policy.scope(user, "schools.teleport", TeachingGroup)


VIEWERS_OF_PUPIL_RECORD = {
    "trust_admin",
    "school_admin",
    "head_of_year",
    "form_tutor",
    "class_teacher",
    "senco",
    "dsl",
    "dpo",
    "parent",
    "pupil",
}


def test_requiring_an_unknown_action_fails_loudly_rather_than_allowing(cast, audited):
    with pytest.raises(UnknownAction):
        policy.require(cast.school_admin, "pupils.teleport", cast.pupil_record)


def test_an_action_cannot_be_registered_twice():
    with pytest.raises(ValueError, match=r"Policy action 'pupils\.view' is registered twice\."):
        register("pupils.view", model=Pupil, category="identity", description="again")(lambda user: Q())


def test_every_registered_rule_is_listed_in_order():
    actions = [r.action for r in policy.all_rules()]
    assert actions == sorted(actions)
    assert {"pupils.view", "pupils.edit", "guardians.view", "schools.view_class"} <= set(actions)


# --- scope --------------------------------------------------------------------------------------------------


def test_scope_filters_in_sql_for_a_model_without_a_scoped_manager(cast):
    assert list(policy.scope(cast.class_teacher, "schools.view_class", TeachingGroup)) == [cast.maths_7a]
    assert list(policy.scope(cast.form_tutor, "schools.view_form", FormGroup)) == [cast.form_7a]
    assert list(policy.scope(cast.other_school_admin, "schools.view_class", TeachingGroup)) == [
        cast.other_class
    ]


def test_scope_uses_the_scoped_manager_of_a_personal_model(cast, audited):
    assert list(policy.scope(cast.form_tutor, "pupils.view", Pupil)) == [cast.pupil_record]


def test_a_rule_of_another_model_is_refused(cast):
    with pytest.raises(
        UnscopedQuery, match=r"'pupils\.view' is for pupils\.Pupil, not schools\.TeachingGroup"
    ):
        policy.scope(cast.school_admin, "pupils.view", TeachingGroup)
    with pytest.raises(
        UnscopedQuery, match=r"'guardians\.view' is for pupils\.GuardianLink, not pupils\.Pupil"
    ):
        Pupil.objects.for_actor(cast.school_admin, "guardians.view")
    with pytest.raises(UnscopedQuery, match=r"'pupils\.view' is for pupils\.Pupil, not pupils\.Guardian"):
        policy.scope(cast.school_admin, "pupils.view", Guardian)


@pytest.mark.parametrize("anonymous", [None, AnonymousUser()])
def test_an_anonymous_visitor_reaches_nothing(cast, audited, anonymous):
    assert list(Pupil.objects.for_actor(anonymous, "pupils.view")) == []
    assert list(policy.scope(anonymous, "schools.view_class", TeachingGroup)) == []
    assert policy.can(anonymous, "pupils.view", cast.pupil_record) is False
    assert policy.can(anonymous, "schools.view_class", cast.maths_7a) is False
    with pytest.raises(NotVisible):
        policy.get_or_404(anonymous, "pupils.view", Pupil, cast.pupil_record.public_id)


# --- get_or_404 and require ---------------------------------------------------------------------------------


def test_missing_and_out_of_scope_look_the_same(cast, audited):
    with pytest.raises(NotVisible) as missing:
        policy.get_or_404(cast.school_admin, "pupils.view", Pupil, uuid.uuid4())
    with pytest.raises(NotVisible) as hidden:
        policy.get_or_404(cast.school_admin, "pupils.view", Pupil, cast.other_school_pupil.public_id)
    assert str(missing.value) == str(hidden.value) == "No pupil matches the given query."
    assert isinstance(hidden.value, Http404)


def test_get_or_404_returns_a_visible_row_and_audits_the_read(cast):
    with audit.context(actor=cast.form_tutor, reason="") as ctx:
        found = policy.get_or_404(cast.form_tutor, "pupils.view", Pupil, cast.pupil_record.public_id)
        assert found == cast.pupil_record
        assert ctx.reads is not None and ctx.reads.target_id == cast.pupil_record.public_id


def test_may_see_but_may_not_change_is_a_403_naming_the_action(cast, audited):
    assert policy.can(cast.class_teacher, "pupils.view", cast.pupil_record)
    with pytest.raises(NotAllowed, match=r"^You may not change this pupil's record\.$") as raised:
        policy.require(cast.class_teacher, "pupils.edit", cast.pupil_record)
    assert isinstance(raised.value, PermissionDenied)


def test_require_lets_an_allowed_actor_through(cast, audited):
    assert policy.require(cast.school_admin, "pupils.edit", cast.pupil_record) is None


def test_a_school_admin_cannot_act_on_another_schools_pupil(cast, audited):
    assert policy.can(cast.other_school_admin, "pupils.view", cast.pupil_record) is False
    assert policy.can(cast.other_school_admin, "pupils.edit", cast.pupil_record) is False
    assert policy.can(cast.other_school_admin, "pupils.edit", cast.other_school_pupil) is True
