"""A paginator whose count stops at a cap, for lists that can grow without bound."""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import Http404

# Rows counted at most: the count stops after COUNT_CAP + 1 matching rows whether the list holds
# 1,500 visits or 500,000 (make bench: the filtered visits list at scale 1 and 10). Tests patch
# it to a few rows.
COUNT_CAP = 1_000
# The largest OFFSET + LIMIT a database takes (a 64-bit integer); a page beyond is past the end.
_MAX_ROW = 2**63 - 1


class CappedPaginator(Paginator):
    """Counts at most `cap` rows (`SELECT count(*) FROM (... LIMIT cap + 1)`), so a page costs
    the same with 50,000 visits or 500,000.

    Up to the cap it is Django's `Paginator`. Beyond it (`is_capped`) the number of pages is
    unknown (`num_pages` is None) and every row stays reachable: any page number from 1 is
    accepted, and a page reads `per_page + orphans + 1` rows to tell whether another page
    follows (`CappedPage.has_next`). `count` is then a lower bound ("more than 1,000").
    """

    def __init__(self, object_list, per_page, *, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def _counted(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            # Any cap + 1 rows count the same: without the order, the database need not walk
            # the list's index and probe each row's filters in that order (the filtered
            # visits list: 22 ms -> 6 ms at scale 10, docs/benchmarks.md).
            rows = rows.order_by()
        return rows[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self._counted > self.cap

    @cached_property
    def count(self) -> int:
        """Every row when the list is within the cap; the cap (a lower bound) beyond it."""
        return min(self._counted, self.cap)

    @cached_property
    def num_pages(self) -> int | None:
        return None if self.is_capped else super().num_pages

    def validate_number(self, number) -> int:
        if not self.is_capped:
            return super().validate_number(number)
        # Django's checks without the last page, which is unknown: past the end shows as an
        # empty read in `page`.
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number) -> Page:
        if not self.is_capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        # One row beyond what this page may show says whether another page follows.
        top = bottom + self.per_page + self.orphans + 1
        rows = list(self.object_list[bottom:top]) if top <= _MAX_ROW else []
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        has_next = len(rows) > self.per_page + self.orphans
        if has_next:
            rows = rows[: self.per_page]
        return CappedPage(rows, number, self, has_next=has_next)

    def get_page(self, number) -> Page:
        """Django's `get_page` up to the cap (a bad or out-of-range number gives the first or
        last page). Beyond it, a bad number or one below 1 gives the first page, and a number
        past the end raises Http404: the last page is unknown without the count the cap
        avoids, and a link never points there (the last page has no "Next")."""
        if not self.is_capped:
            return super().get_page(number)
        try:
            number = self.validate_number(number)
        except (PageNotAnInteger, EmptyPage):
            number = 1
        try:
            return self.page(number)
        except EmptyPage:
            raise Http404(f"Page {number} is past the end of this list.") from None


class CappedPage(Page):
    """A page of a capped list: it knows whether a next page exists, not how many follow."""

    def __init__(self, object_list, number, paginator, *, has_next: bool):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self) -> bool:
        return self._has_next

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1

    @property
    def more_than(self) -> int | None:
        """How many rows the list is known to exceed ("more than 1,000"); None on the last
        page, where `end_index` is the exact total."""
        if not self._has_next:
            return None
        return max(self.paginator.cap, self.end_index())

    @property
    def elided_page_range(self) -> list[int | str]:
        """The USWDS "unbounded" page numbers: the first page, this page and its neighbours
        that are known to exist, and `Paginator.ELLIPSIS` for a gap and for the pages that may
        follow. On page 10: 1 … 9 10 11 …; on the last page, 8: 1 … 7 8."""
        ellipsis = self.paginator.ELLIPSIS
        around = range(max(self.number - 1, 1), self.number + self._has_next + 1)
        pages: list[int | str] = []
        if around[0] > 1:
            pages.append(1)
        if around[0] > 2:
            pages.append(ellipsis)
        pages.extend(around)
        if self._has_next:
            pages.append(ellipsis)
        return pages

    def __repr__(self) -> str:
        return f"<Page {self.number} of a list of more than {self.paginator.cap}>"
