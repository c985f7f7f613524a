"""The filters of the TTA request list, shared by the triage queue page and the API."""

from __future__ import annotations

import django_filters
from django.utils import timezone

from sites.models import CoreArea, Site
from tta.choices import Priority, RequestStatus
from tta.models import TTAProvider, TTARequest
from tta.selectors import triage_overdue_q


def _visible_sites(request):
    if request is None:
        return Site.objects.none()
    return Site.objects.visible_to(request.user)


def _visible_providers(request):
    if request is None:
        return TTAProvider.objects.none()
    return TTAProvider.objects.visible_to(request.user)


def _core_areas(request):
    if request is None:
        return CoreArea.objects.none()
    return CoreArea.objects.visible_to(request.user)


class TTARequestFilterSet(django_filters.FilterSet):
    """Filter names are part of the URL contract: `?status=submitted&core_area=technology`."""

    status = django_filters.MultipleChoiceFilter(choices=RequestStatus.choices, label="Status")
    core_area = django_filters.ModelChoiceFilter(
        queryset=_core_areas, to_field_name="code", label="Core area"
    )
    site = django_filters.ModelChoiceFilter(
        queryset=_visible_sites, to_field_name="slug", label="Site"
    )
    provider = django_filters.ModelChoiceFilter(
        queryset=_visible_providers, to_field_name="slug", label="Provider"
    )
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, label="Priority")
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="Submitted on or after"
    )
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="Submitted on or before"
    )
    overdue_triage = django_filters.BooleanFilter(
        method="filter_overdue_triage", label="Past the triage target"
    )

    class Meta:
        model = TTARequest
        fields = [
            "status",
            "core_area",
            "site",
            "provider",
            "priority",
            "created_after",
            "created_before",
            "overdue_triage",
        ]

    def filter_overdue_triage(self, queryset, name, value):
        overdue = triage_overdue_q(today=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
