"""Hand-written representations' helpers: what DRF's fields write, without their per-value
overhead (settings and time-zone look-ups for every timestamp of a long list)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

_DATETIME = serializers.DateTimeField()


def output_timezone() -> datetime.tzinfo | None:
    """The zone DRF's DateTimeField renders in (read once per object, not per timestamp)."""
    return timezone.get_current_timezone() if settings.USE_TZ else None


def datetime_repr(value: datetime.datetime | None, tz: datetime.tzinfo | None) -> str | None:
    """`serializers.DateTimeField().to_representation(value)` with `tz = output_timezone()`:
    the fast path covers aware datetimes in ISO 8601 (every timestamp read from the database);
    anything else goes through DRF's field."""
    if value is None:
        return None
    fmt = api_settings.DATETIME_FORMAT
    if (
        tz is None
        or value.tzinfo is None
        or not isinstance(fmt, str)
        or fmt.lower() != ISO_8601
        or not isinstance(value, datetime.datetime)
    ):
        return _DATETIME.to_representation(value)
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def date_repr(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None
