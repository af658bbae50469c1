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
