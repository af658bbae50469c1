"""Creating accounts and granting roles (tutela/accounts/services.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.cast import PASSWORD
from tutela.accounts import services
from tutela.accounts.backends import user_by_email
from tutela.accounts.models import Membership, Role, User
from tutela.accounts.selectors import roles_of
from tutela.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def error_fields(raised: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return sorted(raised.value.message_dict)


# --- user_create ------------------------------------------------------------------------------------------


def test_user_create_stores_the_email_encrypted_and_finds_it_by_blind_index(audited):
    user = services.user_create(email="new.teacher@tests.example", display_name="New Teacher")
    with connection.cursor() as cursor:
        cursor.execute("SELECT email FROM accounts_user WHERE id = %s", [user.pk])
        (stored,) = cursor.fetchone()
    assert b"new.teacher" not in bytes(stored)
    assert user_by_email("new.teacher@tests.example").pk == user.pk


@pytest.mark.parametrize(
    "again", ["dsl@tests.example", "DSL@TESTS.EXAMPLE", "Dsl@Tests.Example", "  dsl@tests.example  "]
)
def test_user_create_refuses_an_email_already_in_use_whatever_its_case(cast, audited, again):
    with pytest.raises(ValidationError) as raised:
        services.user_create(email=again, display_name="Someone Else")
    assert raised.value.message_dict == {"email": ["An account with this email address exists already."]}
    assert User.objects.count() == len(cast.users)


def test_user_create_refuses_something_that_is_not_an_email_address(audited):
    with pytest.raises(ValidationError) as raised:
        services.user_create(email="not an address", display_name="Someone")
    assert error_fields(raised) == ["email"]
    assert User.objects.count() == 0


def test_user_create_refuses_an_empty_display_name(audited):
    with pytest.raises(ValidationError) as raised:
        services.user_create(email="someone@tests.example", display_name="")
    assert error_fields(raised) == ["display_name"]


def test_user_create_without_a_password_makes_an_account_that_cannot_sign_in(client, audited):
    user = services.user_create(email="no.password@tests.example", display_name="No Password")
    assert user.has_usable_password() is False
    assert user.check_password("") is False
    assert client.login(username="no.password@tests.example", password="") is False


def test_user_create_with_a_password_stores_only_its_hash(audited):
    user = services.user_create(email="with.password@tests.example", display_name="P", password=PASSWORD)
    assert user.check_password(PASSWORD)
    assert PASSWORD not in User.objects.values_list("password", flat=True).get(pk=user.pk)


def test_user_create_is_audited_as_a_create_naming_fields_not_values(audited):
    user = services.user_create(email="audited@tests.example", display_name="Audited Person")
    event = AuditEvent.objects.get(action="accounts.user.create")
    assert event.target_id == user.public_id
    assert "email" in event.fields and "display_name" in event.fields
    assert b"audited@" not in event.canonical() and b"Audited Person" not in event.canonical()


# --- membership_grant -------------------------------------------------------------------------------------


@pytest.fixture
def newcomer(db, audited) -> User:
    return services.user_create(email="newcomer@tests.example", display_name="Newcomer")


def test_a_head_of_year_needs_a_year_group(cast, newcomer):
    with pytest.raises(ValidationError) as raised:
        services.membership_grant(user=newcomer, role=Role.HEAD_OF_YEAR, school=cast.school)
    assert raised.value.message_dict == {"year_group": ["A head of year needs a year group."]}
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_head_of_year_cannot_be_given_another_schools_year_group(cast, newcomer):
    other_year7 = cast.other_school_pupil.year_group
    with pytest.raises(ValidationError) as raised:
        services.membership_grant(
            user=newcomer, role=Role.HEAD_OF_YEAR, school=cast.school, year_group=other_year7
        )
    assert error_fields(raised) == ["year_group"]
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_head_of_year_of_their_own_schools_year_is_granted(cast, newcomer):
    services.membership_grant(
        user=newcomer, role=Role.HEAD_OF_YEAR, school=cast.school, year_group=cast.year8
    )
    assert roles_of(newcomer).year_groups() == {cast.year8.pk}


def test_only_a_head_of_year_has_a_year_group(cast, newcomer):
    with pytest.raises(ValidationError) as raised:
        services.membership_grant(
            user=newcomer, role=Role.CLASS_TEACHER, school=cast.school, year_group=cast.year7
        )
    assert error_fields(raised) == ["year_group"]


def test_an_unknown_role_is_refused(cast, newcomer):
    with pytest.raises(ValidationError) as raised:
        services.membership_grant(user=newcomer, role="headteacher", school=cast.school)
    assert raised.value.message_dict == {"role": ["Unknown role 'headteacher'."]}


def test_a_school_role_needs_a_school(cast, newcomer):
    with pytest.raises(ValidationError) as raised:
        services.membership_grant(user=newcomer, role=Role.SCHOOL_ADMIN)
    assert error_fields(raised) == ["school"]


def test_a_school_role_cannot_be_granted_across_a_trust(cast, newcomer):
    with pytest.raises(ValidationError) as raised:
        services.membership_grant(user=newcomer, role=Role.SCHOOL_ADMIN, trust=cast.trust)
    assert error_fields(raised) == ["school", "trust"]


def test_a_trust_admin_needs_a_trust_and_no_school(cast, newcomer):
    with pytest.raises(ValidationError) as raised:
        services.membership_grant(user=newcomer, role=Role.TRUST_ADMIN, school=cast.school)
    assert error_fields(raised) == ["school", "trust"]


def test_granting_a_role_takes_effect_for_an_already_loaded_user(cast, newcomer):
    assert roles_of(newcomer).has(Role.DSL) is False  # caches the (empty) roles on the object
    services.membership_grant(user=newcomer, role=Role.DSL, school=cast.school)
    assert roles_of(newcomer).has(Role.DSL) is True
    assert roles_of(newcomer).schools_with(Role.DSL) == {cast.school.pk}
