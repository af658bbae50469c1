"""Base models shared by every domain app."""

from __future__ import annotations

import uuid

from django.db import models


class PublicIdModel(models.Model):
    """A row with an opaque public id: URLs, the API and audit events use it, never the integer key.

    The vault also binds ciphertexts to it, which is why it is assigned in Python before the first save.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
