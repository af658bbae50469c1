from collections.abc import Iterable
from html import escape

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from tutela.pupils.models import Pupil

register = template.Library()


@register.simple_tag
def pupil_rows(pupils: Iterable[Pupil], profile_base: str) -> SafeString:
    """The pupil list's table rows. A school's whole roll is thousands of rows: each value is escaped with
    ``html.escape``, which is what Django's ``escape`` calls, without its per-call lazy-string checks (a
    third of the rows' cost), and at a fraction of the cost of a {% for %} over them."""
    base = conditional_escape(profile_base)
    rows = (
        f'<tr><td><a href="{base}{pupil.public_id}/">'
        f"{escape(pupil.last_name)}, {escape(pupil.first_name)}</a></td>"
        f"<td>{escape(pupil.year_group.name)}</td>"
        f"<td>{escape(pupil.form_group.name) if pupil.form_group_id else ''}</td></tr>"
        for pupil in pupils
    )
    # Safe: every interpolated value above is escaped (public_id is a UUID: hex digits and hyphens).
    return mark_safe("\n".join(rows))  # noqa: S308
