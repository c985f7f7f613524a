"""Filters for site visits, shared by the HTML visits list and the REST API (DESIGN.md §4).

The names are an interface: `site` (site slug), `liaison` (liaison id), `status`, `core_area`
(core area code), `date_after` and `date_before` (on the visit date). Querysets passed in must
already start from `SiteVisit.objects.visible_to(user)`; choices offered are narrowed the same way.
"""

from __future__ import annotations

import django_filters
from django import forms

from liaisons.choices import VisitStatus
from liaisons.models import Liaison, SiteVisit
from sites.models import CoreArea, Site


def _visible_sites(request):
    if request is None:
        return Site.objects.none()
    return Site.objects.visible_to(request.user)


def _visible_liaisons(request):
    if request is None:
        return Liaison.objects.none()
    return Liaison.objects.visible_to(request.user).select_related("user")


def _core_areas(request):
    if request is None:
        return CoreArea.objects.none()
    return CoreArea.objects.visible_to(request.user)


def _select():
    return forms.Select(attrs={"class": "usa-select"})


def _date():
    return forms.DateInput(attrs={"type": "date", "class": "usa-input"})


class SiteVisitFilterSet(django_filters.FilterSet):
    site = django_filters.ModelChoiceFilter(
        queryset=_visible_sites,
        to_field_name="slug",
        label="Site",
        empty_label="All sites",
        widget=_select(),
    )
    liaison = django_filters.ModelChoiceFilter(
        queryset=_visible_liaisons,
        label="Liaison",
        empty_label="All liaisons",
        widget=_select(),
    )
    status = django_filters.ChoiceFilter(
        choices=VisitStatus.choices,
        label="Status",
        empty_label="Any status",
        widget=_select(),
    )
    core_area = django_filters.ModelChoiceFilter(
        field_name="core_areas",
        queryset=_core_areas,
        to_field_name="code",
        label="Core area",
        empty_label="Any core area",
        distinct=True,
        widget=_select(),
    )
    date_after = django_filters.DateFilter(
        field_name="start_date", lookup_expr="gte", label="From", widget=_date()
    )
    date_before = django_filters.DateFilter(
        field_name="start_date", lookup_expr="lte", label="To", widget=_date()
    )

    class Meta:
        model = SiteVisit
        fields = ["site", "liaison", "status", "core_area", "date_after", "date_before"]
