"""Representations written out by hand for speed (docs/benchmarks.md) must stay exactly what
the declared serializer fields write."""

import datetime
from types import SimpleNamespace

import pytest
from rest_framework import serializers

from sites.api.serializers import SiteSerializer
from sites.selectors import site_list_for
from tests import factories


def test_the_site_representation_is_what_the_declared_fields_write(coordinator):
    factories.EngagementFactory(site__announced_on=datetime.date(2024, 5, 1))
    factories.SiteFactory(population=None)
    sites = list(site_list_for(user=coordinator).order_by("pk"))
    assert len(sites) == 2
    for site in sites:
        serializer = SiteSerializer()
        declared = serializers.ModelSerializer.to_representation(serializer, site)
        assert serializer.to_representation(site) == declared


def test_the_fast_timestamp_is_what_drf_writes(settings):
    from django.utils import timezone

    from psp.api.representation import datetime_repr, output_timezone

    field = serializers.DateTimeField()
    values = [
        datetime.datetime(2026, 11, 23, 14, 5, 7, 123456, tzinfo=datetime.UTC),
        datetime.datetime(2026, 7, 1, 3, 0, tzinfo=datetime.UTC),  # summer time
        datetime.datetime(2026, 3, 8, 7, 30, tzinfo=datetime.UTC),  # the change to summer time
        datetime.datetime(2026, 1, 1, 0, 0),  # naive: DRF's own path
        None,
    ]
    for zone in ["America/New_York", "UTC"]:
        with timezone.override(zone):
            for value in values:
                expected = field.to_representation(value) if value is not None else None
                assert datetime_repr(value, output_timezone()) == expected, (zone, value)


@pytest.mark.django_db
def test_pages_carry_the_count_of_every_row_in_one_query():
    from django.core.paginator import EmptyPage, Paginator
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from psp.api.pagination import CountInPageQueryPaginator
    from sites.models import Site

    for _ in range(7):
        factories.SiteFactory()
    queryset = Site.objects.order_by("pk")
    for per_page in [3, 7, 10]:
        pages = -(-7 // per_page)
        for number in range(1, pages + 1):
            fast, django = (
                cls(queryset, per_page) for cls in (CountInPageQueryPaginator, Paginator)
            )
            with CaptureQueriesContext(connection) as captured:
                page = fast.page(number)
                assert (fast.count, fast.num_pages) == (7, pages)
            assert len(captured.captured_queries) == 1
            expected = django.page(number)
            assert list(page) == list(expected)
            assert not hasattr(page[0], "_paginator_total")
            assert (page.has_next(), page.has_previous()) == (
                expected.has_next(),
                expected.has_previous(),
            )
        for number in [pages + 1, 0, -1, "x", 10**30]:
            with pytest.raises(EmptyPage if number != "x" else Exception) as fast_error:
                CountInPageQueryPaginator(queryset, per_page).page(number)
            with pytest.raises(type(fast_error.value)) as django_error:
                Paginator(queryset, per_page).page(number)
            assert str(fast_error.value) == str(django_error.value)
    empty = CountInPageQueryPaginator(Site.objects.none(), 5)
    assert (list(empty.page(1)), empty.count) == ([], 0)
    nothing = CountInPageQueryPaginator(Site.objects.filter(pk=-1), 5)
    assert (list(nothing.page(1)), nothing.count, nothing.num_pages) == ([], 0, 1)


def loaded_visits():
    from django.db.models import Prefetch

    from liaisons.api.views import ACTION_ITEM_ORDER
    from liaisons.models import ActionItem, SiteVisit
    from sites.models import CoreArea

    return list(
        SiteVisit.objects.select_related("site", "liaison__user")
        .prefetch_related(
            Prefetch("core_areas", queryset=CoreArea.objects.order_by("order", "code")),
            Prefetch("action_items", queryset=ActionItem.objects.order_by(*ACTION_ITEM_ORDER)),
        )
        .order_by("pk")
    )


def declared_visit(visit, user):
    """What SiteVisitSerializer's declared fields write for `visit`, read by `user`."""
    from types import SimpleNamespace

    from liaisons.api.serializers import SiteVisitSerializer

    context = {"request": SimpleNamespace(user=user)} if user is not None else {}
    return serializers.ModelSerializer.to_representation(
        SiteVisitSerializer(context=context), visit
    )


@pytest.fixture
def more_visits(coordinator, world):
    """Visits with every optional value set and unset, next steps with and without dates."""
    from django.utils import timezone

    from liaisons.models import SiteVisit
    from sites.models import CoreArea

    visit = factories.SiteVisitFactory(
        end_date=datetime.date(2025, 6, 12), submitted_at=timezone.now(), purpose="Kick-off"
    )
    visit.core_areas.add(*CoreArea.objects.all()[:2])
    factories.ActionItemFactory(visit=visit, owner=coordinator, owner_name="Someone")
    factories.ActionItemFactory(visit=visit, due_date=None, done_on=datetime.date(2025, 7, 2))
    factories.ActionItemFactory(visit=visit, due_date=datetime.date(2025, 1, 2))
    other = factories.SiteVisitFactory(internal_notes="", liaison__user__last_name="")
    SiteVisit.objects.filter(pk=other.pk).update(engagement=None)


@pytest.mark.django_db
def test_the_visit_representation_is_what_the_declared_fields_write(
    coordinator, world, more_visits
):
    from django.utils import timezone

    from liaisons.api.serializers import (
        VISIT_ROW_FIELDS,
        SiteVisitSerializer,
        reads_internal_notes,
        visit_representation,
    )
    from liaisons.api.views import visits_load_lists
    from liaisons.models import SiteVisit

    visits = loaded_visits()
    assert len(visits) >= 5
    # The list's path: rows from `.values()`, core areas and next steps per page.
    rows = list(SiteVisit.objects.order_by("pk").values(*VISIT_ROW_FIELDS))
    visits_load_lists(rows)
    tz = timezone.get_current_timezone()
    for user in [coordinator, world.users["site contact"], None]:
        notes = reads_internal_notes(user)
        for visit, row in zip(visits, rows, strict=True):
            declared = declared_visit(visit, user)
            context = {"request": SimpleNamespace(user=user)} if user is not None else {}
            instance = SiteVisitSerializer(context=context).to_representation(visit)
            listed = visit_representation(row, tz=tz, internal_notes=notes)
            assert instance == declared
            assert listed == declared
            assert list(instance) == list(listed) == list(declared)


@pytest.mark.django_db
@pytest.mark.parametrize("reader", ["coordinator", "site contact"])
def test_the_visits_list_writes_what_the_declared_fields_write(world, more_visits, reader):
    from tests.api.conftest import client_for

    user = world.users[reader]
    results = client_for(user).get("/api/v1/site-visits/?page_size=200").json()["results"]
    visits = {visit.pk: visit for visit in loaded_visits()}
    assert results
    for result in results:
        assert result == declared_visit(visits[result["id"]], user)
    if reader == "site contact":
        assert all(result["internal_notes"] is None for result in results)


@pytest.mark.django_db
def test_the_sites_list_writes_what_the_declared_fields_write(world):
    from tests.api.conftest import client_for

    factories.SiteFactory(population=None)
    results = client_for(world.coordinator).get("/api/v1/sites/").json()["results"]
    sites = {site.pk: site for site in site_list_for(user=world.coordinator)}
    assert len(results) == len(sites) >= 3
    for result in results:
        declared = serializers.ModelSerializer.to_representation(
            SiteSerializer(), sites[result["id"]]
        )
        assert result == declared
