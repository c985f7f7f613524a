"""A paginator whose count stops at a cap, for lists that can grow without bound."""

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """Counts at most `cap` rows (`SELECT count(*) FROM (... LIMIT cap + 1)`), so a page costs
    the same with 50,000 visits or 500,000 (make bench); beyond the cap the list says "10,000+"
    and the filters narrow it. `is_capped` tells a template to add the "+"."""

    def __init__(self, object_list, per_page, *, cap: int = 10_000, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def _counted(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def is_capped(self) -> bool:
        return self._counted > self.cap
