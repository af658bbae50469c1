"""Report cycles, comments and PDFs (tutela/reports/rules.py).

Cycles are run by the school's and trust's administrators and the head of the year; every member of staff
at the school sees the cycle and the pupils of it they may see; comments are written by staff who see the
pupil; a report is downloaded by staff who see the pupil, and by the family once published.
"""

from __future__ import annotations

from django.urls import reverse

from tests.matrix import DENY, HIDE, LOGIN, OK, SEE, Call, Expect, row
from tests.reports.helpers import amelias_report, year7_cycle

INVALID = Expect(400)  # may run cycles: the empty form comes back with its errors
TO_CYCLE = Expect(302, redirect_to="report cycle")

# fmt: off
EXPECTATIONS = {
    "reports:index": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=LOGIN,
    ),
    "reports:cycle_create": row(
        trust_admin=INVALID, school_admin=INVALID, head_of_year=INVALID, form_tutor=DENY, class_teacher=DENY,
        other_teacher=DENY, senco=DENY, dsl=DENY, dpo=DENY, it_admin=DENY,
        parent=DENY, other_parent=DENY, pupil=DENY, other_school_admin=INVALID, no_role=DENY, anonymous=LOGIN,
    ),
    # The cycle lists the year's pupils whom the viewer may see: none for a teacher who teaches none.
    "reports:cycle": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=SEE,
        other_teacher=OK, senco=SEE, dsl=SEE, dpo=SEE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "reports:generate": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=DENY, class_teacher=DENY,
        other_teacher=DENY, senco=DENY, dsl=DENY, dpo=DENY, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "reports:publish": row(
        trust_admin=TO_CYCLE, school_admin=TO_CYCLE, head_of_year=TO_CYCLE, form_tutor=DENY,
        class_teacher=DENY, other_teacher=DENY, senco=DENY, dsl=DENY, dpo=DENY, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "reports:comment": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=SEE,
        other_teacher=HIDE, senco=SEE, dsl=SEE, dpo=SEE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    # A published report: the PDF's text is compressed, so the body does not name the pupil in the clear.
    "reports:download": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=HIDE, senco=OK, dsl=OK, dpo=OK, it_admin=HIDE,
        parent=OK, other_parent=HIDE, pupil=OK, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    # The whole picture: staff at the school who may see the pupil (the DPO sees pupils for their work);
    # families have their own pages, so a parent or the pupil gets the same 404 as an outsider.
    "reports:pupil_overview": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=SEE,
        other_teacher=HIDE, senco=SEE, dsl=SEE, dpo=SEE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
}
# fmt: on

CALLS = {
    "reports:cycle_create": Call(method="post"),
    "reports:cycle": Call(target="report_cycle"),
    "reports:generate": Call(method="post", target="report_cycle", body="htmx"),
    "reports:publish": Call(method="post", target="report_cycle"),
    "reports:comment": Call(target="report_comment"),
    "reports:download": Call(target="report"),
    "reports:pupil_overview": Call(target="overview_pupil"),
}

TARGETS = {
    "report_cycle": lambda cast: {"public_id": year7_cycle(cast).public_id},
    "report_comment": lambda cast: {
        "public_id": year7_cycle(cast).public_id,
        "pupil_id": cast.pupil_record.public_id,
    },
    "report": lambda cast: {"public_id": amelias_report(cast).public_id},
    "overview_pupil": lambda cast: {"public_id": cast.pupil_record.public_id},
}

BODIES = {"htmx": lambda cast: ({}, {"HTTP_HX_REQUEST": "true"})}

REDIRECTS = {"report cycle": lambda cast: reverse("reports:cycle", args=[year7_cycle(cast).public_id])}
