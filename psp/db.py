"""Database expressions that work on both SQLite and PostgreSQL."""

from django.db.models import Aggregate, CharField


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
