from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import IntegerField, QuerySet, Subquery
from django.db.models.query import ModelIterable
from rest_framework import pagination

from psp.db import built_once

TOTAL = "_paginator_total"
MAX_OFFSET = 2**31 - 1


class _CountOf(Subquery):
    """`(SELECT COUNT(*) FROM (<queryset>))`: the number of rows of an uncorrelated queryset,
    as a column of another query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _paginator_total)"
    output_field = IntegerField()


def _with_total(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(**{TOTAL: _CountOf(queryset.order_by().values("pk"))})


class CountInPageQueryPaginator(Paginator):
    """Django's Paginator, reading a page and the total count in one statement: the page query
    carries `(SELECT count(*) FROM (<the same query>))` as a column, as a hand-written query
    would, instead of a second round trip for the count. (A page past the end has no row to
    carry the count: it is the same "no results" error, without counting.)

    Falls back to Django's two queries whenever the shortcut could differ: a count already
    read (`?page=last`), lists that are not querysets of model instances, grouped, distinct,
    combined or sliced querysets, orphans, no empty first page, or an offset beyond
    MAX_OFFSET."""

    def page(self, number):
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if (
            "count" in self.__dict__
            or not isinstance(queryset, QuerySet)
            or not issubclass(queryset._iterable_class, ModelIterable)
            or query.group_by is not None
            or query.distinct
            or query.combinator
            or query.is_sliced
            or self.orphans
            or not self.allow_empty_first_page
        ):
            return super().page(number)
        number = self._page_number(number)
        bottom = (number - 1) * self.per_page
        if bottom > MAX_OFFSET:  # past any real list; the database may not take the offset
            return super().page(number)
        counted = built_once(queryset, _with_total)
        rows = list(counted[bottom : bottom + self.per_page])
        if not rows:
            if number > 1:
                raise EmptyPage(self.error_messages["no_results"])
            self.__dict__["count"] = 0
        else:
            self.__dict__["count"] = getattr(rows[0], TOTAL)
            for row in rows:
                delattr(row, TOTAL)
        return self._get_page(rows, number, self)

    def _page_number(self, number) -> int:
        """`validate_number` up to its comparison with the number of pages."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`, with M capped (settings.PSP_API_MAX_PAGE_SIZE)."""

    django_paginator_class = CountInPageQueryPaginator
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        return settings.PSP_API_MAX_PAGE_SIZE


class CursorPagination(pagination.CursorPagination):
    """`?cursor=…&page_size=M` for collections that grow without bound (site visits): no total
    count, which would cost a scan of every row on every page, and no row skipped or repeated
    while a client pages through and others add rows. The order is the list's `ordering`
    (or `?ordering=`), with the id as the tie-breaker."""

    page_size = 50
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        return settings.PSP_API_MAX_PAGE_SIZE
