"""One-time links to choose a password: first sign-in of a new account, or a reset by IT.

Django's token generator signs the user's id, password hash, last sign-in and the time: the link stops
working once a password is set (the hash changes) or after PASSWORD_RESET_TIMEOUT. The link is shown to the
person running the command, never stored.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tutela.accounts.models import User


def enrolment_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.TUTELA_URL + reverse("accounts:enrol", kwargs={"uidb64": uid, "token": token})
