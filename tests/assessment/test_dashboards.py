"""Dashboards: distributions against targets, progress by group only where the role may see the group, and
drill-down from a figure to the pupils behind it.

Worked example (Year 7, Autumn 1 = point 0 of the 12-point path, so expected = the band's start):
- Amelia: KS2 103 -> start 2, target 5; working at 3 -> gap +1.00 -> above track. Disadvantaged.
- Zara: KS2 80 -> start 1, target 3; working at U (0) -> gap -1.00 -> below track. EAL, SEN support.
Maths: 2 pupils, 1 on or above (50%), 1 below; mean of 3 and 0 = 1.50 -> nearest grade 1+ (1.33) or 2-
(1.67)? Both 0.17 away: the lower, 1+.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import QueryDict
from django.urls import reverse

from tests.assessment.helpers import build_assessment, record_result
from tests.cast import make_pupil
from tutela import policy
from tutela.assessment import dashboards, services
from tutela.assessment.models import ResultKind
from tutela.pupils import services as pupil_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def year7(cast, audited):
    setup = build_assessment(cast)
    zara = make_pupil(cast.school, cast.year7, cast.form_7a, "Zara", "Adams")
    pupil_services.class_add_pupils(teaching_group=cast.maths_7a, pupils=[zara])
    services.baseline_set(pupil=zara, measure="ks2-maths", scale=setup.scales["ks2-scaled"], value="80")
    services.target_generate(pupil=zara, subject=setup.maths)
    record_result(cast, setup, "3")
    services.result_set(
        actor=cast.class_teacher,
        pupil=zara,
        subject=setup.maths,
        point=setup.points7[0],
        kind=ResultKind.WORKING_AT,
        value="U",
    )
    pupil_services.pupil_groups_set(pupil=cast.pupil_record, disadvantaged=True, eal=False)
    pupil_services.pupil_groups_set(pupil=zara, disadvantaged=False, eal=True)
    pupil_services.pupil_send_set(pupil=cast.pupil_record, status="N")
    pupil_services.pupil_send_set(pupil=zara, status="K")
    params = QueryDict(mutable=True)
    params.update({"year": str(cast.year7.public_id), "point": str(setup.points7[0].public_id)})
    return setup, zara, params


def _groups(view):
    return {g.label: (g.pupils, g.on_or_above, g.below, g.mean_gap) for g in view.groups}


def test_the_distribution_counts_working_at_and_targets_per_grade(cast, year7):
    _, _, params = year7
    view = dashboards.dashboard(actor=cast.school_admin, params=params)
    (maths,) = view.subjects
    assert {r.label: (r.working_at, r.target) for r in maths.rows} == {
        "5": (0, 1),
        "3": (1, 1),
        "U": (1, 0),
    }
    assert (maths.pupils, maths.on_or_above, maths.below, maths.on_or_above_percent) == (2, 1, 1, "50%")
    assert maths.average == "1+ (1.50 points)"


def test_a_school_admin_sees_pupil_premium_eal_and_sex_but_not_send(cast, year7):
    _, _, params = year7
    view = dashboards.dashboard(actor=cast.school_admin, params=params)
    groups = _groups(view)
    assert groups["Disadvantaged (pupil premium)"] == (1, 1, 0, "+1.00")
    assert groups["Not disadvantaged"] == (1, 0, 1, "-1.00")
    assert groups["EAL"] == (1, 0, 1, "-1.00")
    assert groups["Female"] == (2, 1, 1, "0.00")
    assert "SEND (support or EHC plan)" not in groups
    assert view.hidden_groups == ["SEND (support or EHC plan)"]


def test_the_senco_sees_the_send_group(cast, year7):
    _, _, params = year7
    groups = _groups(dashboards.dashboard(actor=cast.senco, params=params))
    assert groups["SEND (support or EHC plan)"] == (1, 0, 1, "-1.00")
    assert groups["No SEND"] == (1, 1, 0, "+1.00")


def test_a_teacher_of_another_class_sees_no_figures(cast, year7):
    _, _, params = year7
    view = dashboards.dashboard(actor=cast.other_teacher, params=params)
    assert view.subjects == [] and view.groups == []


def test_drill_down_lists_the_pupils_behind_below_track(cast, year7):
    _, _, params = year7
    params["status"] = "below"
    drill = dashboards.drill(actor=cast.class_teacher, params=params)
    assert [(r.name, r.working_at, r.expected, r.target, r.status_text) for r in drill.rows] == [
        ("Adams, Zara", "U", "1.00", "3", "Below track")
    ]


def test_drill_down_by_a_group_the_role_may_not_see_is_404(cast, year7):
    _, _, params = year7
    params.update({"group": "send", "member": "yes"})
    with pytest.raises(policy.NotVisible):
        dashboards.drill(actor=cast.class_teacher, params=params)
    drill = dashboards.drill(actor=cast.senco, params=params)
    assert [r.name for r in drill.rows] == ["Adams, Zara"]


def test_the_dashboard_page_links_each_figure_to_its_pupils(cast, year7, login):
    _, _, params = year7
    page = login(cast.school_admin).get(reverse("assessment:dashboard"), params).content.decode()
    assert "1 below track" in page and "/assessment/dashboard/pupils/?" in page
    assert "Not shown for your role: SEND (support or EHC plan)." in page
    assert "Amelia" not in page and "Adams, Zara" not in page  # figures name nobody; the drill-down does
    drill = login(cast.school_admin).get(reverse("assessment:drill"), {**params.dict(), "grade": "3"})
    assert "Owusu, Amelia" in drill.content.decode() and "Adams, Zara" not in drill.content.decode()


def test_a_year_group_of_another_school_is_ignored(cast, year7):
    _, _, params = year7
    view = dashboards.dashboard(actor=cast.other_school_admin, params=params)
    assert view.filters.year != cast.year7
    assert view.subjects == []


def test_expected_points_come_from_each_pupils_own_path(cast, year7):
    _, zara, params = year7
    rows = {
        r.pupil_id: r
        for r in dashboards.pupil_progress(
            cast.school_admin, dashboards.filters_from(cast.school_admin, params)
        )
    }
    assert rows[cast.pupil_record.pk].expected == Decimal("2.00")
    assert rows[zara.pk].expected == Decimal("1.00")


def test_each_subject_has_a_chart_beside_its_table_with_drill_down_links(cast, year7, login):
    _, _, params = year7
    page = login(cast.school_admin).get(reverse("assessment:dashboard"), params).content.decode()
    assert (
        'role="img"' in page
        and "Mathematics: pupils working at each grade, and with it as their target" in page
    )
    assert page.count("/assessment/dashboard/pupils/?") > 6  # the chart's marks, its data table and ours
    assert "<caption" in page  # the accessible table is still there beside the chart
