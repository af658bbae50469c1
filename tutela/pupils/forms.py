from __future__ import annotations

from django import forms

from tutela.pupils.models import Pupil, Sex
from tutela.schools.models import FormGroup, YearGroup


class PupilForm(forms.Form):
    """The editable part of a pupil's record. Choices are limited to the pupil's own school."""

    upn = forms.CharField(label="UPN", max_length=13)
    legal_first_name = forms.CharField(max_length=100)
    legal_last_name = forms.CharField(max_length=100)
    preferred_first_name = forms.CharField(max_length=100, required=False)
    preferred_last_name = forms.CharField(max_length=100, required=False)
    date_of_birth = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    sex = forms.ChoiceField(choices=Sex.choices)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    year_group = forms.ModelChoiceField(queryset=YearGroup.objects.none())
    form_group = forms.ModelChoiceField(queryset=FormGroup.objects.none(), required=False)
    enrolled_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    left_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)

    def __init__(self, *args: object, pupil: Pupil, **kwargs: object) -> None:
        if not args and "data" not in kwargs:
            kwargs["initial"] = {name: getattr(pupil, name) for name in self.base_fields}
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["year_group"].queryset = YearGroup.objects.filter(school=pupil.school_id)
        self.fields["form_group"].queryset = FormGroup.objects.filter(school=pupil.school_id)
        self.fields["year_group"].to_field_name = "public_id"
        self.fields["form_group"].to_field_name = "public_id"
        if not args and "data" not in kwargs:
            self.initial["year_group"] = pupil.year_group.public_id
            self.initial["form_group"] = pupil.form_group.public_id if pupil.form_group else None


class PhotoForm(forms.Form):
    photo = forms.FileField(help_text="JPEG, PNG or WebP, 8 MB at most. It is re-encoded and encrypted.")


class SearchForm(forms.Form):
    q = forms.CharField(label="Find a pupil", max_length=100, required=False)
