"""Validation of pupil identifiers, per the DfE's UPN specification."""

from __future__ import annotations

from django.core.exceptions import ValidationError

# The check-letter alphabet leaves out I, O and S (they look like digits).
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
DIGITS = frozenset("0123456789")  # not str.isdigit(): that accepts "²" and other Unicode digits


def upn_check_letter(body: str) -> str:
    """The check letter for the 12 characters after it (weights 2 to 13, modulo 23)."""
    total = 0
    for weight, char in enumerate(body, start=2):
        value = int(char) if char in DIGITS else UPN_LETTERS.index(char)
        total += value * weight
    return UPN_LETTERS[total % 23]


def validate_upn(value: str) -> None:
    upn = (value or "").strip().upper()
    body = upn[1:]
    well_formed = (
        len(upn) == 13
        and upn[0] in UPN_LETTERS
        and set(body[:11]) <= DIGITS
        and (body[11] in DIGITS or body[11] in UPN_LETTERS)
    )
    if not well_formed:
        raise ValidationError(
            "A UPN is 13 characters: a check letter, then 11 digits, then a digit "
            "or (for a temporary UPN) a letter.",
            code="upn_format",
        )
    if upn_check_letter(body) != upn[0]:
        raise ValidationError(
            "This UPN's check letter is wrong: check it was copied correctly.", code="upn_check"
        )
