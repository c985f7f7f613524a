"""Filter types the apps' filtersets share."""

import django_filters as filters
from django import forms

BIGINT_MAX = 2**63 - 1


class IntegerFilter(filters.NumberFilter):
    """A whole number (an id, a year). NumberFilter parses decimals such as 1e308, which the
    database cannot compare with an integer column; this one answers 400 instead."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)
