"""Policy matrix rows for behaviour (tutela/behaviour/rules.py, docs/behaviour.md).

The target record is Amelia's (7A, Year 7), reported by the school admin, naming the class teacher as
involved and Bilal (8A) as witness. Whole records: her tutor, head of year, SLT/admin, DSL, SENCO, the trust
admin, and the class teacher because they were involved; the teacher of another class gets 404. Changes:
the pastoral line (the involved class teacher may see, not change: 403). Families see the timeline summary
only; the DPO and IT admin have no day-to-day access. Staff-only pages are 404 to accounts with no staff role.
"""

from __future__ import annotations

import datetime
from contextlib import ExitStack
from typing import Any

from django.utils import timezone

from tests.cast import Cast
from tests.matrix import DENY, HIDE, LOGIN, OK, SEE, Call, Expect, row
from tutela import audit
from tutela.behaviour import services
from tutela.behaviour.models import Alert, Category, Incident
from tutela.core import clock
from tutela.policy import rls
from tutela.vault.scope import vault_scope

TO_ALERTS = Expect(302, redirect_to="/behaviour/alerts/")
TO_HOME = Expect(302, redirect_to="/behaviour/")

# fmt: off
EXPECTATIONS: dict[str, dict[str, Expect]] = {
    # The main menu links here for everyone: staff get their hub, families links to their children's page.
    "behaviour:home": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=SEE, other_parent=OK, pupil=SEE, other_school_admin=OK, no_role=OK, anonymous=LOGIN,
    ),
    # Staff pages: every member of staff gets the page (with only what they may see); others get 404.
    "behaviour:record": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=OK, no_role=HIDE, anonymous=LOGIN,
    ),
    # Pupils of maths_7a to pick: its teacher and those who lead its year or school (the form tutor picks
    # from their own form, not this class); the DPO reaches the class but may record for none of it.
    "behaviour:record_pupils": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=HIDE, class_teacher=SEE,
        other_teacher=HIDE, senco=SEE, dsl=SEE, dpo=OK, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "behaviour:incident": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=SEE,
        other_teacher=HIDE, senco=SEE, dsl=SEE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    # HTMX posts answer with the follow-up partial (no pupil name in it).
    "behaviour:incident_status": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=DENY,
        other_teacher=HIDE, senco=OK, dsl=OK, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "behaviour:outcome_add": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=DENY,
        other_teacher=HIDE, senco=OK, dsl=OK, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "behaviour:incident_delete": row(
        trust_admin=TO_HOME, school_admin=TO_HOME, head_of_year=TO_HOME, form_tutor=TO_HOME,
        class_teacher=DENY, other_teacher=HIDE, senco=TO_HOME, dsl=TO_HOME, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "behaviour:outcome_state": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=DENY,
        other_teacher=HIDE, senco=OK, dsl=OK, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    # The timeline: staff who teach or look after Amelia (totals and the records they may see), her parent
    # and Amelia herself (a summary of what is shared).
    "behaviour:pupil": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=SEE,
        other_teacher=HIDE, senco=SEE, dsl=SEE, dpo=HIDE, it_admin=HIDE,
        parent=SEE, other_parent=HIDE, pupil=SEE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "behaviour:form": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=HIDE,
        other_teacher=HIDE, senco=SEE, dsl=SEE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "behaviour:year": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=HIDE, class_teacher=HIDE,
        other_teacher=HIDE, senco=SEE, dsl=SEE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "behaviour:alerts": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=OK, no_role=HIDE, anonymous=LOGIN,
    ),
    # The form tutor's alert: theirs alone (the head of year has their own).
    "behaviour:alert_acknowledge": row(
        trust_admin=HIDE, school_admin=HIDE, head_of_year=HIDE, form_tutor=TO_ALERTS, class_teacher=HIDE,
        other_teacher=HIDE, senco=HIDE, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    # Today's detention for the target record: named to whoever may see the record.
    "behaviour:detentions": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=SEE,
        other_teacher=OK, senco=SEE, dsl=SEE, dpo=OK, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=OK, no_role=HIDE, anonymous=LOGIN,
    ),
    # A school's categories, points and thresholds: its administrators (and the trust's).
    "behaviour:settings": row(
        trust_admin=OK, school_admin=OK, head_of_year=HIDE, form_tutor=HIDE, class_teacher=HIDE,
        other_teacher=HIDE, senco=HIDE, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=OK, no_role=HIDE, anonymous=LOGIN,
    ),
    "behaviour-api:categories": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=DENY,
    ),
    "behaviour-api:incidents": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=SEE,
        other_teacher=OK, senco=SEE, dsl=SEE, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=DENY,
    ),
    "behaviour-api:incident": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=SEE,
        other_teacher=HIDE, senco=SEE, dsl=SEE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=DENY,
    ),
}
# fmt: on


