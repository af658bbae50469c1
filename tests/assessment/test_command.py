from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tutela.assessment.models import GradeScale

pytestmark = pytest.mark.django_db


def test_the_command_installs_the_reference_scales_once(cast):
    out = io.StringIO()
    call_command("install_grade_scales", "--school", "100001", stdout=out)
    assert "100001: gcse, gcse-fine, ks2-scaled, ks2-ta, mastery, percentage" in out.getvalue()
    out = io.StringIO()
    call_command("install_grade_scales", stdout=out)
    assert "100001: nothing new" in out.getvalue() and "100002: gcse" in out.getvalue()
    assert GradeScale.objects.filter(school=cast.school).count() == 6


def test_an_unknown_school_is_named(cast):
    with pytest.raises(CommandError, match="No school has URN '999'"):
        call_command("install_grade_scales", "--school", "999")
