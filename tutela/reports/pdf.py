"""HTML to PDF with WeasyPrint. The HTML is rendered from our own templates, and WeasyPrint is given no
base URL and a fetcher that refuses every URL, so a report can never load anything from the network or disk.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher


class ExternalResourceRefused(Exception):
    pass


class _RefuseEveryURL(URLFetcher):
    def fetch(self, url: str, headers: Any = None) -> Any:
        raise ExternalResourceRefused(f"reports load nothing from outside the template: {url!r}")


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    html = render_to_string(template, context)
    try:
        return HTML(string=html, url_fetcher=_RefuseEveryURL(fail_on_errors=True)).write_pdf()
    except FatalURLFetchingError as exc:
        raise ExternalResourceRefused(str(exc.__cause__ or exc)) from None
