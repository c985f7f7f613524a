"""Filter types the apps' filtersets share."""

import datetime

import django_filters as filters
from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
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


class FastSelect(forms.Select):
    """A <select> whose options are written out in Python instead of rendering a template
    per option. The same HTML; a list of every site or liaison (thousands of options at
    scale) costs about a microsecond per option instead of eighty (docs/benchmarks.md)."""

    def render(self, name, value, attrs=None, renderer=None):
        attributes = {"name": name, **self.build_attrs(self.attrs, attrs)}
        selected = {str(v) for v in self.format_value(value)}
        # In the order Django's template writes them (flatatt would sort them).
        written = "".join(
            format_html(" {}", key) if value is True else format_html(' {}="{}"', key, value)
            for key, value in attributes.items()
            if value is not None and value is not False
        )
        parts = [mark_safe(f"<select{written}>")]  # noqa: S308 - format_html escaped them
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):  # option groups: the general renderer
                return super().render(name, value, attrs, renderer)
            text = "" if option_value is None else str(option_value)
            mark = " selected" if text in selected else ""
            parts.append(f'<option value="{escape(text)}"{mark}>{escape(label)}</option>')
            if mark and not self.allow_multiple_selected:
                selected = set()
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value and label is escaped


class RowChoiceIterator(ModelChoiceIterator):
    """Options read as plain rows (`values_list`), not as a model instance per option: a
    coordinator's site and liaison filters list every site and liaison."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        value_field = self.field.to_field_name or "pk"
        for value, *label in self.queryset.values_list(value_field, *self.field.label_fields):
            yield (value, self.field.label_of(*label))


class RowModelChoiceField(forms.ModelChoiceField):
    """A model choice whose option labels are built from `label_fields` by `label_of` (the
    model's own naming rule, e.g. `Site.display_name`); validation is ModelChoiceField's."""

    iterator = RowChoiceIterator

    def __init__(self, *args, label_fields: tuple[str, ...], label_of, **kwargs):
        self.label_fields = label_fields
        self.label_of = label_of
        super().__init__(*args, **kwargs)


class RowModelChoiceFilter(filters.ModelChoiceFilter):
    field_class = RowModelChoiceField
