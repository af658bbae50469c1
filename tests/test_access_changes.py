"""Access follows roles: a leaver loses it at once, lists cannot grant it, and every grant is audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tutela.accounts import services as accounts
from tutela.accounts.models import Membership, Role
from tutela.audit.models import AuditEvent
from tutela.pupils import services as pupils
from tutela.schools import services as schools

pytestmark = pytest.mark.django_db


def _profile(client, cast):
    return client.get(reverse("pupils:profile", args=[cast.pupil_record.public_id]))


@pytest.mark.parametrize("who", ["form_tutor", "class_teacher"])
def test_a_teacher_who_loses_their_role_loses_their_pupils(cast, login, audited, who):
    user = getattr(cast, who)
    client = login(user)
    assert _profile(client, cast).status_code == 200
    for membership in Membership.objects.filter(user=user):
        accounts.membership_revoke(membership=membership)
    assert _profile(client, cast).status_code == 404
    assert client.get(reverse("pupils:class_detail", args=[cast.maths_7a.public_id])).status_code == 404


def test_a_former_tutor_who_is_now_only_a_parent_sees_only_their_child(cast, login, audited):
    accounts.membership_revoke(membership=Membership.objects.get(user=cast.form_tutor))
    accounts.membership_grant(user=cast.form_tutor, role=Role.PARENT, school=cast.school)
    assert _profile(login(cast.form_tutor), cast).status_code == 404


def test_another_schools_admin_cannot_be_put_on_a_class_list(cast, audited):
    with pytest.raises(ValidationError) as error:
        schools.class_teachers_set(teaching_group=cast.maths_7a, teachers=[cast.other_school_admin])
    assert "teachers" in error.value.message_dict
    assert list(cast.maths_7a.teachers.all()) == [cast.class_teacher]


def test_a_parent_cannot_be_made_a_form_tutor(cast, audited):
    with pytest.raises(ValidationError):
        schools.form_tutors_set(form=cast.form_7a, tutors=[cast.parent])


def test_grants_of_access_are_audited(cast, audited):
    before = AuditEvent.objects.count()
    accounts.membership_grant(user=cast.other_teacher, role=Role.FORM_TUTOR, school=cast.school)
    schools.form_tutors_set(form=cast.form_7a, tutors=[cast.form_tutor, cast.other_teacher])
    schools.class_teachers_set(
        teaching_group=cast.maths_7a, teachers=[cast.class_teacher, cast.other_teacher]
    )
    pupils.class_add_pupils(teaching_group=cast.maths_7a, pupils=[cast.sibling_record])
    events = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))
    assert [e.action for e in events] == [
        "accounts.membership.grant",
        "schools.formgroup.tutors_set",
        "schools.teachinggroup.teachers_set",
        "pupils.classmembership.add",
    ]
    assert events[-1].subjects == [str(cast.sibling_record.public_id)]
    assert str(cast.other_teacher.public_id) in events[1].subjects
