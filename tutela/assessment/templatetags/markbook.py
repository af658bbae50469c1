"""One markbook cell as HTML, built in Python: a 32 x 40 grid is 1,280 cells, and a template include per
cell costs more than everything else on the page. Every value is escaped (_e)."""

from __future__ import annotations

import html
from uuid import UUID

from django import template
from django.urls import reverse
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


def _e(value: object) -> str:
    # The standard library's escape (& < > " '), as Django's escape does, without its lazy-string wrapper:
    # 1,280 cells x 5 values is most of the page's cost otherwise.
    return html.escape(str(value), quote=True)


@register.simple_tag
def markbook_cell(cell: Cell, can_edit: bool, saved: bool = False) -> SafeString:
    dom_id = cell.dom_id
    classes = "cell" + (f" track-{cell.status}" if cell.status else "") + (" has-error" if cell.error else "")
    parts = [f'<td id="{dom_id}" class="{classes}">']
    if can_edit:
        grades = cell.column.scale_id is not None and cell.column.scale.kind == ScaleKind.GRADES
        invalid = f' aria-invalid="true" aria-describedby="{dom_id}-err"' if cell.error else ""
        label = f"{cell.column.title}, {cell.pupil.first_name} {cell.pupil.last_name}"
        parts.append(
            f'<input name="value" value="{_e(cell.typed if cell.error else cell.text)}" autocomplete="off" '
            f'enterkeyhint="next" inputmode="{"text" if grades else "decimal"}" aria-label="{_e(label)}" '
            f'hx-post="{_e(_cell_url(cell))}" hx-trigger="change" hx-target="closest td" hx-swap="outerHTML"'
            f"{invalid}>"
        )
    else:
        parts.append(f"<span>{_e(cell.text)}</span>")
    if cell.error:
        parts.append(f'<span class="error" id="{dom_id}-err" role="alert">{_e(cell.error)}</span>')
    if cell.status_text:
        parts.append(f'<span class="track-text">{_e(cell.status_text)}</span>')
    if saved:
        parts.append('<span class="visually-hidden" role="status">Saved</span>')
    parts.append("</td>")
    # Safe: every value above is escaped by _e(); the rest are constants, codes and hex ids.
    return mark_safe("".join(parts))  # noqa: S308
