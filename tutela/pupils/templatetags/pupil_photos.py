import base64

from django import template

register = template.Library()


@register.filter
def photo_uri(file: object) -> str:
    """A decrypted photo as a data: URI, so no image URL exists to be shared or cached.

    The page that shows it is the one audited read; the image never exists unencrypted on disk.
    """
    if not file:
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(file.read_plaintext()).decode()  # type: ignore[attr-defined]
