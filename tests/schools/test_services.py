"""Setting up schools and their structure (tutela/schools/services.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tutela.schools import services
from tutela.schools.models import FormGroup, TeachingGroup

pytestmark = pytest.mark.django_db


def test_each_school_gets_its_own_keyring(cast):
    assert cast.school.keyring_id != cast.other_school.keyring_id
    assert str(cast.school.public_id) in cast.school.keyring.name


def test_a_second_school_with_the_same_urn_is_refused(cast, audited):
    with pytest.raises(ValidationError) as raised:
        services.school_create(trust=cast.trust, name="Copy", urn=cast.school.urn)
    assert list(raised.value.message_dict) == ["urn"]


def test_a_year_group_is_named_after_its_national_curriculum_year(cast):
    assert (cast.year7.name, cast.year8.name) == ("Year 7", "Year 8")


def test_a_year_group_cannot_be_created_twice_in_one_school(cast, audited):
    with pytest.raises(ValidationError):
        services.year_group_create(school=cast.school, national_curriculum_year=7)


def test_the_same_year_may_exist_in_another_school(cast, audited):
    year = services.year_group_create(school=cast.other_school, national_curriculum_year=8)
    assert year.school == cast.other_school


def test_a_form_with_another_schools_year_group_is_refused(cast, audited):
    other_year7 = cast.other_school_pupil.year_group
    with pytest.raises(ValidationError) as raised:
        services.form_group_create(school=cast.school, year_group=other_year7, name="7Z")
    assert list(raised.value.message_dict) == ["year_group"]
    assert not FormGroup.objects.filter(name="7Z").exists()


def test_a_class_with_another_schools_subject_or_year_is_refused(cast, audited):
    other_year7 = cast.other_school_pupil.year_group
    other_subject = cast.other_class.subject
    with pytest.raises(ValidationError) as raised:
        services.teaching_group_create(
            school=cast.school, subject=other_subject, year_group=other_year7, name="7Z/Ma"
        )
    assert sorted(raised.value.message_dict) == ["subject", "year_group"]
    assert not TeachingGroup.objects.filter(name="7Z/Ma").exists()


def test_a_class_gets_its_teachers(cast, audited):
    group = services.teaching_group_create(
        school=cast.school,
        subject=cast.maths_7a.subject,
        year_group=cast.year8,
        name="8A/Ma",
        teachers=[cast.class_teacher, cast.other_teacher],
    )
    assert set(group.teachers.all()) == {cast.class_teacher, cast.other_teacher}


def test_a_form_name_is_unique_within_its_school(cast, audited):
    with pytest.raises(ValidationError):
        services.form_group_create(school=cast.school, year_group=cast.year7, name="7A")
