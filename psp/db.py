"""Database helpers that work on both SQLite and PostgreSQL: expressions, and queries compiled
once."""

from __future__ import annotations

import io
import pickle
from collections import OrderedDict
from collections.abc import Callable

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Aggregate, CharField, Count, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable
from django.db.models.sql import Query
from django.dispatch import receiver
from django.utils import timezone


class GroupConcat(Aggregate):
    """Joins the values of a group into one string, e.g. a visit's core-area names.

    PostgreSQL spells it STRING_AGG and SQLite GROUP_CONCAT; aggregating in SQL keeps exports
    and lists at one query however many rows they have.
    """

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, '; ')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


class IntCount(Count):
    """COUNT(...) as the database returns it. SQLite and PostgreSQL both return a Python int,
    so Django's int() converter, applied to every row of a grouped read, is skipped (a status
    feed page reads about 1,900 counts)."""

    @property
    def convert_value(self):
        return self._convert_value_noop


COMPILED_ATTRIBUTE = "_psp_compiled_queries"


class CompiledQuery:
    """A read of fixed shape, compiled to SQL once per database connection and then run with
    new parameter values: building and compiling a queryset is Python work that costs more than
    a small indexed read itself (the API token that every API request reads, the next steps of
    a page of visits: docs/benchmarks.md).

    `build(*placeholders)` returns a `values_list()` queryset with each placeholder where a value
    goes. Placeholders are strings for `kind=str` (text values) and negative integers below
    INT_PLACEHOLDER for `kind=int` (ids), so they reach the compiled parameters unchanged; each
    must appear there exactly once (checked when compiling; any other parameter is a constant
    of the query and kept). With `parameters=None` the read takes any number of values (an
    `__in` list) and is compiled once per number. Rows come back as tuples, through the same
    converters `values_list()` applies (SQLite's text timestamps become datetimes).

    The SQL, the parameter positions and the compiler are kept on the connection object (one
    per thread), so they are never shared between threads and go when the connection goes."""

    def __init__(
        self, build: Callable[..., QuerySet], *, parameters: int | None, kind: type = str
    ) -> None:
        if kind not in (str, int):
            raise TypeError("placeholders stand for text or integer values")
        self._build = build
        self._parameters = parameters
        self._kind = kind

    def rows(self, *values, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        if self._parameters is not None and len(values) != self._parameters:
            raise TypeError(f"expected {self._parameters} values, got {len(values)}")
        if not all(type(value) is self._kind for value in values):
            raise TypeError(f"the values must be of type {self._kind.__name__}")
        if not values and self._parameters is None:
            return []  # an empty `__in` list matches nothing (the ORM runs no query either)
        connection = connections[using]
        kept = connection.__dict__.setdefault(COMPILED_ATTRIBUTE, {})
        key = (self, len(values))
        compiled = kept.get(key)
        if compiled is None:
            compiled = kept[key] = self._compile(connection, len(values))
        compiler, sql, slots, constants, converters = compiled
        params = [
            values[slot] if slot is not None else constants[i] for i, slot in enumerate(slots)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            return [tuple(row) for row in compiler.apply_converters(rows, converters)]
        return rows

    def _compile(self, connection, count: int):
        if self._kind is str:
            placeholders = [f"\x00psp-compiled-query-parameter-{i}\x00" for i in range(count)]
        else:
            placeholders = [INT_PLACEHOLDER - i for i in range(count)]
        queryset = self._build(*placeholders)
        if not issubclass(queryset._iterable_class, ValuesListIterable):
            raise TypeError("CompiledQuery builds a values_list() queryset")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots = [
            placeholders.index(p) if type(p) is self._kind and p in placeholders else None
            for p in params
        ]
        if sorted(s for s in slots if s is not None) != list(range(count)):
            raise ValueError("each placeholder must appear in the compiled query exactly once")
        converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        return compiler, sql, slots, list(params), converters


def concrete_attnames(model) -> list[str]:
    """The columns `Model.from_db` takes, in its order: read them first in a CompiledQuery
    whose rows `instances_from_rows` makes into instances."""
    return [field.attname for field in model._meta.concrete_fields]


def instances_from_rows(model, rows, extra: tuple[str, ...] = ()) -> list:
    """Instances of `model`, as the ORM builds them (`from_db`), from rows that hold every
    concrete field (`concrete_attnames`) followed by the values named `extra` (annotations,
    set as attributes)."""
    names = concrete_attnames(model)
    width = len(names)
    instances = []
    for row in rows:
        instance = model.from_db(DEFAULT_DB_ALIAS, names, row[:width])
        for name, value in zip(extra, row[width:], strict=True):
            setattr(instance, name, value)
        instances.append(instance)
    return instances


# Integer placeholders: no id is negative, and these stay within a 32-bit integer column.
INT_PLACEHOLDER = -1_000_000_000


MEMO_ATTRIBUTE = "_psp_compiled_once"
BUILT_ATTRIBUTE = "_psp_built_once"
MEMO_SIZE = 64


def compiled_once(queryset: QuerySet) -> QuerySet:
    """The queryset, and every queryset made from it (filtered, ordered, sliced, `values()`),
    with its SQL compiled once per connection for each state of its query.

    Building a list's query is cheap next to compiling it (a third of an API page's Python
    time: docs/benchmarks.md), and a busy list asks for the same query over and over. The
    compiled SQL, its parameters and the compiler (which maps the rows to instances) are kept
    under the pickled query: the whole state the SQL is compiled from, values included, so
    two queries share an entry only if the ORM would compile them the same. The other inputs
    of a compile, the database and the active time zone (for date functions), are part of the
    key too. Each connection object (one per thread) keeps its own entries, the most recently
    used MEMO_SIZE of them, and they go with it. Nothing read is kept: every evaluation runs
    the query."""
    clone = queryset._chain()
    clone.query.__class__ = _CompiledOnceQuery
    return clone


class _CompiledOnceQuery(Query):
    def get_compiler(self, using=None, connection=None, elide_empty=True):
        if self.subquery:  # compiled with (and kept in) the query that contains it
            return super().get_compiler(using, connection, elide_empty)
        state = query_state(self)
        if state is None:
            return super().get_compiler(using, connection, elide_empty)
        key = (elide_empty, timezone.get_current_timezone_name(), state)
        if connection is None:
            connection = connections[using]
        memo = connection.__dict__.setdefault(MEMO_ATTRIBUTE, OrderedDict())
        kept = memo.get(key)
        if kept is not None:
            memo.move_to_end(key)
            return kept
        compiler = super().get_compiler(using, connection, elide_empty)
        try:
            sql, params = compiler.as_sql()
        except (EmptyResultSet, FullResultSet):
            return compiler  # the ORM answers these without SQL; leave it to it
        compiler.as_sql = _compiled_sql(compiler.as_sql, sql, params)
        memo[key] = compiler
        if len(memo) > MEMO_SIZE:
            memo.popitem(last=False)
        return compiler


def query_state(query: Query) -> bytes | None:
    """The whole state of a query as bytes (pickled), or None if it holds something that
    cannot be pickled (a local function) or should not be (a queryset: pickling runs it)."""
    out = io.BytesIO()
    try:
        _StatePickler(out, pickle.HIGHEST_PROTOCOL).dump(query)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return out.getvalue()


class _StatePickler(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, QuerySet):
            raise pickle.PicklingError("a queryset would be evaluated")
        return NotImplemented


def built_once(queryset: QuerySet, build: Callable[[QuerySet], QuerySet]) -> QuerySet:
    """`build(queryset)`, built once per connection for each state of the queryset's query.

    For a step that only adds to a query what depends on nothing but the query (annotations
    with subqueries, whose resolving costs more than running them: docs/benchmarks.md):
    `build` must be a function of its argument alone, always the same function (kept in the
    key). Returns a new clone each time; the kept queryset is never evaluated. Querysets with
    prefetches, `values()` or a result cache are built every time."""
    if (
        queryset._result_cache is not None
        or queryset._prefetch_related_lookups
        or queryset._iterable_class is not ModelIterable
        or queryset._fields
    ):
        return build(queryset)
    state = query_state(queryset.query)
    if state is None:
        return build(queryset)
    key = (build, queryset.db, type(queryset), state)
    memo = connections[queryset.db].__dict__.setdefault(BUILT_ATTRIBUTE, OrderedDict())
    kept = memo.get(key)
    if kept is None:
        kept = memo[key] = build(queryset)
        if len(memo) > MEMO_SIZE:
            memo.popitem(last=False)
    else:
        memo.move_to_end(key)
    return kept._chain()


@receiver(setting_changed)
def _forget_compiled_queries(**kwargs) -> None:
    """Settings change in tests only, and a compile may read some (USE_TZ, TIME_ZONE)."""
    for connection in connections.all(initialized_only=True):
        for attribute in (MEMO_ATTRIBUTE, BUILT_ATTRIBUTE, COMPILED_ATTRIBUTE):
            connection.__dict__.pop(attribute, None)


def _compiled_sql(as_sql, sql: str, params):
    def compiled(with_limits=True, with_col_aliases=False):
        if with_limits and not with_col_aliases:  # what execute_sql asks for
            return sql, params
        return as_sql(with_limits, with_col_aliases)

    return compiled
