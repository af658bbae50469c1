"""Fills a real instance with one school, one pupil with a photo, their guardian, a staff account, the
pupil's registers, a behaviour incident with a note, and a markbook in which the staff member has marked
the pupil and commented on them.

Run by tests/test_breach.py in a subprocess with the instance's environment (config.settings.base), through
the services, as an import would. Reads the known plaintexts as JSON on stdin; prints the public ids the
test needs as JSON on its last line.
"""

from __future__ import annotations

import base64
import datetime
import json
import sys
import time
from decimal import Decimal

import django


def main() -> None:
    spec = json.load(sys.stdin)
    django.setup()

    from django.utils import timezone
    from django_otp.oath import hotp

    from tutela import audit
    from tutela.accounts import services as accounts
    from tutela.accounts.models import Role
    from tutela.assessment import services as assessment
    from tutela.behaviour import services as behaviour
    from tutela.behaviour.models import Category
    from tutela.policy import rls
    from tutela.pupils import services as pupils
    from tutela.schools import services as schools
    from tutela.vault.scope import vault_scope

    pupil, guardian, staff = spec["pupil"], spec["guardian"], spec["staff"]
    # rls.system_scope(): on PostgreSQL the rows of a new school are outside any request's scope.
    with audit.context(actor=None, reason="breach test"), vault_scope(), rls.system_scope():
        trust = schools.trust_create(name="Breach Test Trust")
        school = schools.school_create(trust=trust, name="Breach Test Academy", urn="199001")
        year = schools.year_group_create(school=school, national_curriculum_year=7)
        form = schools.form_group_create(school=school, year_group=year, name="7B")
        record = pupils.pupil_create(
            school=school,
            upn=pupil["upn"],
            legal_first_name=pupil["first_name"],
            legal_last_name=pupil["last_name"],
            date_of_birth=datetime.date.fromisoformat(pupil["date_of_birth"]),
            sex="F",
            address=pupil["address"],
            year_group=year,
            form_group=form,
            enrolled_on=datetime.date.fromisoformat(pupil["enrolled_on"]),
            photo=base64.b64decode(pupil["photo_png"]),
        )
        parent = pupils.guardian_create(
            school=school,
            first_name=guardian["first_name"],
            last_name=guardian["last_name"],
            email=guardian["email"],
            phone=guardian["phone"],
            address=pupil["address"],
        )
        pupils.guardian_link(
            pupil=record, guardian=parent, relationship="mother", parental_responsibility=True
        )
        user = accounts.user_create(
            email=staff["email"], display_name=staff["display_name"], password=staff["password"]
        )
        accounts.membership_grant(user=user, role=Role.SCHOOL_ADMIN, school=school)
        behaviour.defaults_seed(school=school)
        (incident,) = behaviour.incident_record(
            actor=user,
            pupils=[record],
            category=Category.objects.get(school=school, name="Bullying"),
            occurred_at=timezone.now(),
            location="playground",
            description=spec["behaviour"]["note"],
        )
        # A school admin must use two-factor sign-in: enrol an authenticator app the way the page does (a
        # code computed from the seed), and make recovery codes. Both are secrets the scan looks for.
        device = accounts.totp_device_start(user=user)
        step = int(time.time()) // device.STEP
        assert accounts.totp_device_confirm(device=device, code=f"{hotp(device.bin_key, step, 6):06d}")
        recovery_codes = accounts.recovery_codes_generate(user=user)
        totp_key = device.key
        register = _attendance(school, form, record, user, spec["attendance"])
        # A markbook with a mark and a teacher's comment about the pupil (encrypted under the pupil's key).
        maths = schools.subject_create(school=school, name="Mathematics", code="MA")
        group = schools.teaching_group_create(
            school=school, subject=maths, year_group=year, name="7B/Ma", teachers=[user]
        )
        pupils.class_add_pupils(teaching_group=group, pupils=[record])
        assessment.reference_scales_install(school=school)
        column = assessment.column_create(
            actor=user, teaching_group=group, title="Fractions test", max_mark=Decimal(50)
        )
        assessment.mark_set(
            actor=user, column=column, pupil=record, value="37", comment=spec["assessment"]["comment"]
        )
    print(
        json.dumps(
            {
                "pupil": str(record.public_id),
                "incident": str(incident.public_id),
                "year_group": str(year.public_id),
                "form_group": str(form.public_id),
                "files": [record.photo.name, record.photo_thumbnail.name],
                "totp_key": totp_key,
                "recovery_codes": recovery_codes,
                "register": str(register.public_id),
                "class": str(group.public_id),
                "column": str(column.public_id),
            }
        )
    )


def _attendance(school, form, record, user, spec):
    """A register taken late, changed after close with a reason, an early leaver, and a visitor."""
    from django.utils import timezone

    from tutela.attendance import services as attendance
    from tutela.schools import services as schools

    am, _ = schools.registration_day_create(school=school)
    date = timezone.localdate()
    register = attendance.register_get_or_create(date=date, period=am, form_group=form)

    def at(hour: int, minute: int) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(date, datetime.time(hour, minute)))

    late = attendance.MarkInput(record.pk, "L", minutes_late=12)
    attendance.register_submit(actor=user, register=register, marks=[late], now=at(8, 50))
    after_close = attendance.MarkInput(record.pk, "L", base_version=1, minutes_late=50)
    attendance.register_submit(
        actor=user, register=register, marks=[after_close], reason=spec["late_reason"], now=at(9, 40)
    )
    from tutela.attendance.models import Mark

    mark = Mark.system.select_related("pupil__data_key").get(register=register, pupil=record)
    attendance.mark_early_leave(
        actor=user,
        mark=mark,
        left_at=datetime.time(11, 20),
        reason=spec["early_leave_reason"],
        now=at(11, 20),
    )
    attendance.visitor_sign_in(
        actor=user, school=school, name=spec["visitor_name"], organisation=spec["visitor_organisation"]
    )
    return register


if __name__ == "__main__":
    main()
