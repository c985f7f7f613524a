"""Filter types the apps' filtersets share."""

import datetime
from dataclasses import dataclass
from functools import reduce
from operator import or_

import django_filters as filters
from django import forms
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Q
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


PICKER_OPTIONS = 100  # options a searchable select lists at most (make bench: thousands)
SEARCH_MAX_LENGTH = 100


@dataclass
class Picker:
    """What a searchable select listed: at most `max_options` rows matching `search`, and
    whether `more` matched."""

    noun: tuple[str, str]  # ("site", "sites")
    max_options: int
    search: str
    more: bool = False


def _select_html(widget: forms.Select, name, value, attrs, options) -> str:
    """`<select>` with `options` ((value, label) pairs), as Django's template writes it."""
    attributes = {"name": name, **widget.build_attrs(widget.attrs, attrs)}
    selected = {str(v) for v in widget.format_value(value)}
    # In the order Django's template writes them (flatatt would sort them).
    written = "".join(
        format_html(" {}", key) if value is True else format_html(' {}="{}"', key, value)
        for key, value in attributes.items()
        if value is not None and value is not False
    )
    parts = [f"<select{written}>"]
    for option_value, label in options:
        text = "" if option_value is None else str(option_value)
        mark = " selected" if text in selected else ""
        parts.append(f'<option value="{escape(text)}"{mark}>{escape(label)}</option>')
        if mark and not widget.allow_multiple_selected:
            selected = set()
    parts.append("</select>")
    return "".join(parts)


class FastSelect(forms.Select):
    """A <select> whose options are written out in Python instead of rendering a template
    per option. The same HTML; a list of every site or liaison (thousands of options at
    scale) costs about a microsecond per option instead of eighty (docs/benchmarks.md).

    A `RowModelChoiceField` with a `noun` lists at most `max_options` rows; when there are
    more, or a search narrowed them, the select comes with a search box (`<name>_search`)
    that narrows the options: live with htmx, or by submitting the form without it."""

    def render(self, name, value, attrs=None, renderer=None):
        choices = self.choices
        options = list(iter(choices))  # list(choices) would COUNT them first (its __len__)
        if any(isinstance(label, list | tuple) for _, label in options):
            return super().render(name, value, attrs, renderer)  # option groups
        picker = getattr(choices, "picker", None)
        if picker is None or not (picker.more or picker.search):
            # Every option is listed (and the chosen one with them).
            return mark_safe(_select_html(self, name, value, attrs, options))  # noqa: S308
        return self._render_picker(name, value, attrs, options, picker, choices)

    def _render_picker(self, name, value, attrs, options, picker, choices):
        listed = {str(option_value) for option_value, _ in options}
        matches = len([v for v, _ in options if v != ""])  # before the chosen one joins them
        chosen = [str(v) for v in self.format_value(value) if v not in ("", None)]
        for missing in (v for v in chosen if v not in listed):
            found = choices.option_for(missing)  # chosen before the search left it out
            if found is not None:
                options.insert(1 if options and options[0][0] == "" else 0, found)
        ident = self.build_attrs(self.attrs, attrs).get("id") or f"id_{name}"
        singular, plural = picker.noun
        if picker.search and not picker.more:
            hint = format_html(
                "{} {} “{}”.",
                matches if matches else "No",
                f"{singular} matches" if matches == 1 else f"{plural} match",
                picker.search,
            )
        elif picker.search:
            hint = format_html(
                "The first {} {} matching “{}” are listed: search for more of the name.",
                picker.max_options,
                plural,
                picker.search,
            )
        else:
            hint = format_html(
                "The first {} {} are listed: search for the others.", picker.max_options, plural
            )
        select_attrs = {**(attrs or {}), "aria-describedby": f"{ident}-hint"}
        return format_html(
            '<div id="{ident}-options">{select}'
            '<span class="usa-hint" id="{ident}-hint" aria-live="polite">{hint}</span></div>'
            '<label class="usa-label" for="{ident}-search">Search {plural}</label>'
            '<input class="usa-input" type="search" id="{ident}-search" name="{name}_search" '
            'value="{search}" maxlength="{max_length}" autocomplete="off" hx-get="" '
            'hx-trigger="input changed delay:300ms, search" hx-include="closest form" '
            'hx-select="#{ident}-options" hx-target="#{ident}-options" hx-swap="outerHTML">',
            ident=ident,
            select=mark_safe(_select_html(self, name, value, select_attrs, options)),  # noqa: S308
            hint=hint,
            plural=plural,
            name=name,
            search=picker.search,
            max_length=SEARCH_MAX_LENGTH,
        )


class RowChoiceIterator(ModelChoiceIterator):
    """Options read as plain rows (`values_list`), not as a model instance per option: a
    coordinator's site and liaison filters can list thousands. A searchable field's options
    are narrowed by its search term, word by word over its label fields, and cut at
    `max_options`; `picker` then tells the widget what was left out."""

    picker: Picker | None = None  # set while iterating a searchable field's options

    def __iter__(self):
        field = self.field
        if field.empty_label is not None:
            yield ("", field.empty_label)
        rows = self._rows(self.queryset)
        if field.noun is not None:
            self.picker = Picker(field.noun, field.max_options, field.search)
            for word in self.picker.search.split()[:5]:
                rows = rows.filter(
                    reduce(or_, (Q(**{f"{f}__icontains": word}) for f in field.label_fields))
                )
            rows = list(rows[: field.max_options + 1])
            self.picker.more = len(rows) > field.max_options
            rows = rows[: field.max_options]
        for value, *label in rows:
            yield (value, field.label_of(*label))

    def _rows(self, queryset):
        return queryset.values_list(self.field.to_field_name or "pk", *self.field.label_fields)

    def option_for(self, value):
        """The option of one chosen `value`, or None if it is not one of the choices."""
        try:
            row = self._rows(self.queryset.filter(**{self.field.to_field_name or "pk": value}))
            value, *label = row.get()
        except (ValueError, TypeError, ValidationError, ObjectDoesNotExist):
            return None
        return (value, self.field.label_of(*label))


class RowModelChoiceField(forms.ModelChoiceField):
    """A model choice whose option labels are built from `label_fields` by `label_of` (the
    model's own naming rule, e.g. `Site.display_name`); validation is ModelChoiceField's.
    With a `noun` ("site", "sites") the choices are searchable (`FastSelect`)."""

    iterator = RowChoiceIterator

    def __init__(
        self,
        *args,
        label_fields: tuple[str, ...],
        label_of,
        noun: tuple[str, str] | None = None,
        max_options: int | None = None,
        **kwargs,
    ):
        self.label_fields = label_fields
        self.label_of = label_of
        self.noun = noun
        self._max_options = max_options
        self.search = ""  # set by SearchableFilterSet from `<name>_search`
        super().__init__(*args, **kwargs)

    @property
    def max_options(self) -> int:
        return PICKER_OPTIONS if self._max_options is None else self._max_options


class RowModelChoiceFilter(filters.ModelChoiceFilter):
    field_class = RowModelChoiceField


class SearchableFilterSet(filters.FilterSet):
    """A filterset whose searchable choices (`RowModelChoiceField` with a `noun`) read their
    search term from `<name>_search` in the query."""

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            for name, field in form.fields.items():
                if getattr(field, "noun", None) is not None:
                    term = (self.data or {}).get(f"{name}_search") or ""
                    field.search = " ".join(str(term).split())[:SEARCH_MAX_LENGTH]
        return super().form
