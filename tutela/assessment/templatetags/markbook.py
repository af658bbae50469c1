"""One markbook cell as HTML, built in Python: a 32 x 40 grid is 1,280 cells, and a template include per
cell costs more than everything else on the page. Every value is escaped by format_html."""

from __future__ import annotations

from uuid import UUID

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from tutela.assessment.models import ScaleKind
from tutela.assessment.selectors import Cell

register = template.Library()
_PLACEHOLDER = UUID(int=0)


def _cell_url(cell: Cell) -> str:
    column = cell.column
    base = column.__dict__.get("_cell_url")
    if base is None:
        base = reverse("assessment:cell", args=[column.public_id, _PLACEHOLDER])
        column.__dict__["_cell_url"] = base
    return base.replace(str(_PLACEHOLDER), str(cell.pupil.public_id))


@register.simple_tag
def markbook_cell(cell: Cell, can_edit: bool, saved: bool = False) -> SafeString:
    classes = "cell" + (f" track-{cell.status}" if cell.status else "") + (" has-error" if cell.error else "")
    parts = []
    if can_edit:
        grades = cell.column.scale_id is not None and cell.column.scale.kind == ScaleKind.GRADES
        invalid = (
            format_html(' aria-invalid="true" aria-describedby="{}-err"', cell.dom_id) if cell.error else ""
        )
        parts.append(
            format_html(
                '<input name="value" value="{}" autocomplete="off" enterkeyhint="next" inputmode="{}" '
                'aria-label="{}, {} {}" hx-post="{}" hx-trigger="change" hx-target="closest td" '
                'hx-swap="outerHTML"{}>',
                cell.typed if cell.error else cell.text,
                "text" if grades else "decimal",
                cell.column.title,
                cell.pupil.first_name,
                cell.pupil.last_name,
                _cell_url(cell),
                invalid,
            )
        )
    else:
        parts.append(format_html("<span>{}</span>", cell.text))
    if cell.error:
        parts.append(
            format_html('<span class="error" id="{}-err" role="alert">{}</span>', cell.dom_id, cell.error)
        )
    if cell.status_text:
        parts.append(format_html('<span class="track-text">{}</span>', cell.status_text))
    if saved:
        parts.append(mark_safe('<span class="visually-hidden" role="status">Saved</span>'))  # a constant
    return format_html(
        '<td id="{}" class="{}">{}</td>',
        cell.dom_id,
        classes,
        format_html_join("", "{}", ((p,) for p in parts)),
    )
