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
