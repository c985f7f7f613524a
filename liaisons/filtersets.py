"""Filters for site visits, shared by the HTML visits list and the REST API (DESIGN.md §4).

The names are an interface: `site` (site slug), `liaison` (liaison id), `status`, `core_area`
(core area code), `date_after` and `date_before` (on the visit date). Querysets passed in must
already start from `SiteVisit.objects.visible_to(user)`; choices offered are narrowed the same way.
"""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from liaisons.choices import AssignmentRole, VisitStatus
from liaisons.models import Assignment, Liaison, SiteVisit
from psp.accounts.models import User
from psp.filters import (
    FastSelect,
    IntegerFilter,
    IsoDateTimeFilter,
    RowModelChoiceFilter,
    SearchableFilterSet,
)
from sites.models import CoreArea, Site


def _visible_sites(request):
    if request is None:
        return Site.objects.none()
    return Site.objects.visible_to(request.user)


def _visible_liaisons(request):
    if request is None:
        return Liaison.objects.none()
    return Liaison.objects.visible_to(request.user)


def _core_areas(request):
    if request is None:
        return CoreArea.objects.none()
    return CoreArea.objects.visible_to(request.user)


def _select():
    return FastSelect(attrs={"class": "usa-select"})


def _date():
    return forms.DateInput(attrs={"type": "date", "class": "usa-input"})


def liaison_choice_filter(queryset, **extra) -> RowModelChoiceFilter:
    """A liaison chosen by id, named as everywhere (`User.display_name`), searchable by name
    once there are more than a select can usefully list."""
    return RowModelChoiceFilter(
        queryset=queryset,
        label_fields=("user__first_name", "user__last_name", "user__username"),
        label_of=User.display_name,
        noun=("liaison", "liaisons"),
        label="Liaison",
        widget=_select(),
        **extra,
    )


@extend_schema_field(OpenApiTypes.STR)
class CodeChoiceFilter(django_filters.ModelChoiceFilter):
    """A choice of object given by its code or slug (documented as a string in the API)."""


class SiteVisitFilterSet(SearchableFilterSet):
    site = RowModelChoiceFilter(
        queryset=_visible_sites,
        to_field_name="slug",
        label_fields=("name", "state"),
        label_of=Site.display_name,
        noun=("site", "sites"),
        label="Site",
        empty_label="All sites",
        widget=_select(),
    )
    liaison = liaison_choice_filter(_visible_liaisons, empty_label="All liaisons")
    status = django_filters.ChoiceFilter(
        choices=VisitStatus.choices,
        label="Status",
        empty_label="Any status",
        widget=_select(),
    )
    core_area = CodeChoiceFilter(
        queryset=_core_areas,
        to_field_name="code",
        label="Core area",
        empty_label="Any core area",
        method="filter_core_area",
        widget=_select(),
    )
    date_after = django_filters.DateFilter(
        field_name="start_date", lookup_expr="gte", label="From", widget=_date()
    )
    date_before = django_filters.DateFilter(
        field_name="start_date", lookup_expr="lte", label="To", widget=_date()
    )
    # For API clients syncing incrementally (not shown on the HTML list).
    updated_since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = SiteVisit
        fields = [
            "site",
            "liaison",
            "status",
            "core_area",
            "date_after",
            "date_before",
            "updated_since",
        ]

    def filter_core_area(self, queryset, name, value):
        # A subquery rather than a join, so a visit touching several areas appears once
        # without DISTINCT over the whole list.
        return queryset.filter(
            pk__in=SiteVisit.core_areas.through.objects.filter(corearea=value).values(
                "sitevisit_id"
            )
        )


class VisitListFilterSet(SiteVisitFilterSet):
    """The visits page's filters: the API's, without `updated_since` (for syncing clients)."""

    updated_since = None

    class Meta(SiteVisitFilterSet.Meta):
        fields = [name for name in SiteVisitFilterSet.Meta.fields if name != "updated_since"]


class LiaisonFilterSet(django_filters.FilterSet):
    class Meta:
        model = Liaison
        fields = ["active"]


class AssignmentFilterSet(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="engagement__site__slug")
    liaison = IntegerFilter(field_name="liaison_id")
    engagement = IntegerFilter(field_name="engagement_id")
    role = django_filters.ChoiceFilter(choices=AssignmentRole.choices)
    current = django_filters.BooleanFilter(field_name="end_date", lookup_expr="isnull")

    class Meta:
        model = Assignment
        fields = ["site", "liaison", "engagement", "role", "current"]
