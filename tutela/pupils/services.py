"""Writes to pupils and guardians. Each is atomic and audited (tutela.audit records every save)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from tutela import audit, policy
from tutela.core.images import normalise_photo
from tutela.pupils.models import ClassMembership, Guardian, GuardianLink, Pupil, PupilGroups, PupilSend
from tutela.pupils.validators import validate_upn
from tutela.schools.models import FormGroup, School, TeachingGroup, YearGroup
from tutela.vault import keys
from tutela.vault.fields import blind_index

# Django's uniqueness checks query the default (scoped) manager and would raise UnscopedQuery; the
# services check uniqueness through the system manager instead, and the database constraints back them.
NO_UNSCOPED_CHECKS = {"validate_unique": False, "validate_constraints": False}

EDITABLE_FIELDS = (
    "upn",
    "legal_first_name",
    "legal_last_name",
    "preferred_first_name",
    "preferred_last_name",
    "date_of_birth",
    "sex",
    "address",
    "year_group",
    "form_group",
    "enrolled_on",
    "left_on",
)


def _check_upn_free(pupil: Pupil) -> None:
    try:
        validate_upn(pupil.upn)
    except ValidationError as exc:
        raise ValidationError({"upn": exc.messages}) from None
    pupil.upn = pupil.upn.strip().upper()
    digest = blind_index(pupil.school.keyring, "pupil.upn", pupil.upn)
    clash = Pupil.system.filter(school=pupil.school, upn_index=digest).exclude(pk=pupil.pk)
    if clash.exists():
        raise ValidationError({"upn": "Another pupil at this school has this UPN."})


def _check_school_structure(pupil: Pupil) -> None:
    errors = {}
    if pupil.year_group.school_id != pupil.school_id:
        errors["year_group"] = "This year group belongs to another school."
    if pupil.form_group and pupil.form_group.school_id != pupil.school_id:
        errors["form_group"] = "This form belongs to another school."
    elif pupil.form_group and pupil.form_group.year_group_id != pupil.year_group_id:
        errors["form_group"] = "This form is in a different year group."
    if pupil.left_on and pupil.enrolled_on and pupil.left_on < pupil.enrolled_on:
        errors["left_on"] = "The leaving date is before the enrolment date."
    if errors:
        raise ValidationError(errors)


def _validate(pupil: Pupil) -> None:
    errors: dict[str, Any] = {}
    try:
        pupil.full_clean(exclude=["data_key", "upn_index", "photo", "photo_thumbnail"], **NO_UNSCOPED_CHECKS)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for check in (_check_upn_free, _check_school_structure):
        if "upn" in errors and check is _check_upn_free:
            continue
        try:
            check(pupil)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def pupil_create(
    *,
    school: School,
    upn: str,
    legal_first_name: str,
    legal_last_name: str,
    date_of_birth: datetime.date,
    sex: str,
    year_group: YearGroup,
    enrolled_on: datetime.date,
    form_group: FormGroup | None = None,
    preferred_first_name: str = "",
    preferred_last_name: str = "",
    address: str = "",
    photo: bytes | None = None,
) -> Pupil:
    pupil = Pupil(
        school=school,
        data_key=keys.data_key_create(keyring=school.keyring),
        upn=upn,
        legal_first_name=legal_first_name,
        legal_last_name=legal_last_name,
        preferred_first_name=preferred_first_name,
        preferred_last_name=preferred_last_name,
        date_of_birth=date_of_birth,
        sex=sex,
        address=address,
        year_group=year_group,
        form_group=form_group,
        enrolled_on=enrolled_on,
    )
    _validate(pupil)
    if photo is not None:
        _attach_photo(pupil, photo)
    pupil.save()
    return pupil


@transaction.atomic
def pupil_update(*, actor: Any, pupil: Pupil, changes: dict[str, Any]) -> Pupil:
    """Applies ``changes`` (field name → new value) or raises ValidationError naming each bad field."""
    policy.require(actor, "pupils.edit", pupil)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
    for name, value in changes.items():
        # Assign only real changes: an encrypted field that is assigned counts as changed (it is never
        # compared sealed), and the audit event must name only the fields that changed.
        if getattr(pupil, name) != value:
            setattr(pupil, name, value)
    pupil.on_roll = pupil.left_on is None or pupil.left_on > datetime.date.today()
    _validate(pupil)
    pupil.save()
    return pupil


def _attach_photo(pupil: Pupil, data: bytes) -> None:
    try:
        photo = normalise_photo(data)
    except ValidationError as exc:
        raise ValidationError({"photo": exc.messages}) from None
    for field, content in (("photo", photo.full), ("photo_thumbnail", photo.thumbnail)):
        current = getattr(pupil, field)
        if current:
            current.delete(save=False)
        getattr(pupil, field).save("photo.jpg", ContentFile(content), save=False)


@transaction.atomic
def pupil_set_photo(*, actor: Any, pupil: Pupil, data: bytes) -> Pupil:
    policy.require(actor, "pupils.edit", pupil)
    _attach_photo(pupil, data)
    pupil.save()
    return pupil


@transaction.atomic
def guardian_create(
    *,
    school: School,
    first_name: str,
    last_name: str,
    title: str = "",
    email: str = "",
    phone: str = "",
    address: str = "",
    user: Any = None,
) -> Guardian:
    guardian = Guardian(
        school=school,
        data_key=keys.data_key_create(keyring=school.keyring),
        title=title,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        address=address,
        user=user,
    )
    guardian.full_clean(exclude=["data_key"], **NO_UNSCOPED_CHECKS)
    guardian.save()
    return guardian


@transaction.atomic
def guardian_link(
    *,
    pupil: Pupil,
    guardian: Guardian,
    relationship: str,
    parental_responsibility: bool,
    contact_priority: int = 1,
    portal_access: bool = False,
) -> GuardianLink:
    if guardian.school_id != pupil.school_id:
        raise ValidationError({"guardian": "The guardian belongs to another school's records."})
    link = GuardianLink(
        pupil=pupil,
        guardian=guardian,
        relationship=relationship,
        parental_responsibility=parental_responsibility,
        contact_priority=contact_priority,
        portal_access=portal_access,
    )
    if GuardianLink.system.filter(pupil=pupil, guardian=guardian).exists():
        raise ValidationError({"guardian": "This guardian is already linked to the pupil."})
    link.full_clean(**NO_UNSCOPED_CHECKS)
    link.save()
    return link


@transaction.atomic
def class_add_pupils(*, teaching_group: TeachingGroup, pupils: list[Pupil]) -> None:
    wrong = [p.public_id for p in pupils if p.school_id != teaching_group.school_id]
    if wrong:
        raise ValidationError({"pupils": f"{len(wrong)} pupil(s) belong to another school."})
    ClassMembership.objects.bulk_create(
        [ClassMembership(teaching_group=teaching_group, pupil=p) for p in pupils], ignore_conflicts=True
    )
    audit.record(
        kind="update",
        action="pupils.classmembership.add",
        target=teaching_group,
        subjects=[p.public_id for p in pupils],
        fields=["pupils"],
    )


@transaction.atomic
def pupil_groups_set(*, pupil: Pupil, disadvantaged: bool, eal: bool) -> PupilGroups:
    """Records the pupil premium and EAL flags (from the census or the MIS import)."""
    groups = PupilGroups.system.filter(pupil=pupil).first() or PupilGroups(pupil=pupil, school=pupil.school)
    if groups.pk is None or groups.disadvantaged != disadvantaged:
        groups.disadvantaged = disadvantaged
    if groups.pk is None or groups.eal != eal:
        groups.eal = eal
    groups.full_clean(**NO_UNSCOPED_CHECKS)
    groups.save()
    return groups


@transaction.atomic
def pupil_send_set(*, pupil: Pupil, status: str) -> PupilSend:
    """Records the pupil's SEND status (census code N, K or E)."""
    send = PupilSend.system.filter(pupil=pupil).first() or PupilSend(pupil=pupil, school=pupil.school)
    if send.pk is None or send.status != status:
        send.status = status
    send.full_clean(**NO_UNSCOPED_CHECKS)
    send.save()
    return send
