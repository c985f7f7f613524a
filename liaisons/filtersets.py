"""Filters shared by the HTML lists and the API (DESIGN.md §4)."""

import django_filters as filters

from liaisons.choices import AssignmentRole, VisitStatus
from liaisons.models import Assignment, Liaison, SiteVisit
from psp.filters import IntegerFilter, IsoDateTimeFilter


class SiteVisitFilterSet(filters.FilterSet):
    site = filters.CharFilter(field_name="site__slug")
    liaison = IntegerFilter(field_name="liaison_id")
    status = filters.ChoiceFilter(choices=VisitStatus.choices)
    core_area = filters.CharFilter(method="filter_core_area", label="Core area code")
    date_after = filters.DateFilter(field_name="start_date", lookup_expr="gte")
    date_before = filters.DateFilter(field_name="start_date", lookup_expr="lte")
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
        # A subquery rather than a join, so a visit touching several areas appears once.
        return queryset.filter(
            pk__in=SiteVisit.core_areas.through.objects.filter(corearea__code=value).values(
                "sitevisit_id"
            )
        )


class LiaisonFilterSet(filters.FilterSet):
    class Meta:
        model = Liaison
        fields = ["active"]


class AssignmentFilterSet(filters.FilterSet):
    site = filters.CharFilter(field_name="engagement__site__slug")
    liaison = IntegerFilter(field_name="liaison_id")
    engagement = IntegerFilter(field_name="engagement_id")
    role = filters.ChoiceFilter(choices=AssignmentRole.choices)
    current = filters.BooleanFilter(field_name="end_date", lookup_expr="isnull")

    class Meta:
        model = Assignment
        fields = ["site", "liaison", "engagement", "role", "current"]
