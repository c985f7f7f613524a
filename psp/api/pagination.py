from django.conf import settings
from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`, with M capped (settings.PSP_API_MAX_PAGE_SIZE)."""

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
