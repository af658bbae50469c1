from collections.abc import Iterable

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from tutela.pupils.models import Pupil

register = template.Library()


@register.simple_tag
def pupil_rows(pupils: Iterable[Pupil], profile_base: str) -> SafeString:
    """The pupil list's table rows. A school's whole roll is thousands of rows: format_html_join escapes
    every value as the template engine would, at a fraction of the cost of a {% for %} over them."""
    return format_html_join(
        "\n",
        '<tr><td><a href="{}{}/">{}, {}</a></td><td>{}</td><td>{}</td></tr>',
        (
            (
                profile_base,
                pupil.public_id,
                pupil.last_name,
                pupil.first_name,
                pupil.year_group.name,
                pupil.form_group.name if pupil.form_group_id else "",
            )
            for pupil in pupils
        ),
    )
