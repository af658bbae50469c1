"""The UPN check (tutela/pupils/validators.py), per the DfE's Unique Pupil Number specification."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tutela.pupils.validators import UPN_LETTERS, upn_check_letter, validate_upn

# Built by hand from the specification: body 801234567890 (LA 801, establishment 2345, year 67, serial 890)
# weights 2..13: 8*2+0*3+1*4+2*5+3*6+4*7+5*8+6*9+7*10+8*11+9*12+0*13 = 436; 436 mod 23 = 22 -> "Z".
VALID = "Z801234567890"
# A temporary UPN ends in a letter, counted by its place in the check alphabet (A=0, B=1, ...): the body
# 80123456789B sums to 436 - 0*13 + 1*13 = 449; 449 mod 23 = 12 -> "N".
VALID_TEMPORARY = "N80123456789B"


def code_of(value: str) -> str:
    with pytest.raises(ValidationError) as raised:
        validate_upn(value)
    return raised.value.code


def test_the_check_letter_matches_the_specifications_worked_example():
    assert upn_check_letter(VALID[1:]) == "Z"
    assert upn_check_letter(VALID_TEMPORARY[1:]) == "N"


@pytest.mark.parametrize("upn", [VALID, VALID.lower(), f"  {VALID} ", VALID_TEMPORARY])
def test_a_valid_upn_passes(upn):
    validate_upn(upn)


def test_every_check_letter_but_the_right_one_is_refused():
    wrong = [letter + VALID[1:] for letter in UPN_LETTERS if letter != "Z"]
    assert {code_of(upn) for upn in wrong} == {"upn_check"}


def test_a_temporary_upn_with_a_wrong_check_letter_is_refused():
    assert code_of("P80123456789B") == "upn_check"


@pytest.mark.parametrize(
    "upn",
    [
        "",
        "Z80123456789",  # 12 characters
        "Z8012345678901",  # 14 characters
        "1801234567890",  # starts with a digit
        "I801234567890",  # I is not in the check alphabet
        "Z80123456789O",  # nor is O, as a temporary UPN's last letter
        "Z8012345678A0",  # a letter before the last place
        "Z80123 567890",
    ],
)
def test_a_upn_of_the_wrong_shape_is_refused_as_such(upn):
    assert code_of(upn) == "upn_format"


def test_the_format_message_says_what_a_upn_looks_like():
    with pytest.raises(ValidationError) as raised:
        validate_upn("Z8012")
    assert raised.value.messages == [
        "A UPN is 13 characters: a check letter, then 11 digits, then a digit "
        "or (for a temporary UPN) a letter."
    ]
