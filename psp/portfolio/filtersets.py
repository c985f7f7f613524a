"""Filters of the site-status feed (shared with the portfolio pages)."""

import datetime

import django_filters as filters
from django import forms
from django.utils import timezone

from liaisons.filtersets import liaison_choice_filter
from liaisons.models import Liaison
from psp.filters import FastSelect, IntegerFilter, IsoDateTimeFilter, SearchableFilterSet
from sites.choices import EngagementStatus, Phase
from sites.filtersets import SiteFilterSet
from sites.models import Engagement, Site
from tta.choices import OPEN_REQUEST_STATUSES
from tta.models import TTARequest


def start_of_today() -> datetime.datetime:
    today = timezone.localdate()
    return timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))


def sites_with_open_requests_in(queryset, name, value):
    """Sites with an open TTA request in the core area `value` (its code): the one rule behind
    the `core_area` filter of the status feed, the dashboard and the sites export."""
    return queryset.filter(
        pk__in=TTARequest.objects.filter(
            core_area__code=value, status__in=OPEN_REQUEST_STATUSES
        ).values("site")
    )


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
        method=sites_with_open_requests_in, label="Core area code of an open TTA request"
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
            # A liaison's id (the feed) or the liaison (the dashboard's choice).
            pk__in=Engagement.objects.filter(assignments__liaison=value).values("site")
        )


def _select():
    return FastSelect(attrs={"class": "usa-select"})


def _core_area_choices():
    from sites.models import CoreArea

    return list(CoreArea.objects.order_by("order", "code").values_list("code", "name"))


class PortfolioFilterSet(SearchableFilterSet, SiteStatusFilterSet):
    """The dashboard's filters, in the URL. They choose the sites every widget counts; the core
    area also narrows the TTA pipeline to that area. Only coordinators use the dashboard, so
    the liaison choices are every liaison (searchable past a hundred) and the core-area
    choices the whole list."""

    phase = filters.ChoiceFilter(
        choices=Phase.choices,
        method="filter_current_phase",
        label="Phase",
        empty_label="Any phase",
        widget=_select(),
    )
    status = filters.ChoiceFilter(
        choices=EngagementStatus.choices,
        method="filter_current_status",
        label="Status",
        empty_label="Any status",
        widget=_select(),
    )
    state = filters.CharFilter(
        field_name="state",
        lookup_expr="iexact",
        label="State",
        widget=forms.TextInput(attrs={"class": "usa-input", "maxlength": 2}),
    )
    cohort = IntegerFilter(
        field_name="cohort_year",
        label="Cohort",
        widget=forms.NumberInput(attrs={"class": "usa-input"}),
    )
    liaison = liaison_choice_filter(
        Liaison.objects.order_by("user__last_name", "user__first_name", "pk"),
        method="filter_liaison",
        empty_label="Any liaison",
    )
    core_area = filters.ChoiceFilter(
        choices=_core_area_choices,
        method=sites_with_open_requests_in,
        label="Core area",
        empty_label="Any core area",
        widget=_select(),
    )

    updated_since = None  # for API clients syncing the status feed, not for people

    class Meta:
        model = Site
        fields = ["phase", "status", "state", "cohort", "liaison", "core_area"]

    # Both read the sites' stored status rows, made current by `site_status_rows_refresh`.
    def filter_current_phase(self, queryset, name, value):
        return queryset.filter(status_row__phase=value)

    def filter_current_status(self, queryset, name, value):
        # The status of the site's current engagement (open first, else the latest), the
        # one the dashboard counts, rather than "any engagement ever had this status".
        return queryset.filter(status_row__engagement_status=value)


class SiteExportFilterSet(SiteFilterSet):
    """The sites list's filters plus the dashboard's core area, so "Download" on a filtered
    dashboard exports exactly the sites its widgets count."""

    core_area = filters.CharFilter(
        method=sites_with_open_requests_in, label="Core area code of an open TTA request"
    )
