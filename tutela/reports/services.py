"""Writes for report cycles: create, comment, generate PDFs (one pupil, or the next batch), publish.

A batch is generated a few pupils per request, so the progress bar's polling does the work: nothing runs
in the background, a closed browser only pauses the batch, and a failure names the pupil it stopped at.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from tutela import policy
from tutela.core import clock
from tutela.pupils import selectors as pupil_selectors
from tutela.pupils.models import Pupil
from tutela.reports.models import PupilReport, ReportComment, ReportCycle
from tutela.reports.pdf import render_pdf
from tutela.reports.rules import may_run_cycles_for
from tutela.reports.sections import build_sections
from tutela.schools.models import YearGroup

COMMENT_MAX_CHARS = 2000
BATCH_SIZE = 3  # PDFs per request: about a second of work on a small server


def cycle_create(
    *, actor: Any, year_group: YearGroup, name: str, covers_from: datetime.date, covers_to: datetime.date
) -> ReportCycle:
    if not may_run_cycles_for(actor, year_group):
        raise PermissionDenied("Only the school's administrators or the head of this year run its reports.")
    cycle = ReportCycle(
        school=year_group.school,
        year_group=year_group,
        name=name.strip(),
        covers_from=covers_from,
        covers_to=covers_to,
        created_by=actor,
    )
    errors: dict[str, list[str]] = {}
    if covers_to < covers_from:
        errors["covers_to"] = ["The last day is before the first day."]
    if ReportCycle.objects.filter(year_group=year_group, name__iexact=cycle.name).exists():
        errors["name"] = [f"{year_group.name} already has a report cycle called {cycle.name!r}."]
    try:
        cycle.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name_, messages in exc.message_dict.items():
            errors.setdefault(name_, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        cycle.save()
    return cycle


def _check_in_cycle(cycle: ReportCycle, pupil: Pupil) -> None:
    if pupil.school_id != cycle.school_id or pupil.year_group_id != cycle.year_group_id:
        raise ValidationError({"pupil": "This pupil is not in the cycle's year group."})


def comment_save(
    *, actor: Any, cycle: ReportCycle, pupil: Pupil, heading: str, text: str
) -> ReportComment | None:
    """Writes (or, with empty text, removes) the actor's comment under ``heading``."""
    policy.require(actor, "reports.write_comment", pupil)
    _check_in_cycle(cycle, pupil)
    text, heading = text.strip(), heading.strip()
    if not heading:
        raise ValidationError({"heading": "Choose what the comment is about."})
    if len(text) > COMMENT_MAX_CHARS:
        raise ValidationError(
            {"text": f"Keep the comment under {COMMENT_MAX_CHARS} characters ({len(text)} now)."}
        )
    with transaction.atomic():
        existing = ReportComment.system.filter(cycle=cycle, pupil=pupil, heading=heading).first()
        if not text:
            if existing is not None:
                existing.delete()
            return None
        comment = existing or ReportComment(school=cycle.school, cycle=cycle, pupil=pupil, heading=heading)
        comment.text, comment.author = text, actor
        comment.full_clean(exclude=["school", "cycle", "pupil", "author"], validate_unique=False)
        comment.save()
    return comment


def report_generate(*, actor: Any, cycle: ReportCycle, pupil: Pupil) -> PupilReport:
    """Renders the pupil's report as the actor sees the pupil, and stores it encrypted (replacing any)."""
    policy.require(actor, "reports.manage_cycle", cycle)
    _check_in_cycle(cycle, pupil)
    context = {
        "cycle": cycle,
        "pupil": pupil,
        "school": cycle.school,
        "generated_on": clock.today(),
        "sections": build_sections(actor, pupil, cycle),
    }
    pdf = render_pdf("reports/report_pdf.html", context)
    with transaction.atomic():
        report = PupilReport.system.filter(cycle=cycle, pupil=pupil).first()
        old_file = report.pdf.name if report else ""
        report = report or PupilReport(school=cycle.school, cycle=cycle, pupil=pupil)
        report.generated_at, report.generated_by = clock.now(), actor
        report.pdf.save("report.pdf", ContentFile(pdf), save=False)
        report.save()
        if old_file:
            name, storage = old_file, report.pdf.storage
            transaction.on_commit(lambda: storage.delete(name))
    return report


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def remaining(self) -> int:
        return self.total - self.done

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else round(100 * self.done / self.total)


def _cycle_pupils(actor: Any, cycle: ReportCycle) -> list[Pupil]:
    return pupil_selectors.pupil_list(actor=actor, year_group=cycle.year_group)


def cycle_progress(*, actor: Any, cycle: ReportCycle) -> Progress:
    pupils = _cycle_pupils(actor, cycle)
    done = PupilReport.system.filter(cycle=cycle, pupil__in=[p.pk for p in pupils]).count()
    return Progress(done=done, total=len(pupils))


def cycle_generate_next(*, actor: Any, cycle: ReportCycle, limit: int = BATCH_SIZE) -> Progress:
    """Generates the next ``limit`` missing reports (in surname order) and says how far the cycle is."""
    policy.require(actor, "reports.manage_cycle", cycle)
    pupils = _cycle_pupils(actor, cycle)
    have = set(PupilReport.system.filter(cycle=cycle).values_list("pupil_id", flat=True))
    missing = [p for p in pupils if p.pk not in have]
    for pupil in missing[:limit]:
        full = pupil_selectors.pupil_get(actor=actor, public_id=pupil.public_id)
        report_generate(actor=actor, cycle=cycle, pupil=full)
    done = len(pupils) - max(len(missing) - limit, 0)
    return Progress(done=done, total=len(pupils))


def cycle_publish(*, actor: Any, cycle: ReportCycle, on: datetime.date | None = None) -> ReportCycle:
    policy.require(actor, "reports.manage_cycle", cycle)
    cycle.published_on = on or clock.today()
    with transaction.atomic():
        cycle.save(update_fields=["published_on", "updated_at"])
    return cycle