def _writing() -> Any:
    """As a command writes: an audit context, a vault scope and (with RLS enforced) every school."""
    stack = ExitStack()
    stack.enter_context(vault_scope())
    stack.enter_context(audit.context(actor=None, reason="policy matrix"))
    stack.enter_context(rls.system_scope())
    return stack


def _seeded(cast: Cast) -> None:
    if not Category.objects.filter(school=cast.school).exists():
        services.defaults_seed(school=cast.school)


def _incident(cast: Cast) -> Incident:
    with _writing():
        _seeded(cast)
        (incident,) = services.incident_record(
            actor=cast.school_admin,
            pupils=[cast.pupil_record],
            category=Category.objects.get(school=cast.school, name="Defiance"),
            occurred_at=clock.now() - datetime.timedelta(minutes=5),
            description="Matrix note",
            staff_involved=[cast.class_teacher],
            witnesses=[cast.sibling_record],
        )
    return incident


def _today_at_half_three() -> datetime.datetime:
    return datetime.datetime.combine(
        clock.today(), datetime.time(15, 30), tzinfo=timezone.get_current_timezone()
    )


def _outcome(cast: Cast) -> Any:
    incident = _incident(cast)
    with _writing():
        return services.outcome_add(
            actor=cast.school_admin, incident=incident, kind="detention", happens_at=_today_at_half_three()
        )


def _alert(cast: Cast) -> Alert:
    for _ in range(4):  # 4 x -3: past the weekly threshold of 10
        _incident(cast)
    with rls.system_scope():
        return Alert.system.get(recipient=cast.form_tutor)


TARGETS = {
    "behaviour_incident": lambda cast: {"public_id": _incident(cast).public_id},
    "behaviour_outcome": lambda cast: {"public_id": _outcome(cast).public_id},
    "behaviour_alert": lambda cast: {"public_id": _alert(cast).public_id},
    "behaviour_form": lambda cast: {"public_id": cast.form_7a.public_id},
    "behaviour_year": lambda cast: {"public_id": cast.year7.public_id},
}

HTMX = {"HTTP_HX_REQUEST": "true"}


def _with_record(cast: Cast) -> tuple[Any, dict[str, Any]]:
    _incident(cast)
    return {}, {}


def _with_detention(cast: Cast) -> tuple[Any, dict[str, Any]]:
    _outcome(cast)
    return {"date": clock.today().isoformat()}, {}


BODIES = {
    "behaviour_status": lambda cast: ({"status": "resolved"}, HTMX),
    "behaviour_outcome": lambda cast: ({"kind": "restorative", "notes": "Matrix follow-up"}, HTMX),
    "behaviour_served": lambda cast: ({"state": "done"}, HTMX),
    "behaviour_group": lambda cast: ({"group": f"class:{cast.maths_7a.public_id}"}, {}),
    "behaviour_with_record": _with_record,
    "behaviour_with_detention": _with_detention,
}

CALLS = {
    "behaviour:record_pupils": Call(body="behaviour_group"),
    "behaviour:incident": Call(target="behaviour_incident"),
    "behaviour:incident_status": Call(method="post", target="behaviour_incident", body="behaviour_status"),
    "behaviour:outcome_add": Call(method="post", target="behaviour_incident", body="behaviour_outcome"),
    "behaviour:outcome_state": Call(method="post", target="behaviour_outcome", body="behaviour_served"),
    "behaviour:incident_delete": Call(method="post", target="behaviour_incident"),
    "behaviour:pupil": Call(target="pupil"),
    "behaviour:form": Call(target="behaviour_form"),
    "behaviour:year": Call(target="behaviour_year"),
    "behaviour:alert_acknowledge": Call(method="post", target="behaviour_alert"),
    "behaviour:detentions": Call(body="behaviour_with_detention"),
    "behaviour-api:incidents": Call(body="behaviour_with_record"),
    "behaviour-api:incident": Call(target="behaviour_incident"),
}
