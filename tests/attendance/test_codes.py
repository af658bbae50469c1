"""The national code set against the DfE guidance (August 2024) and the 2024 regulations."""

from __future__ import annotations

import pytest

from tutela.attendance import codes
from tutela.attendance.codes import Category

EXPECTED = (
    "/", "\\", "L", "U", "B", "C", "C1", "C2", "D", "E", "G", "I", "J1", "K", "M", "N", "O",
    "P", "Q", "R", "S", "T", "V", "W", "X", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Z", "#",
)  # fmt: skip


def test_the_code_set_is_exactly_the_one_in_force_since_august_2024():
    assert sorted(codes.CODES) == sorted(EXPECTED)


@pytest.mark.parametrize("withdrawn", ["H", "F", "J", "Y"])
def test_withdrawn_codes_are_refused(withdrawn):
    with pytest.raises(ValueError, match="not a national attendance code"):
        codes.get(withdrawn)


@pytest.mark.parametrize("code", ["X", "Z", "#", "D", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7"])
def test_these_codes_are_not_possible_sessions(code):
    assert not codes.get(code).possible
    assert not codes.get(code).absent


@pytest.mark.parametrize(
    ("code", "category"),
    [
        ("/", Category.PRESENT),
        ("\\", Category.PRESENT),
        ("L", Category.PRESENT),
        ("K", Category.EDUCATIONAL_ACTIVITY),
        ("V", Category.EDUCATIONAL_ACTIVITY),
        ("P", Category.EDUCATIONAL_ACTIVITY),
        ("W", Category.EDUCATIONAL_ACTIVITY),
        ("B", Category.EDUCATIONAL_ACTIVITY),
        ("J1", Category.AUTHORISED),  # was J, an approved educational activity, before 2024
        ("C", Category.AUTHORISED),
        ("C1", Category.AUTHORISED),
        ("C2", Category.AUTHORISED),
        ("M", Category.AUTHORISED),
        ("S", Category.AUTHORISED),
        ("T", Category.AUTHORISED),  # authorised since 2024
        ("R", Category.AUTHORISED),
        ("I", Category.AUTHORISED),
        ("E", Category.AUTHORISED),
        ("G", Category.UNAUTHORISED),
        ("N", Category.UNAUTHORISED),
        ("O", Category.UNAUTHORISED),
        ("U", Category.UNAUTHORISED),
        ("Q", Category.EXCEPTIONAL),
        ("Y4", Category.EXCEPTIONAL),
        ("X", Category.NOT_REQUIRED),
        ("Z", Category.NOT_REQUIRED),
        ("#", Category.NOT_REQUIRED),
    ],
)
def test_each_code_has_its_category(code, category):
    assert codes.get(code).category is category


def test_attended_codes_are_present_or_an_approved_activity_and_every_other_possible_code_is_absence():
    for code in codes.CODES.values():
        if code.possible:
            assert code.attended != code.absent, code.code
    assert {c.code for c in codes.CODES.values() if c.attended and c.possible} == set(
        ["/", "\\", "L", "K", "V", "P", "W", "B"]
    )


def test_present_codes_and_late_after_close_put_a_pupil_on_site_for_the_roll_call():
    assert {c.code for c in codes.CODES.values() if c.on_site} == {"/", "\\", "L", "U"}
