"""Attendance percentages, from the statutory (AM/PM) registers only, in SQL over the clear categories.

DfE definitions ("Working together to improve school attendance", August 2024; the attendance statistics'
methodology):
- possible sessions: sessions whose code counts as a possible attendance (not X, Z, #, D, Q, Y1-Y7);
- attendance: present (/ \\ L) or attending an approved educational activity (K V P W B), over possible;
- absence: authorised + unauthorised sessions over possible (so attendance + absence = 100 %);
- persistently absent: missing 10 % or more of possible sessions; severely absent: 50 % or more.
Lesson registers are not the statutory register and are not counted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek

from tutela.attendance import codes
from tutela.attendance.models import Mark
from tutela.schools.models import School

PERSISTENT = 10  # per cent of possible sessions missed
SEVERE = 50
THRESHOLDS = (100 - PERSISTENT, 100 - SEVERE)  # as attendance percentages: 90 and 50
ATTENDED = (codes.Category.PRESENT.value, codes.Category.EDUCATIONAL_ACTIVITY.value)


@dataclass(frozen=True)
class Rate:
    possible: int
    attended: int

    @property
    def absent(self) -> int:
        return self.possible - self.attended

    @property
    def percentage(self) -> float | None:
        """Attendance as a percentage of possible sessions (None when there were none)."""
        if not self.possible:
            return None
        return 100 * self.attended / self.possible

    @property
    def display(self) -> str:
        pct = self.percentage
        if pct is None:
            return "n/a"
        return f"{Decimal(pct).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} %"

    @property
    def persistent(self) -> bool:
        return bool(self.possible) and self.absent * 100 >= PERSISTENT * self.possible

    @property
    def severe(self) -> bool:
        return bool(self.possible) and self.absent * 100 >= SEVERE * self.possible

    # Below 90 % / 50 % in the usual wording: equal to "missing 10 % / 50 % or more" but exact in integers.
    def below(self, threshold: int) -> bool:
        return bool(self.possible) and self.attended * 100 <= threshold * self.possible


def statutory_marks(*, school: School, start: datetime.date, end: datetime.date) -> QuerySet[Mark]:
    """The school's AM/PM marks in a date range (system manager: callers scope what they show)."""
    return Mark.system.filter(
        school=school,
        register__form_group__isnull=False,
        register__date__gte=start,
        register__date__lte=end,
        possible=True,
    )


def _rates(marks: QuerySet[Mark], key: str) -> dict[int, Rate]:
    rows = marks.values(key).annotate(
        possible=Count("pk"), attended=Count("pk", filter=Q(category__in=ATTENDED))
    )
    return {row[key]: Rate(row["possible"], row["attended"]) for row in rows}


def pupil_rates(*, school: School, start: datetime.date, end: datetime.date) -> dict[int, Rate]:
    return _rates(statutory_marks(school=school, start=start, end=end), "pupil_id")


def form_rates(*, school: School, start: datetime.date, end: datetime.date) -> dict[int, Rate]:
    return _rates(statutory_marks(school=school, start=start, end=end), "register__form_group_id")


def year_rates(*, school: School, start: datetime.date, end: datetime.date) -> dict[int, Rate]:
    return _rates(statutory_marks(school=school, start=start, end=end), "register__form_group__year_group_id")


def school_rate(*, school: School, start: datetime.date, end: datetime.date) -> Rate:
    marks = statutory_marks(school=school, start=start, end=end)
    totals = marks.aggregate(possible=Count("pk"), attended=Count("pk", filter=Q(category__in=ATTENDED)))
    return Rate(totals["possible"], totals["attended"])


def rate_of(*, pupil_id: int, school: School, start: datetime.date, end: datetime.date) -> Rate:
    marks = statutory_marks(school=school, start=start, end=end).filter(pupil_id=pupil_id)
    totals = marks.aggregate(possible=Count("pk"), attended=Count("pk", filter=Q(category__in=ATTENDED)))
    return Rate(totals["possible"], totals["attended"])


def weekly_school_rates(
    *, school: School, start: datetime.date, end: datetime.date
) -> list[tuple[datetime.date, Rate]]:
    """The school's attendance week by week (Monday of each week with marks), oldest first."""
    rows = (
        statutory_marks(school=school, start=start, end=end)
        .annotate(week=TruncWeek("register__date"))
        .values("week")
        .annotate(possible=Count("pk"), attended=Count("pk", filter=Q(category__in=ATTENDED)))
        .order_by("week")
    )
    return [(_as_date(row["week"]), Rate(row["possible"], row["attended"])) for row in rows]


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value
