"""Filters shared by the HTML lists and the API (DESIGN.md §4)."""

import django_filters as filters

from psp.filters import IntegerFilter, IsoDateTimeFilter
from sites.choices import EngagementStatus, Phase, Program
from sites.models import CoreArea, Engagement, Milestone, Site


class SiteFilterSet(filters.FilterSet):
    """Sites by their current engagement (phase, status), place, cohort and liaison.

    `phase` and `status` read the `current_phase`/`current_status` annotations of
    `sites.selectors.site_list_for`."""

    phase = filters.ChoiceFilter(choices=Phase.choices, field_name="current_phase")
    status = filters.ChoiceFilter(choices=EngagementStatus.choices, field_name="current_status")
    state = filters.CharFilter(field_name="state", lookup_expr="iexact")
    cohort = IntegerFilter(field_name="cohort_year")
    program = filters.ChoiceFilter(choices=Program.choices)
    liaison = IntegerFilter(method="filter_liaison", label="Liaison id (assigned now or before)")
    updated_since = IsoDateTimeFilter(field_name="status_changed_at", lookup_expr="gte")

    class Meta:
        model = Site
        fields = ["phase", "status", "state", "cohort", "program", "liaison", "updated_since"]

    def filter_liaison(self, queryset, name, value):
        return queryset.filter(engagements__assignments__liaison_id=value).distinct()


class EngagementFilterSet(filters.FilterSet):
    site = filters.CharFilter(field_name="site__slug")
    phase = filters.ChoiceFilter(choices=Phase.choices)
    status = filters.ChoiceFilter(choices=EngagementStatus.choices)
    started_after = filters.DateFilter(field_name="start_date", lookup_expr="gte")
    started_before = filters.DateFilter(field_name="start_date", lookup_expr="lte")
    updated_since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Engagement
        fields = ["site", "phase", "status", "started_after", "started_before", "updated_since"]


class MilestoneFilterSet(filters.FilterSet):
    site = filters.CharFilter(field_name="engagement__site__slug")
    engagement = IntegerFilter(field_name="engagement_id")
    completed = filters.BooleanFilter(field_name="completed_on", lookup_expr="isnull", exclude=True)
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")
    updated_since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Milestone
        fields = ["site", "engagement", "completed", "due_after", "due_before", "updated_since"]


class CoreAreaFilterSet(filters.FilterSet):
    class Meta:
        model = CoreArea
        fields = ["active"]
