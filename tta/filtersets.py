"""Filters shared by the HTML lists and the API (DESIGN.md §4)."""

import django_filters as filters

from psp.filters import IntegerFilter, IsoDateTimeFilter
from tta.choices import DeliveryMode, Priority, RequestStatus
from tta.models import TTADelivery, TTAProvider, TTARequest


class TTARequestFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RequestStatus.choices)
    core_area = filters.CharFilter(field_name="core_area__code")
    site = filters.CharFilter(field_name="site__slug")
    provider = filters.CharFilter(field_name="provider__slug")
    priority = filters.ChoiceFilter(choices=Priority.choices)
    created_after = filters.DateFilter(field_name="created_at__date", lookup_expr="gte")
    created_before = filters.DateFilter(field_name="created_at__date", lookup_expr="lte")
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
            "updated_since",
        ]


class TTADeliveryFilterSet(filters.FilterSet):
    request = IntegerFilter(field_name="request_id")
    site = filters.CharFilter(field_name="request__site__slug")
    mode = filters.ChoiceFilter(choices=DeliveryMode.choices)
    date_after = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = TTADelivery
        fields = ["request", "site", "mode", "date_after", "date_before"]


class TTAProviderFilterSet(filters.FilterSet):
    class Meta:
        model = TTAProvider
        fields = ["active"]
