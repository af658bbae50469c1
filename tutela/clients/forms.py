from __future__ import annotations

import datetime
from typing import Any

from django import forms

from tutela.clients.models import MAX_LIFETIME_DAYS, Access
from tutela.core import clock


class ClientForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None, empty_label=None, to_field_name="public_id")  # type: ignore[arg-type]
    name = forms.CharField(
        max_length=100,
        help_text="What the device or integration is, e.g. 'MIS nightly sync'. No personal data.",
    )
    role = forms.ChoiceField(
        help_text="The client acts with this role at the school; you can give no more than you hold."
    )
    access = forms.ChoiceField(choices=Access.choices, initial=Access.READ)
    expires_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=f"Required; at most {MAX_LIFETIME_DAYS} days ahead. Issue a new client before then.",
    )

    def __init__(self, *args: Any, schools: Any, roles: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]
        self.fields["role"].choices = roles  # type: ignore[attr-defined]
        self.fields["expires_on"].initial = clock.today() + datetime.timedelta(days=90)

    def expires_at(self) -> datetime.datetime:
        day = self.cleaned_data["expires_on"]
        return datetime.datetime.combine(day, datetime.time(23, 59), tzinfo=datetime.UTC)
