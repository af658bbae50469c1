"""Forms for the attendance pages. The register is parsed by hand: one field group per pupil."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from tutela.attendance import codes
from tutela.attendance.services import MarkInput


class EarlyLeaveForm(forms.Form):
    left_at = forms.TimeField(label="Left at", widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.CharField(label="Reason", max_length=500)


class VisitorForm(forms.Form):
    name = forms.CharField(max_length=120)
    organisation = forms.CharField(max_length=120, required=False)
    visiting = forms.CharField(label="Visiting", max_length=120, required=False)
    badge = forms.CharField(label="Badge number", max_length=20, required=False)


class SubCodeForm(forms.Form):
    code = forms.RegexField(regex=r"^[A-Za-z0-9]{1,6}$", max_length=6, help_text="up to 6 letters or digits")
    label = forms.CharField(max_length=100)
    statutory_code = forms.ChoiceField(
        label="National code", choices=[(c.code, f"{c.code}: {c.meaning}") for c in codes.CODES.values()]
    )


def parse_register_post(data: QueryDict, rows: list[Any]) -> tuple[list[MarkInput], str]:
    """Marks from a posted register, per pupil key:

    ``m-`` the tapped code (present when untouched); ``o-`` another code from the full list (wins over the
    tap); ``s-`` a school sub-code (its national code is recorded); ``late-`` minutes late; ``v-`` the
    mark version the page showed. Pupils the actor cannot see are not in ``rows`` and are not posted.
    """
    marks = []
    for row in rows:
        key = row.pupil.public_id.hex
        tapped, other = data.get(f"m-{key}", "").strip(), data.get(f"o-{key}", "").strip()
        # The list shows a stored uncommon code (say I) pre-selected; a tap on a button then overrides it.
        code = other if other and (other != row.code or not tapped) else tapped or "/"
        if code not in codes.CODES:
            code = "/"
        try:
            version = int(data.get(f"v-{key}", "0"))
        except ValueError:
            version = 0
        minutes_raw = data.get(f"late-{key}", "").strip()
        minutes = int(minutes_raw) if minutes_raw.isdigit() else None
        sub_code = data.get(f"s-{key}", "").strip()
        marks.append(
            MarkInput(
                pupil_id=row.pupil.pk,
                code=code,
                base_version=version,
                minutes_late=minutes,
                sub_code=sub_code,
            )
        )
    return marks, data.get("reason", "")
