"""The filters of the TTA request list, shared by the triage queue page and the API."""

from __future__ import annotations

import django_filters
from django.utils import timezone

from psp.filters import IntegerFilter, IsoDateTimeFilter
from sites.models import CoreArea, Site
from tta.choices import DeliveryMode, Priority, RequestStatus
from tta.models import TTADelivery, TTAProvider, TTARequest
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
    # For API clients syncing incrementally (not shown on the queue page).
    updated_since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

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
            "updated_since",
        ]

    def filter_overdue_triage(self, queryset, name, value):
        overdue = triage_overdue_q(today=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class TTADeliveryFilterSet(django_filters.FilterSet):
    request = IntegerFilter(field_name="request_id")
    site = django_filters.CharFilter(field_name="request__site__slug")
    mode = django_filters.ChoiceFilter(choices=DeliveryMode.choices)
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = TTADelivery
        fields = ["request", "site", "mode", "date_after", "date_before"]


class TTAProviderFilterSet(django_filters.FilterSet):
    class Meta:
        model = TTAProvider
        fields = ["active"]
