"""Report cycles for tests, made through the services (as the school's administrator)."""

from __future__ import annotations

import datetime
import io

from pypdf import PdfReader

from tests.cast import Cast
from tutela import audit
from tutela.reports import services
from tutela.reports.models import PupilReport, ReportCycle
from tutela.vault.scope import vault_scope

AUTUMN = {"covers_from": datetime.date(2026, 9, 2), "covers_to": datetime.date(2026, 12, 18)}


def year7_cycle(cast: Cast, name: str = "Autumn report 2026", *, published: bool = False) -> ReportCycle:
    existing = ReportCycle.objects.filter(year_group=cast.year7, name=name).first()
    if existing:
        return existing
    with vault_scope(), audit.context(actor=cast.school_admin, reason="test"):
        cycle = services.cycle_create(actor=cast.school_admin, year_group=cast.year7, name=name, **AUTUMN)
        if published:
            services.cycle_publish(actor=cast.school_admin, cycle=cycle, on=datetime.date(2026, 11, 1))
    return cycle


def amelias_report(cast: Cast, *, published: bool = True, comment: str = "") -> PupilReport:
    cycle = year7_cycle(cast, "Published report" if published else "Draft report", published=published)
    existing = PupilReport.system.filter(cycle=cycle, pupil=cast.pupil_record).first()
    if existing:
        return existing
    with vault_scope(), audit.context(actor=cast.school_admin, reason="test"):
        if comment:
            services.comment_save(
                actor=cast.class_teacher,
                cycle=cycle,
                pupil=cast.pupil_record,
                heading="Mathematics",
                text=comment,
            )
        return services.report_generate(actor=cast.school_admin, cycle=cycle, pupil=cast.pupil_record)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
