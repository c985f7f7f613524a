"""Database helpers that work on both SQLite and PostgreSQL: expressions, and reads compiled
once."""

from __future__ import annotations

from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Aggregate, CharField, QuerySet
from django.db.models.query import ValuesListIterable


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


COMPILED_ATTRIBUTE = "_psp_compiled_queries"


class CompiledQuery:
    """A read of fixed shape, compiled to SQL once per database connection and then run with
    new parameter values: building and compiling a queryset is Python work that costs more than
    a small indexed read itself (the API token that every API request reads: docs/benchmarks.md).

    `build(*placeholders)` returns a `values_list()` queryset with each placeholder where a value
    goes. Placeholders are strings, so they may stand for text values only, and each must reach
    the compiled parameters unchanged and exactly once (checked when compiling; any other
    parameter is a constant of the query and kept). Rows come back as tuples, through the same
    converters `values_list()` applies (SQLite's text timestamps become datetimes).

    The SQL, the parameter positions and the compiler are kept on the connection object (one
    per thread), so they are never shared between threads and go when the connection goes."""

    def __init__(self, build: Callable[..., QuerySet], *, parameters: int) -> None:
        self._build = build
        self._parameters = parameters

    def rows(self, *values: str, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        if len(values) != self._parameters:
            raise TypeError(f"expected {self._parameters} values, got {len(values)}")
        connection = connections[using]
        kept = connection.__dict__.setdefault(COMPILED_ATTRIBUTE, {})
        compiled = kept.get(self)
        if compiled is None:
            compiled = kept[self] = self._compile(connection)
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

    def _compile(self, connection):
        placeholders = [
            f"\x00psp-compiled-query-parameter-{i}\x00" for i in range(self._parameters)
        ]
        queryset = self._build(*placeholders)
        if not issubclass(queryset._iterable_class, ValuesListIterable):
            raise TypeError("CompiledQuery builds a values_list() queryset")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots = [placeholders.index(p) if p in placeholders else None for p in params]
        if sorted(s for s in slots if s is not None) != list(range(self._parameters)):
            raise ValueError("each placeholder must appear in the compiled query exactly once")
        converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        return compiler, sql, slots, list(params), converters
