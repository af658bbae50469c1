"""Policy matrix rows for tutela.assessment (rules: tutela/assessment/rules.py).

A markbook is for the class's teachers (class_teacher teaches 7A/Ma), the head of year (Year 7), the SENCO
and leaders (school and trust administrators); changing it is for its teachers and leaders only, so the head
of year and the SENCO get 403 on writes. Everyone else, the other teacher of another class included, gets
404 for the markbook, its columns, its cells (marks and comments) and the figures' pupils. Dashboards answer
everyone signed in, with only the figures their scope allows (counts name nobody; the drill-down names
pupils only for those who may see their grades).
"""

from __future__ import annotations

import re
from typing import Any

from tests.assessment.helpers import ensure_assessment, record_result
from tests.cast import Cast
from tests.matrix import DENY, HIDE, LOGIN, OK, SEE, Call, Expect, row


class _ToMarkbook(Expect):
    """A redirect back to a markbook page (its URL holds the class's id, so it is matched by shape)."""

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Expect)
            and other.status == 302
            and bool(re.fullmatch(r"/assessment/markbooks/[0-9a-f-]{36}/", other.redirect_to))
        )

    __hash__ = Expect.__hash__

    def __str__(self) -> str:
        return "302 to the markbook"


BACK = _ToMarkbook(302, redirect_to="the markbook")


def _column(cast: Cast) -> dict[str, Any]:
    return {"public_id": ensure_assessment(cast).test_column.public_id}


def _cell(cast: Cast) -> dict[str, Any]:
    return {
        "column_id": ensure_assessment(cast).test_column.public_id,
        "pupil_id": cast.pupil_record.public_id,
    }


def _figures(cast: Cast) -> tuple[Any, dict[str, Any]]:
    setup = ensure_assessment(cast)
    record_result(cast, setup, "3")
    return {"year": str(cast.year7.public_id), "point": str(setup.points7[0].public_id)}, {}


def _planned_class(cast: Cast) -> dict[str, Any]:
    ensure_assessment(cast)
    return {"public_id": cast.maths_7a.public_id}


def _target(cast: Cast) -> dict[str, Any]:
    return {"public_id": ensure_assessment(cast).target.public_id}


TARGETS = {
    "assessment_target": _target,
    "assessment_column": _column,
    "assessment_cell": _cell,
    "assessment_class": _planned_class,
}
BODIES = {
    "assessment_mark": lambda cast: ({"value": "30", "comment": "Careful working"}, {}),
    "assessment_column": lambda cast: ({"title": "Quiz", "max_mark": "10", "weight": "1"}, {}),
    "assessment_paste": lambda cast: ({"values": "30\n", "start": "0"}, {}),
    "assessment_figures": _figures,
    "assessment_api_mark": lambda cast: (
        {"value": "30", "comment": "Careful working"},
        {"content_type": "application/json"},
    ),
}

CALLS = {
    "assessment:markbook": Call(target="class"),
    "assessment:column_create": Call(method="post", target="class", body="assessment_column"),
    "assessment:undo": Call(method="post", target="class"),
    "assessment:grades": Call(target="assessment_class"),
    "assessment:objectives": Call(target="assessment_class"),
    "assessment:paste": Call(method="post", target="assessment_column", body="assessment_paste"),
    "assessment:cell": Call(method="post", target="assessment_cell", body="assessment_mark"),
    "assessment:target": Call(target="assessment_target"),
    "assessment:dashboard": Call(body="assessment_figures"),
    "assessment:drill": Call(body="assessment_figures"),
    "assessment-api:markbook": Call(target="class"),
    "assessment-api:mark": Call(method="put", target="assessment_cell", body="assessment_api_mark"),
    "assessment-api:results": Call(body="assessment_figures"),
}

# fmt: off
EXPECTATIONS = {
    "assessment:markbooks": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=LOGIN,
    ),
    "assessment:markbook": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=HIDE, class_teacher=SEE,
        other_teacher=HIDE, senco=SEE, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "assessment:grades": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=HIDE, class_teacher=SEE,
        other_teacher=HIDE, senco=SEE, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "assessment:objectives": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=HIDE, class_teacher=SEE,
        other_teacher=HIDE, senco=SEE, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "assessment:column_create": row(
        trust_admin=BACK, school_admin=BACK, head_of_year=DENY, form_tutor=HIDE, class_teacher=BACK,
        other_teacher=HIDE, senco=DENY, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "assessment:undo": row(
        trust_admin=BACK, school_admin=BACK, head_of_year=DENY, form_tutor=HIDE, class_teacher=BACK,
        other_teacher=HIDE, senco=DENY, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "assessment:paste": row(
        trust_admin=BACK, school_admin=BACK, head_of_year=DENY, form_tutor=HIDE, class_teacher=BACK,
        other_teacher=HIDE, senco=DENY, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    # A cell is a pupil's mark and comment: a teacher of another class gets 404, as for a missing one.
    "assessment:cell": row(
        trust_admin=BACK, school_admin=BACK, head_of_year=DENY, form_tutor=HIDE, class_teacher=BACK,
        other_teacher=HIDE, senco=DENY, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    # A target and why it was set: whoever sees the pupil's grades in the subject.
    "assessment:target": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=HIDE, class_teacher=SEE,
        other_teacher=HIDE, senco=SEE, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "assessment:dashboard": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=LOGIN,
    ),
    "assessment:drill": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=OK, class_teacher=SEE,
        other_teacher=OK, senco=SEE, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=LOGIN,
    ),
    "assessment-api:scales": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=DENY,
    ),
    # The API gives pupils by id, not by name: the markbook answers OK (200) where the page is SEE.
    "assessment-api:markbook": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=HIDE, class_teacher=OK,
        other_teacher=HIDE, senco=OK, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=DENY,
    ),
    "assessment-api:mark": row(
        trust_admin=OK, school_admin=OK, head_of_year=DENY, form_tutor=HIDE, class_teacher=OK,
        other_teacher=HIDE, senco=DENY, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=DENY,
    ),
    "assessment-api:results": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=DENY,
    ),
}
# fmt: on
