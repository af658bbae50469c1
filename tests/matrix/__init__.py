"""Per-app rows of the policy matrix (tests/test_policy_matrix.py loads every module here).

A module may define EXPECTATIONS (route name -> row built with row), CALLS (route name ->
Call), TARGETS (target name -> function of the cast giving URL kwargs) and BODIES (body name -> function of
the cast giving (data, extra client kwargs)) and REDIRECTS (a label -> function of the cast giving the path
a redirect with that label goes to).
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = (
    "trust_admin",
    "school_admin",
    "head_of_year",
    "form_tutor",
    "class_teacher",
    "other_teacher",
    "senco",
    "dsl",
    "dpo",
    "it_admin",
    "parent",
    "other_parent",
    "pupil",
    "other_school_admin",
    "no_role",
    "anonymous",
)
PUPIL_NAME = b"Amelia"


@dataclass(frozen=True)
class Expect:
    """What one role gets from one route: a status, and where a redirect goes or whether Amelia shows."""

    status: int
    shows_pupil: bool = False
    redirect_to: str = ""  # a route name, or "profile" for the cast pupil's profile

    def __str__(self) -> str:
        if self.redirect_to:
            return f"{self.status} to {self.redirect_to}"
        return f"{self.status}{' naming the pupil' if self.shows_pupil else ''}"


SEE = Expect(200, shows_pupil=True)  # the page or payload names the pupil (Amelia)
OK = Expect(200)  # answered, and names no pupil of the cast's (an empty list, a page without pupil data)
HIDE = Expect(404)  # out of scope: the same answer as "does not exist"
DENY = Expect(403)  # may see, may not change (or: not signed in, for the API)
LOGIN = Expect(302, redirect_to="accounts:login")
HOME = Expect(302, redirect_to="home")
SAVED = Expect(302, redirect_to="profile")
ENROL = Expect(302, redirect_to="enrolment form")  # the link's token is swapped out of the URL


def row(**cells: Expect) -> dict[str, Expect]:
    assert tuple(cells) == ROLES, f"give every role, in ROLES order: got {tuple(cells)}"
    return cells


@dataclass(frozen=True)
class Call:
    """How the matrix requests a route: the method, the cast object its URL names, and a body."""

    method: str = "get"
    target: str = ""  # "pupil" (pupil_record), "class" (maths_7a) or "enrolment" (a link for no_role)
    body: str = ""  # "search", "json_search", "photo", or a name in BODIES
