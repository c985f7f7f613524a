"""`compiled_once` and `built_once` (psp.db) must read what the ORM reads, for every list, user
and value, and compile (or build) each query once."""

import datetime
from unittest import mock

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.functions import TruncDate, Upper
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from psp.db import BUILT_ATTRIBUTE, MEMO_ATTRIBUTE, MEMO_SIZE, built_once, compiled_once
from sites.models import Site
from sites.selectors import site_list_for
from tests import factories

pytestmark = pytest.mark.django_db


def memo():
    return connections[DEFAULT_DB_ALIAS].__dict__.get(MEMO_ATTRIBUTE, {})


def fields(site):
    """Every value an instance was given: its fields and annotations."""
    return {name: value for name, value in vars(site).items() if not name.startswith("_")}


def reads(queryset):
    """Every way a list reads a queryset: rows, a page, values, a count and an existence."""
    first = queryset.first()
    return (
        [fields(site) for site in queryset],
        [fields(site) for site in queryset[1:3]],
        list(queryset.values("pk", "name")),
        list(queryset.values_list("pk", flat=True)),
        queryset.count(),
        queryset.exists(),
        fields(first) if first is not None else None,
    )


def site_lists(user):
    """The sites lists of the API, as the viewsets build them, for one user."""
    base = site_list_for(user=user, current_dates=False).order_by("name", "state", "id")
    return [
        base,
        base.filter(current_phase="operations"),
        base.filter(state__iexact="tx").order_by("-cohort_year", "id"),
        base.filter(pk__in=[]),
        Site.objects.visible_to(user).annotate(day=TruncDate("created_at")).order_by("pk"),
    ]


def test_what_the_memo_reads_is_what_the_orm_reads(world):
    factories.SiteFactory(state="TX", cohort_year=2020)
    for user in world.users.values():
        for queryset in site_lists(user):
            expected = reads(queryset)
            assert reads(compiled_once(queryset)) == expected  # compiled
            assert reads(compiled_once(queryset)) == expected  # from the memo
    assert memo()
    # Nothing read is kept: a new row is read on the next evaluation.
    new = factories.SiteFactory(name="Zulu", state="TX")
    queryset = site_lists(world.coordinator)[2]
    assert new in list(compiled_once(queryset))
    assert any("current_phase" in fields(site) for site in compiled_once(queryset))


def test_queries_that_differ_only_in_a_value_do_not_share_sql(world):
    a, b = world.a, world.b
    for _ in range(2):
        assert list(compiled_once(Site.objects.filter(pk=a.pk))) == [a]
        assert list(compiled_once(Site.objects.filter(pk=b.pk))) == [b]
    liaison, other = world.l1.user, world.l2.user
    for _ in range(2):
        assert list(compiled_once(Site.objects.visible_to(liaison))) == [a]
        assert list(compiled_once(Site.objects.visible_to(other))) == [b]


def test_an_equal_query_is_compiled_once(world):
    queryset = site_lists(world.coordinator)[0]
    expected = list(queryset)
    assert list(compiled_once(queryset)) == expected
    size = len(memo())
    with mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("compiled again")):
        assert list(compiled_once(queryset)) == expected
    assert len(memo()) == size


def test_the_time_zone_is_part_of_the_key(world):
    queryset = Site.objects.annotate(day=TruncDate("created_at")).values_list("day", flat=True)
    Site.objects.update(created_at=datetime.datetime(2026, 3, 15, 23, 30, tzinfo=datetime.UTC))
    for zone in ["UTC", "Pacific/Kiritimati", "UTC"]:
        with timezone.override(zone):
            assert list(compiled_once(queryset)) == list(queryset.all())
    with timezone.override("Pacific/Kiritimati"):
        assert set(compiled_once(queryset)) == {datetime.date(2026, 3, 16)}


def test_the_memo_keeps_the_most_recently_used_queries_only(world, settings):
    for pk in range(MEMO_SIZE + 5):
        list(compiled_once(Site.objects.filter(pk=pk)))
    assert len(memo()) == MEMO_SIZE
    settings.USE_THOUSAND_SEPARATOR = True  # any change of settings forgets them
    assert not memo()


# --- built_once -----------------------------------------------------------------------------


def test_a_build_is_kept_per_state_of_the_query_and_never_evaluated(world):
    calls = []

    def named(sites):
        calls.append(sites)
        return sites.annotate(label=Upper("name")).order_by("name")

    liaison = world.l1.user
    for _ in range(3):
        every = built_once(Site.objects.visible_to(world.coordinator), named)
        assigned = built_once(Site.objects.visible_to(liaison), named)
        assert [(s.name, s.label) for s in every] == [("Alpha", "ALPHA"), ("Bravo", "BRAVO")]
        assert [s.label for s in assigned] == ["ALPHA"]
        assert [s.label for s in every.filter(name="Bravo")] == ["BRAVO"]
    assert len(calls) == 2  # one per visibility
    kept = connections[DEFAULT_DB_ALIAS].__dict__[BUILT_ATTRIBUTE].values()
    assert all(queryset._result_cache is None for queryset in kept)


def test_querysets_with_more_than_a_query_are_built_every_time(world):
    calls = []

    def build(sites):
        calls.append(sites)
        return sites.order_by("name")

    evaluated = Site.objects.all()
    list(evaluated)
    for queryset in [
        evaluated,
        Site.objects.prefetch_related("engagements"),
        Site.objects.values("pk"),
    ]:
        built_once(queryset, build)
        built_once(queryset, build)
    assert len(calls) == 6
