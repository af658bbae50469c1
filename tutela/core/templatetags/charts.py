"""``{% load charts %}``: ``{% chart obj %}`` draws a chart built by tutela.core.charts; ``{% sparkline %}``
draws a word-sized trend straight from a list of numbers. The templates auto-escape every label."""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from tutela.core import charts

register = template.Library()


@register.simple_tag(name="chart")
def chart(obj: object) -> SafeString:
    """Render a LineChart, BarChart, Heatmap or Sparkline with its own template."""
    if not isinstance(obj, charts.LineChart | charts.BarChart | charts.Heatmap | charts.Sparkline):
        raise template.TemplateSyntaxError(
            f"{{% chart %}} needs a chart from tutela.core.charts (line_chart, bar_chart, calendar_heatmap, "
            f"sparkline), not {type(obj).__name__}"
        )
    # render_to_string's output is safe because the chart template auto-escaped everything it drew.
    return render_to_string(obj.template_name, {"chart": obj})


@register.simple_tag(name="sparkline")
def sparkline_tag(
    values: Sequence[float | int | None], title: str, percent: bool = False, unit: str = ""
) -> SafeString:
    """``{% sparkline values "Attendance" percent=True %}``."""
    return chart(charts.sparkline(title=title, values=values, percent=percent, unit=unit))
