from django.core.exceptions import PermissionDenied
from django.http import Http404


class NotVisible(Http404):
    """Does not exist, or may not be seen: the two look the same from outside (404)."""


class NotAllowed(PermissionDenied):
    """May see it, may not do this to it (403)."""


class UnscopedQuery(RuntimeError):
    """Personal data was queried without saying on whose behalf."""


class UnknownAction(LookupError):
    """No rule is registered for the action: denied to everyone."""
