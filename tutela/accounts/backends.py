"""Email and password sign-in, looked up by blind index (the email itself is encrypted)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from tutela.accounts.models import User
from tutela.vault import keys
from tutela.vault.fields import blind_index


def user_by_email(email: str) -> User | None:
    if not email:
        return None
    digest = blind_index(keys.instance_keyring(), "user.email", email)
    return User.objects.select_related("data_key__keyring").filter(email_index=digest).first()


class EmailBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        user = user_by_email(username or kwargs.get("email", ""))
        if user is None:
            # Hash anyway so a missing account takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: int) -> User | None:
        user = User.objects.select_related("data_key__keyring").filter(pk=user_id).first()
        return user if user and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()  # Django's model permissions are not used: tutela.policy decides
