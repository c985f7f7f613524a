"""Filter types the apps' filtersets share."""

import datetime

import django_filters as filters
from django import forms
from django_filters.fields import IsoDateTimeField

BIGINT_MAX = 2**63 - 1


class IntegerFilter(filters.NumberFilter):
    """A whole number (an id, a year). NumberFilter parses decimals such as 1e308, which the
    database cannot compare with an integer column; this one answers 400 instead."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, handed to the database in UTC. Python accepts offsets up to ±23:59,
    PostgreSQL only up to ±15:59; and a time near year 1 may not exist in UTC at all."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(datetime.UTC)
        except OverflowError as exc:
            raise forms.ValidationError("This time is out of range.", code="invalid") from exc


class IsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
