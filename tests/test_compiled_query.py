"""`CompiledQuery` must return what its queryset returns, for any values, compiling only once
per connection."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from psp.accounts.models import ApiToken
from psp.db import CompiledQuery
from tests import factories

pytestmark = pytest.mark.django_db


def tokens_named(name, prefix):
    return (
        ApiToken.objects.filter(name=name, prefix__gte=prefix, read_only=True)
        .order_by("pk")
        .values_list("pk", "name", "prefix", "created_at", "expires_at", "user__username")
    )


def test_it_returns_the_rows_of_its_queryset_for_every_value():
    expires = timezone.now() + datetime.timedelta(days=3)
    for name in ["alpha", "alpha", "beta", "it's 'quoted' %s"]:
        factories.ApiTokenFactory(name=name, read_only=True, expires_at=expires)
    factories.ApiTokenFactory(name="alpha", read_only=False)  # the constant filter drops it
    read = CompiledQuery(tokens_named, parameters=2)
    for name in ["alpha", "beta", "it's 'quoted' %s", "nobody"]:
        for prefix in ["", "psp_", "zzz"]:
            rows = read.rows(name, prefix)
            assert rows == list(tokens_named(name, prefix)), (name, prefix)
    rows = read.rows("alpha", "")
    assert len(rows) == 2
    # Timestamps come back as aware datetimes on every database (SQLite stores text).
    assert rows[0][3].tzinfo is not None
    assert rows[0][4] == expires


def test_it_compiles_once_per_connection():
    built = []

    def build(name):
        built.append(name)
        return ApiToken.objects.filter(name=name).values_list("pk")

    read = CompiledQuery(build, parameters=1)
    token = factories.ApiTokenFactory(name="one")
    assert read.rows("one") == [(token.pk,)]
    with CaptureQueriesContext(connection) as captured:
        assert read.rows("two") == []
    assert len(built) == 1
    assert len(captured.captured_queries) == 1
    # Kept on the connection object: another thread's connection compiles its own.
    assert (read, 1) in connection._psp_compiled_queries


def test_it_refuses_a_value_the_query_would_change_or_a_wrong_number_of_values():
    contains = CompiledQuery(
        lambda name: ApiToken.objects.filter(name__contains=name).values_list("pk"),
        parameters=1,
    )
    with pytest.raises(ValueError, match="exactly once"):
        contains.rows("x")
    instances = CompiledQuery(lambda name: ApiToken.objects.filter(name=name), parameters=1)
    with pytest.raises(TypeError, match="values_list"):
        instances.rows("x")
    with pytest.raises(TypeError, match="expected 1"):
        CompiledQuery(tokens_named, parameters=1).rows("x", "y")
    with pytest.raises(TypeError, match="type int"):
        CompiledQuery(tokens_of_users, parameters=None, kind=int).rows(1, "2")


def tokens_of_users(*user_ids):
    return (
        ApiToken.objects.filter(user_id__in=user_ids, read_only=True)
        .order_by("pk")
        .values_list("pk", "user__username", "created_at")
    )


def test_a_read_of_any_number_of_ids_is_what_its_queryset_reads():
    tokens = [factories.ApiTokenFactory(read_only=True) for _ in range(4)]
    factories.ApiTokenFactory(user=tokens[0].user, read_only=False)  # the constant drops it
    users = [token.user_id for token in tokens]
    read = CompiledQuery(tokens_of_users, parameters=None, kind=int)
    for ids in [users, users[:1], users[1:3], [users[2], users[0]], [-1, users[3]], []]:
        for _ in range(2):
            assert read.rows(*ids) == list(tokens_of_users(*ids)), ids
    # Compiled once per number of ids.
    assert {count for key, count in connection._psp_compiled_queries if key is read} == {
        4,
        1,
        2,
    }


def fields_of(instance) -> dict:
    return {k: v for k, v in vars(instance).items() if k != "_state"}


def test_instances_from_rows_are_the_instances_the_orm_builds():
    from django.db.models import Count, Max

    from psp.db import concrete_attnames, instances_from_rows
    from sites.models import Engagement

    for _ in range(3):
        factories.MilestoneFactory()
    annotated = Engagement.objects.order_by("pk").annotate(
        count=Count("milestones"), latest=Max("milestones__due_date")
    )
    rows = annotated.values_list(*concrete_attnames(Engagement), "count", "latest")

    built = instances_from_rows(Engagement, list(rows), ("count", "latest"))

    expected = list(annotated)
    assert [fields_of(e) for e in built] == [fields_of(e) for e in expected]
    assert all(not e._state.adding and e._state.db == "default" for e in built)


def test_the_status_reads_of_engagements_and_liaisons_are_the_orms():
    from psp.portfolio import selectors
    from sites.models import Engagement

    today = timezone.localdate()
    assignments = [factories.AssignmentFactory() for _ in range(3)]
    for assignment in assignments:
        factories.MilestoneFactory(engagement=assignment.engagement, due_date=today)
    ids = [a.engagement_id for a in assignments]

    engagements = selectors._engagements_with_counts(ids, today=today)
    liaisons = selectors._liaisons_with_users({a.liaison_id for a in assignments})

    for assignment in assignments:
        engagement = engagements[assignment.engagement_id]
        assert type(engagement) is Engagement
        assert fields_of(engagement) == {
            **fields_of(assignment.engagement),
            "milestones_done": 0,
            "milestones_open": 1,
            "milestones_overdue": 0,
            "next_due_date": today,
            "next_due_title": engagement.milestones.get().title,
            "primary_liaison_id": assignment.liaison_id,
        }
        liaison = liaisons[assignment.liaison_id]
        assert fields_of(liaison) == fields_of(assignment.liaison)
        assert fields_of(liaison.user) == fields_of(assignment.liaison.user)


def test_int_count_reads_counts_without_a_converter():
    from django.db.models import Count

    from psp.db import IntCount
    from sites.models import Engagement

    factories.MilestoneFactory()
    fast = Engagement.objects.annotate(n=IntCount("milestones")).values_list("n", flat=True)
    slow = Engagement.objects.annotate(n=Count("milestones")).values_list("n", flat=True)

    assert list(fast) == list(slow) == [1]
    assert type(fast[0]) is int
    compiler = fast.query.get_compiler(using="default")
    compiler.setup_query()
    assert compiler.get_converters([s[0] for s in compiler.select]) == {}
