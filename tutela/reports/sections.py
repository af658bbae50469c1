"""What goes into a report, section by section. Each builder reads through its domain's selectors, on
behalf of the person generating the report, so a report never shows what that person may not see.

A builder returns None when it has nothing to say (e.g. no comments yet); the PDF leaves the section out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tutela.pupils.models import Pupil
from tutela.reports.models import ReportComment, ReportCycle


@dataclass(frozen=True)
class Section:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


SectionBuilder = Callable[[Any, Pupil, ReportCycle], Section | None]


def comments_section(actor: Any, pupil: Pupil, cycle: ReportCycle) -> Section | None:
    comments = list(
        ReportComment.objects.for_actor(actor, "reports.view_comments").filter(cycle=cycle, pupil=pupil)
    )
    if not comments:
        return None
    return Section("Comments", "reports/sections/comments.html", {"comments": comments})


BUILDERS: list[SectionBuilder] = [comments_section]


def build_sections(actor: Any, pupil: Pupil, cycle: ReportCycle) -> list[Section]:
    return [section for builder in BUILDERS if (section := builder(actor, pupil, cycle)) is not None]
