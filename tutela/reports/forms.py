from __future__ import annotations

from typing import Any

from django import forms

from tutela.reports.services import COMMENT_MAX_CHARS
from tutela.schools.models import YearGroup


class CycleForm(forms.Form):
    year_group = forms.ModelChoiceField(queryset=YearGroup.objects.none(), to_field_name="public_id")
    name = forms.CharField(max_length=80, help_text='For example "Autumn report 2026".')
    covers_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    covers_to = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, year_groups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year_group"].queryset = year_groups
        self.fields["year_group"].label_from_instance = lambda yg: f"{yg.school.name}: {yg.name}"


class CommentForm(forms.Form):
    heading = forms.ChoiceField()
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=COMMENT_MAX_CHARS,
        required=False,
        help_text="Leave empty to remove your comment under this heading.",
    )

    def __init__(self, *args: Any, headings: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["heading"].choices = [(h, h) for h in headings]


class OverviewRangeForm(forms.Form):
    """The overview's date range (GET): both dates, the first not after the last, at most two years."""

    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    MAX_DAYS = 731

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error(
                    "end", f"“To” ({end:%d/%m/%Y}) is before “From” ({start:%d/%m/%Y}): swap them."
                )
            elif (end - start).days > self.MAX_DAYS:
                self.add_error("end", "Choose a range of at most two years.")
        return data
