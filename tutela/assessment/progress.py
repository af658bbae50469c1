"""Flight paths and being on track: pure functions over points (no I/O), so the semantics are testable alone.

Worked examples are in docs/assessment.md and the docstrings of tests/assessment/test_semantics.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tutela.assessment.models import TWO_PLACES, FlightPathBand


class Track:
    ABOVE = "above"
    ON = "on"
    BELOW = "below"


TRACK_TEXT = {Track.ABOVE: "Above track", Track.ON: "On track", Track.BELOW: "Below track"}


def band_for(bands: list[FlightPathBand], baseline: Decimal) -> FlightPathBand | None:
    """The band whose ``baseline_from`` is the highest not above ``baseline`` (None below the first)."""
    chosen = None
    for band in sorted(bands, key=lambda b: b.baseline_from):
        if band.baseline_from <= baseline:
            chosen = band
    return chosen


def expected_points(start: Decimal, target: Decimal, index: int, count: int) -> Decimal:
    """The expected grade at point ``index`` (0-based) of ``count``: a straight line from start to target.

    One point only: the target. Two decimals, half up.
    """
    if not 0 <= index < count:
        raise ValueError(f"point {index} is outside the path's {count} points")
    if count == 1:
        return Decimal(target).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    value = Decimal(start) + (Decimal(target) - Decimal(start)) * index / (count - 1)
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def track(working_at: Decimal, expected: Decimal, tolerance: Decimal) -> str:
    """Above, on or below track: on track within ``tolerance`` points either way (inclusive)."""
    gap = Decimal(working_at) - Decimal(expected)
    if gap > tolerance:
        return Track.ABOVE
    if gap < -tolerance:
        return Track.BELOW
    return Track.ON


@dataclass(frozen=True)
class Position:
    expected: Decimal
    working_at: Decimal
    status: str

    @property
    def gap(self) -> Decimal:
        return self.working_at - self.expected

    @property
    def text(self) -> str:
        return TRACK_TEXT[self.status]
