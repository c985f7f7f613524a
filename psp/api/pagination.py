from django.conf import settings
from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`, with M capped (settings.PSP_API_MAX_PAGE_SIZE)."""

    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        return settings.PSP_API_MAX_PAGE_SIZE
