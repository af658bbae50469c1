"""Helpers for the pupils tests: real images made in memory, form data, and fresh reads from the database."""

from __future__ import annotations

import html
import io
import re
from typing import Any

from PIL import Image

from tutela.pupils.models import Pupil


def png_bytes(size: tuple[int, int] = (32, 24), colour: tuple[int, int, int] = (200, 30, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def upload(data: bytes, name: str = "face.png") -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


def from_db(pupil: Pupil) -> Pupil:
    """The pupil as stored now (not the test's in-memory object), through the unscoped manager."""
    return Pupil.system.select_related("data_key__keyring", "year_group", "form_group").get(pk=pupil.pk)


def edit_form_data(pupil: Pupil, **changes: Any) -> dict[str, str]:
    """What the edit form posts when nothing is changed, with ``changes`` applied."""
    data = {
        "upn": pupil.upn,
        "legal_first_name": pupil.legal_first_name,
        "legal_last_name": pupil.legal_last_name,
        "preferred_first_name": pupil.preferred_first_name,
        "preferred_last_name": pupil.preferred_last_name,
        "date_of_birth": pupil.date_of_birth.isoformat(),
        "sex": pupil.sex,
        "address": pupil.address,
        "year_group": str(pupil.year_group.public_id),
        "form_group": str(pupil.form_group.public_id) if pupil.form_group else "",
        "enrolled_on": pupil.enrolled_on.isoformat(),
        "left_on": pupil.left_on.isoformat() if pupil.left_on else "",
    }
    data.update({key: str(value) for key, value in changes.items()})
    return data


def field_errors(page: bytes, field: str) -> list[str]:
    """The error messages the edit template shows under one field (``<p id="id_<field>_error">``, the id
    Django's widget names in its aria-describedby)."""
    pattern = rf'<p class="error" id="id_{field}_error">(.*?)</p>'
    return [html.unescape(message) for message in re.findall(pattern, page.decode())]


def main_content(page: bytes) -> str:
    """The page's <main> element: what differs between pages, without the per-request CSRF token."""
    found = re.search(r"<main.*?</main>", page.decode(), re.S)
    assert found, "the page has no <main>"
    return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*"', r'\1"', found.group(0))
