"""The national attendance codes in force in England from 19 August 2024.

Sources (cite these when changing anything here):
- The School Attendance (Pupil Registration) (England) Regulations 2024 (SI 2024/208), regulations 10
  and 11 and the Schedule: which entries an attendance register holds, and which of them are "absence",
  "leave of absence", "unable to attend" and "not required to attend".
- DfE, "Working together to improve school attendance" (statutory guidance, August 2024), the chapter
  "School attendance codes" (the code table: code, meaning, category, and whether a session "counts as a
  possible attendance" for the school census and the attendance statistics).

Summary of the 2024 changes the table below reflects: codes H (authorised holiday), F (extended family
holiday) and Y (enforced closure) were withdrawn; J (interview) became J1 and moved from "approved
educational activity" to authorised leave of absence; K (provision arranged by the local authority),
C1, C2, Q, Y1-Y7 and X's new meaning were added; T became authorised ("parent travelling for
occupational purposes").

Checked against secondary sources while writing (no copy of the guidance PDF was at hand): the 2024
code list and the withdrawal of H, F, J and Y (an MIS provider's summary of the guidance), and that D, #,
X, Z and the Y codes are not possible sessions (an MIS help page). Q's "not a possible session" follows the
guidance's grouping of Q with Y1-Y7 ("unable to attend"); confirm it against the guidance's code table
when it is next revised.

Possible sessions: every code counts as a possible session except those for pupils not required to
attend (X, Z, #), dual-registered pupils attending the other school (D) and pupils unable to attend
because of exceptional circumstances (Q, Y1-Y7). Attendance for the statistics is present + attending an
approved educational activity; absence is authorised + unauthorised.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    PRESENT = "present"
    EDUCATIONAL_ACTIVITY = "educational_activity"  # attending a place other than the school
    AUTHORISED = "authorised"  # leave of absence granted, or another authorised reason
    UNAUTHORISED = "unauthorised"
    EXCEPTIONAL = "exceptional"  # unable to attend because of exceptional/unavoidable circumstances
    NOT_REQUIRED = "not_required"  # administrative: not required to attend

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.PRESENT: "Present",
    Category.EDUCATIONAL_ACTIVITY: "Attending an approved educational activity",
    Category.AUTHORISED: "Authorised absence",
    Category.UNAUTHORISED: "Unauthorised absence",
    Category.EXCEPTIONAL: "Unable to attend due to exceptional circumstances",
    Category.NOT_REQUIRED: "Administrative: not required to attend",
}


@dataclass(frozen=True)
class Code:
    code: str
    meaning: str
    category: Category
    possible: bool  # counts as a possible session (DfE guidance, code table)

    @property
    def attended(self) -> bool:
        """Counts as attendance in the statistics: present, or at an approved educational activity."""
        return self.category in (Category.PRESENT, Category.EDUCATIONAL_ACTIVITY)

    @property
    def absent(self) -> bool:
        """Counts as absence (authorised or unauthorised) in the statistics."""
        return self.possible and not self.attended

    @property
    def on_site(self) -> bool:
        """Expected to be on the school site (for the emergency roll-call): present, or arrived after the
        register closed (U is unauthorised for the statistics, but the child is in the building)."""
        return self.category is Category.PRESENT or self.code == "U"


P, A, AU, UN, EX, NR = (
    Category.PRESENT,
    Category.EDUCATIONAL_ACTIVITY,
    Category.AUTHORISED,
    Category.UNAUTHORISED,
    Category.EXCEPTIONAL,
    Category.NOT_REQUIRED,
)

CODES: dict[str, Code] = {
    c.code: c
    for c in (
        # Present
        Code("/", "Present (AM)", P, True),
        Code("\\", "Present (PM)", P, True),
        Code("L", "Late arrival before the register has closed", P, True),
        # Attending a place other than the school (approved educational activity)
        Code("K", "Attending education provision arranged by the local authority", A, True),
        Code("V", "Attending an educational visit or trip", A, True),
        Code("P", "Participating in a sporting activity", A, True),
        Code("W", "Attending work experience", A, True),
        Code("B", "Attending any other approved educational activity", A, True),
        # Dual registration: the other school records the attendance; not a possible session here.
        Code("D", "Attending another school at which the pupil is registered", A, False),
        # Absent: leave of absence (authorised)
        Code("C1", "Leave of absence: regulated performance or regulated employment abroad", AU, True),
        Code("M", "Leave of absence: medical or dental appointment", AU, True),
        Code(
            "J1", "Leave of absence: interview for employment or admission to another institution", AU, True
        ),
        Code("S", "Leave of absence: studying for a public examination", AU, True),
        Code("X", "Non-compulsory school age pupil not required to attend school", NR, False),
        Code("C2", "Leave of absence: compulsory school age pupil on a part-time timetable", AU, True),
        Code("C", "Leave of absence: exceptional circumstances", AU, True),
        # Absent: other authorised reasons
        Code("T", "Parent travelling for occupational purposes", AU, True),
        Code("R", "Religious observance", AU, True),
        Code("I", "Illness (not medical or dental appointment)", AU, True),
        Code("E", "Suspended or permanently excluded, no alternative provision made", AU, True),
        # Absent: unable to attend school because of unavoidable cause (not possible sessions)
        Code("Q", "Unable to attend: lack of access arrangements", EX, False),
        Code("Y1", "Unable to attend: transport normally provided not available", EX, False),
        Code("Y2", "Unable to attend: widespread disruption to travel", EX, False),
        Code("Y3", "Unable to attend: part of the school premises closed", EX, False),
        Code("Y4", "Unable to attend: whole school site unexpectedly closed", EX, False),
        Code("Y5", "Unable to attend: pupil in criminal justice detention", EX, False),
        Code("Y6", "Unable to attend: public health guidance or law", EX, False),
        Code("Y7", "Unable to attend: any other unavoidable cause", EX, False),
        # Absent: unauthorised
        Code("G", "Holiday not granted by the school", UN, True),
        Code("N", "Reason for absence not yet established", UN, True),
        Code("O", "Absent in other or unknown circumstances", UN, True),
        Code("U", "Arrived in school after registration closed", UN, True),
        # Administrative
        Code("Z", "Prospective pupil not on admission register", NR, False),
        Code("#", "Planned whole-school closure", NR, False),
    )
}

PRESENT_AM = "/"
PRESENT_PM = "\\"
LATE_BEFORE_CLOSE = "L"
LATE_AFTER_CLOSE = "U"
NOT_YET_KNOWN = "N"  # the office chases these: the regulations require the reason to be established


def get(code: str) -> Code:
    try:
        return CODES[code]
    except KeyError:
        raise ValueError(
            f"{code!r} is not a national attendance code (see tutela/attendance/codes.py)."
        ) from None


def present_code(session: str) -> str:
    """The present mark for a session: / in the morning, \\ in the afternoon (and for lessons)."""
    return PRESENT_AM if session == "AM" else PRESENT_PM


# The codes a teacher picks from on the phone, most common first; the office has the full set.
QUICK_CODES = ("L", "N", "I", "M", "U", "B", "V", "P")
