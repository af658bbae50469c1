from __future__ import annotations

from django import forms

from tutela.pupils.models import Pupil, Sex
from tutela.schools.models import FormGroup, YearGroup

# <input type="date"> only accepts ISO dates; Django would render en-GB's 31/12/2014 and the browser would
# show an empty field (and submit it empty).
ISO_DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class PupilForm(forms.Form):
    """The editable part of a pupil's record. Choices are limited to the pupil's own school."""

    upn = forms.CharField(label="UPN", max_length=13)
    legal_first_name = forms.CharField(max_length=100)
    legal_last_name = forms.CharField(max_length=100)
    preferred_first_name = forms.CharField(max_length=100, required=False)
    preferred_last_name = forms.CharField(max_length=100, required=False)
    date_of_birth = forms.DateField(widget=ISO_DATE)
    sex = forms.ChoiceField(choices=Sex.choices)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    year_group = forms.ModelChoiceField(queryset=YearGroup.objects.none())
    form_group = forms.ModelChoiceField(queryset=FormGroup.objects.none(), required=False)
    enrolled_on = forms.DateField(widget=ISO_DATE)
    left_on = forms.DateField(widget=ISO_DATE, required=False)

    def __init__(self, data: object = None, *, pupil: Pupil, **kwargs: object) -> None:
        if data is None:
            kwargs["initial"] = {name: getattr(pupil, name) for name in self.base_fields}
            kwargs["initial"]["year_group"] = pupil.year_group.public_id
            kwargs["initial"]["form_group"] = pupil.form_group.public_id if pupil.form_group else None
        super().__init__(data, **kwargs)  # type: ignore[arg-type]
        for name, model in (("year_group", YearGroup), ("form_group", FormGroup)):
            field = self.fields[name]
            field.queryset = model.objects.filter(school=pupil.school_id)  # type: ignore[attr-defined]
            field.to_field_name = "public_id"  # type: ignore[attr-defined]


class PhotoForm(forms.Form):
    photo = forms.FileField(help_text="JPEG, PNG or WebP, 8 MB at most. It is re-encoded and encrypted.")


class SearchForm(forms.Form):
    q = forms.CharField(label="Find a pupil", max_length=100, required=False)
