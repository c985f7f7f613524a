"""Filters of the site-status feed (shared with the portfolio pages)."""

import datetime

import django_filters as filters
from django.utils import timezone

from psp.filters import IntegerFilter, IsoDateTimeFilter
from sites.choices import EngagementStatus, Phase
from sites.models import Engagement, Site
from tta.choices import OPEN_REQUEST_STATUSES
from tta.models import TTARequest


def start_of_today() -> datetime.datetime:
    today = timezone.localdate()
    return timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))


class SiteStatusFilterSet(filters.FilterSet):
    updated_since = IsoDateTimeFilter(
        method="filter_updated_since",
        label=(
            "Sites whose status may have changed at or after this time (ISO 8601). A time "
            "before today includes every site, because day counts move every day."
        ),
    )
    phase = filters.ChoiceFilter(choices=Phase.choices, method="filter_open_engagement")
    status = filters.ChoiceFilter(choices=EngagementStatus.choices, method="filter_any_engagement")
    state = filters.CharFilter(field_name="state", lookup_expr="iexact")
    cohort = IntegerFilter(field_name="cohort_year")
    liaison = IntegerFilter(method="filter_liaison", label="Liaison id")
    core_area = filters.CharFilter(
        method="filter_core_area", label="Core area code of an open TTA request"
    )

    class Meta:
        model = Site
        fields = ["updated_since", "phase", "status", "state", "cohort", "liaison", "core_area"]

    def filter_updated_since(self, queryset, name, value):
        # Status fields count days (since the last visit, overdue milestones, percent elapsed),
        # so every site's status moves at midnight in the program's time zone.
        if value < start_of_today():
            return queryset
        return queryset.filter(status_changed_at__gte=value)

    def filter_open_engagement(self, queryset, name, value):
        return queryset.filter(pk__in=Engagement.objects.open().filter(phase=value).values("site"))

    def filter_any_engagement(self, queryset, name, value):
        return queryset.filter(pk__in=Engagement.objects.filter(status=value).values("site"))

    def filter_liaison(self, queryset, name, value):
        return queryset.filter(
            pk__in=Engagement.objects.filter(assignments__liaison_id=value).values("site")
        )

    def filter_core_area(self, queryset, name, value):
        return queryset.filter(
            pk__in=TTARequest.objects.filter(
                core_area__code=value, status__in=OPEN_REQUEST_STATUSES
            ).values("site")
        )
