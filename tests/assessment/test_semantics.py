"""Grade scales, averages, flight paths and targets against worked examples (docs/assessment.md).

The set-up is tests/assessment/helpers.py: GCSE fine grades (n- = n - 0.33, n+ = n + 0.33, U = 0), a flight
path over years 7-8 (12 points), Amelia's KS2 maths 103 -> band "from 100": start 2, target 5.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.assessment.helpers import build_assessment
from tests.cast import make_pupil
from tutela.assessment import progress, services
from tutela.assessment.models import FlightPathBand, Target, TargetSource, mean_points
from tutela.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def setup(cast, audited):
    return build_assessment(cast)


def test_reference_scales_are_data_with_ordered_points(setup):
    """Installed from data/reference_scales.json; each grade's points order the scale.

    GCSE fine: U 0, 1- 0.67, 1 1, 1+ 1.33, ... 8+ 8.33, 9- 8.67, 9 9 (no 9+): 1 + 9 x 3 - 1 = 27 grades.
    """
    fine = setup.scales["gcse-fine"]
    labels = [g.label for g in fine.grade_list()]
    assert labels[:5] == ["U", "1-", "1", "1+", "2-"]
    assert labels[-3:] == ["8+", "9-", "9"]
    assert len(labels) == 27
    assert [g.points for g in fine.grade_list()][:4] == [D("0"), D("0.67"), D("1"), D("1.33")]
    assert set(setup.scales) == {"gcse", "gcse-fine", "ks2-scaled", "ks2-ta", "mastery", "percentage"}


def test_installing_the_reference_scales_again_adds_nothing(setup, cast):
    assert services.reference_scales_install(school=cast.school) == []


def test_grades_compare_by_points(setup):
    """5+ (5.33) > 5 (5) > 5- (4.67) > 4+ (4.33); U (0) is below 1- (0.67)."""
    fine = setup.scales["gcse-fine"]
    p = {label: fine.parse(label)[0] for label in ("5+", "5", "5-", "4+", "U", "1-")}
    assert p["5+"] > p["5"] > p["5-"] > p["4+"]
    assert p["U"] < p["1-"]


def test_the_mean_of_fine_grades_is_the_mean_of_points_then_the_nearest_grade(setup):
    """5+, 5-, 6 -> (5.33 + 4.67 + 6) / 3 = 5.333... -> 5.33 points -> grade 5+."""
    fine = setup.scales["gcse-fine"]
    mean = mean_points([fine.parse(g)[0] for g in ("5+", "5-", "6")])
    assert mean == D("5.33")
    assert fine.format(mean) == "5+"


def test_a_mean_exactly_between_two_grades_goes_to_the_lower(setup):
    """GCSE 4 and 5 -> 4.5 points: as near 4 as 5, so 4 (never overstate). Mastery S (3), M (4) -> S."""
    gcse, mastery = setup.scales["gcse"], setup.scales["mastery"]
    assert gcse.format(mean_points([D(4), D(5)])) == "4"
    assert mastery.format(mean_points([D(3), D(4)])) == "S"


def test_a_mean_rounds_half_up_to_two_places_before_the_nearest_grade(setup):
    """4- (3.67) and 4 (4) -> 3.835 -> 3.84 points; 3.84 is 0.16 from 4 and 0.17 from 4-, so 4."""
    fine = setup.scales["gcse-fine"]
    mean = mean_points([D("3.67"), D("4")])
    assert mean == D("3.84")
    assert fine.format(mean) == "4"


def test_numbers_average_to_the_scales_decimals(setup):
    """KS2 100, 105, 108 -> 104.33 -> "104". Percentages 72.5, 80 -> 76.25 -> "76.3" (one place, half up)."""
    ks2, pct = setup.scales["ks2-scaled"], setup.scales["percentage"]
    assert ks2.format(mean_points([D(100), D(105), D(108)])) == "104"
    assert pct.format(mean_points([D("72.5"), D(80)])) == "76.3"


def test_no_values_average_to_nothing_not_zero():
    assert mean_points([]) is None


@pytest.mark.parametrize(
    ("scale", "typed", "message"),
    [
        ("gcse-fine", "10", "is not a grade on GCSE 9-1 with fine grades: enter one of U, 1-, 1"),
        ("ks2-scaled", "121", "121 is out of range: enter a number from 80 to 120"),
        ("ks2-scaled", "100.5", "too many decimal places"),
        ("percentage", "abc", "is not a number"),
        ("mastery", "Excellent", "enter one of E, D, S, M"),
    ],
)
def test_a_value_off_the_scale_is_refused_saying_what_is_allowed(setup, scale, typed, message):
    with pytest.raises(ValidationError, match=message):
        setup.scales[scale].parse(typed)


def test_labels_and_names_are_accepted_in_any_case(setup):
    mastery, ks2ta = setup.scales["mastery"], setup.scales["ks2-ta"]
    assert mastery.parse("secure")[0] == mastery.parse("S")[0] == D(3)
    assert ks2ta.parse("gds")[0] == D(3)


def test_the_band_is_the_highest_whose_lower_bound_is_not_above_the_baseline():
    """Bands from 80, 100, 110: 79 -> none; 80 -> 80; 103 -> 100; 110 -> 110; 120 -> 110."""
    bands = [
        FlightPathBand(baseline_from=D(b), start_points=D(1), target_points=D(t))
        for b, t in ((80, 3), (100, 5), (110, 7))
    ]
    assert progress.band_for(bands, D(79)) is None
    assert progress.band_for(bands, D(80)).baseline_from == 80
    assert progress.band_for(bands, D(103)).baseline_from == 100
    assert progress.band_for(bands, D(110)).baseline_from == 110
    assert progress.band_for(bands, D(120)).baseline_from == 110


def test_the_expected_grade_is_a_straight_line_from_start_to_target():
    """Start 2, target 5, 12 points: k=0 -> 2.00; k=5 (Y7 Summer 2) -> 2 + 3 x 5/11 = 3.3636 -> 3.36;
    k=6 -> 3.64 (3.6363 half up); k=11 (Y8 Summer 2) -> 5.00. One point only: the target."""
    assert progress.expected_points(D(2), D(5), 0, 12) == D("2.00")
    assert progress.expected_points(D(2), D(5), 5, 12) == D("3.36")
    assert progress.expected_points(D(2), D(5), 6, 12) == D("3.64")
    assert progress.expected_points(D(2), D(5), 11, 12) == D("5.00")
    assert progress.expected_points(D(2), D(5), 0, 1) == D("5.00")
    with pytest.raises(ValueError, match="outside"):
        progress.expected_points(D(2), D(5), 12, 12)


def test_on_track_is_within_the_tolerance_either_way_inclusive():
    """Expected 3.36, tolerance 0.5: 3 (gap -0.36) on; 3+ (3.33) on; 4 (+0.64) above; 2+ (2.33, -1.03)
    below; exactly 3.86 (+0.50) on; 2.86 (-0.50) on; 2.85 below."""
    t = D("0.5")
    assert progress.track(D(3), D("3.36"), t) == progress.Track.ON
    assert progress.track(D("3.33"), D("3.36"), t) == progress.Track.ON
    assert progress.track(D(4), D("3.36"), t) == progress.Track.ABOVE
    assert progress.track(D("2.33"), D("3.36"), t) == progress.Track.BELOW
    assert progress.track(D("3.86"), D("3.36"), t) == progress.Track.ON
    assert progress.track(D("2.86"), D("3.36"), t) == progress.Track.ON
    assert progress.track(D("2.85"), D("3.36"), t) == progress.Track.BELOW


def test_the_path_runs_over_every_point_of_its_years_in_order(setup):
    points = services.path_points(setup.path)
    assert len(points) == 12
    assert [p.name for p in points[:2]] == ["Autumn 1", "Autumn 2"]
    assert points[6].year_group.national_curriculum_year == 8 and points[6].name == "Autumn 1"


def test_the_target_is_generated_from_the_baseline_by_the_flight_path(setup):
    """KS2 maths 103 -> band from 100 -> start 2, target 5."""
    target = setup.target
    assert (target.points, target.start_points, target.generated_points) == (D(5), D(2), D(5))
    assert target.source == TargetSource.FLIGHT_PATH


def test_an_overridden_target_keeps_its_value_and_reason_and_is_audited(setup, cast):
    """The head of department... here the school admin (a leader) overrides 5 -> 6 with a reason."""
    target = Target.system.get(pk=setup.target.pk)
    services.target_override(actor=cast.school_admin, target=target, value="6", reason="Strong KS3 work")
    target = Target.system.get(pk=target.pk)
    assert (target.points, target.source, target.reason) == (D(6), TargetSource.OVERRIDE, "Strong KS3 work")
    assert target.set_by == cast.school_admin
    event = AuditEvent.objects.filter(action="assessment.target.update").latest("id")
    assert {"points", "source", "reason", "set_by"} <= set(event.fields)
    # The flight path runs again (new baseline): the override stands, the generated value follows.
    services.baseline_set(
        pupil=cast.pupil_record, measure="ks2-maths", scale=setup.scales["ks2-scaled"], value="111"
    )
    again = services.target_generate(pupil=cast.pupil_record, subject=setup.maths)
    assert (again.points, again.generated_points) == (D(6), D(7))
    services.target_reset(actor=cast.school_admin, target=again)
    assert Target.system.get(pk=target.pk).points == D(7)


def test_an_override_needs_a_reason(setup, cast):
    target = Target.system.get(pk=setup.target.pk)
    with pytest.raises(ValidationError, match="Say why"):
        services.target_override(actor=cast.school_admin, target=target, value="6", reason="  ")


def test_a_class_teacher_may_not_override_a_target(setup, cast):
    from tutela.policy import NotAllowed

    target = Target.system.get(pk=setup.target.pk)
    with pytest.raises(NotAllowed):
        services.target_override(actor=cast.class_teacher, target=target, value="6", reason="x")


def test_no_baseline_means_no_target_not_a_guess(setup, cast):
    newcomer = make_pupil(cast.school, cast.year7, cast.form_7a, "Nia", "Baptiste")
    assert services.target_generate(pupil=newcomer, subject=setup.maths) is None
    assert not Target.system.filter(pupil=newcomer).exists()
    services.baseline_set(pupil=newcomer, measure="ks2-maths", scale=setup.scales["ks2-scaled"], value="80")
    assert services.target_generate(pupil=newcomer, subject=setup.maths).points == D(3)


def test_a_subject_without_a_plan_says_how_to_fix_it(setup, cast):
    with pytest.raises(ValidationError, match="has no assessment plan for Year 8"):
        services.target_generate(pupil=cast.sibling_record, subject=setup.maths)


def test_the_target_page_shows_who_set_it_and_why_and_lets_a_leader_override(setup, cast, login):
    from django.urls import reverse

    url = reverse("assessment:target", args=[setup.target.public_id])
    teacher = login(cast.class_teacher)
    page = teacher.get(url).content.decode()
    assert "From the flight path" in page and "KS2 maths to GCSE: from 2 to 5" in page
    assert "Override the target" not in page
    assert teacher.post(url, {"value": "6", "reason": "x"}).status_code == 403
    admin = login(cast.school_admin)
    refused = admin.post(url, {"value": "6", "reason": ""})
    assert refused.status_code == 400 and "Say why the target differs" in refused.content.decode()
    assert admin.post(url, {"value": "6", "reason": "Moved up a set"}).status_code == 302
    page = admin.get(url).content.decode()
    assert "Set by a teacher (overrides the flight path) by School Admin" in page and "Moved up a set" in page
    admin.post(url, {"action": "reset"})
    assert Target.system.get(pk=setup.target.pk).points == D(5)
    assert login(cast.other_teacher).get(url).status_code == 404
