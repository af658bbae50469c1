"""Forms for recording behaviour. Choices come from the actor's own scope; the services check again."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from tutela.behaviour.models import (
    Category,
    ContactMethod,
    Kind,
    Location,
    OutcomeKind,
    OutcomeState,
    Period,
    Status,
)

LOCAL_DATETIME = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})


def _now_for_input() -> datetime.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class RecordForm(forms.Form):
    """One occurrence for one or more pupils. ``pupils`` and ``witnesses`` are public ids; the view
    resolves them through the actor's scope."""

    category = forms.TypedChoiceField(label="What happened", choices=())
    pupils = forms.MultipleChoiceField(label="Pupils", choices=(), widget=forms.CheckboxSelectMultiple)
    occurred_at = forms.DateTimeField(label="When", widget=LOCAL_DATETIME)
    location = forms.ChoiceField(label="Where", choices=[("", "—"), *Location.choices], required=False)
    description = forms.CharField(
        label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    witnesses = forms.MultipleChoiceField(
        label="Witnesses", choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    staff_involved = forms.MultipleChoiceField(label="Other staff involved", choices=(), required=False)
    shareable = forms.BooleanField(
        label="Share a summary with the pupil and parents",
        required=False,
        help_text="Achievements are always shown to parents. The notes are never shared.",
    )

    def __init__(
        self,
        data: Any = None,
        *,
        categories: list[Category],
        pupil_choices: list[tuple[str, str]],
        staff_choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {"occurred_at": _now_for_input()})
        super().__init__(data, **kwargs)
        self.categories = {str(c.public_id): c for c in categories}
        groups: dict[str, list[tuple[str, str]]] = {"Achievements": [], "Incidents": []}
        for c in categories:
            label = f"{c.name} ({c.points:+d})"
            groups["Achievements" if c.kind == Kind.ACHIEVEMENT else "Incidents"].append(
                (str(c.public_id), label)
            )
        self.fields["category"].choices = [("", "Choose…"), *[(k, v) for k, v in groups.items() if v]]
        self.fields["pupils"].choices = pupil_choices
        self.fields["witnesses"].choices = pupil_choices
        self.fields["staff_involved"].choices = staff_choices

    def clean_category(self) -> Category:
        found = self.categories.get(self.cleaned_data["category"])
        if found is None:
            raise forms.ValidationError("Choose a category from the list.")
        return found


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(label="Follow-up", choices=OutcomeKind.choices)
    happens_at = forms.DateTimeField(label="When", required=False, widget=LOCAL_DATETIME)
    staff = forms.ChoiceField(
        label="Supervised or contacted by",
        required=False,
        help_text="A detention's supervisor sees it on their detentions list. A contact defaults to you.",
    )
    method = forms.ChoiceField(
        label="How (parental contact)", choices=[("", "—"), *ContactMethod.choices], required=False
    )
    days = forms.IntegerField(label="Days (suspension)", required=False, min_value=1, max_value=45)
    notes = forms.CharField(
        label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, data: Any = None, *, staff_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["staff"].choices = [("", "—"), *staff_choices]

    def staff_user(self, public_id: str) -> Any:
        from tutela.accounts.models import User

        return User.objects.filter(public_id=public_id).first() if public_id else None


class OutcomeStateForm(forms.Form):
    state = forms.ChoiceField(choices=OutcomeState.choices)


class DayForm(forms.Form):
    date = forms.DateField(required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))


class CategoryForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices)
    name = forms.CharField(max_length=80)
    points = forms.IntegerField(
        min_value=-20, max_value=20, help_text="Above zero for achievements, below for incidents."
    )


class CategoryChangeForm(forms.Form):
    points = forms.IntegerField(min_value=-20, max_value=20)
    active = forms.BooleanField(required=False, label="In use")


class ThresholdForm(forms.Form):
    name = forms.CharField(max_length=80)
    kind = forms.ChoiceField(choices=Kind.choices, label="Points of")
    points = forms.IntegerField(min_value=1, max_value=500, label="Alert at")
    period = forms.ChoiceField(choices=Period.choices, label="In a")
    notify_tutors = forms.BooleanField(required=False, initial=True, label="Alert the tutors")
    notify_head_of_year = forms.BooleanField(required=False, initial=True, label="Alert the head of year")


class ThresholdChangeForm(forms.Form):
    points = forms.IntegerField(min_value=1, max_value=500)
    active = forms.BooleanField(required=False, label="In use")
