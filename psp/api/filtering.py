"""The filter backend of every list (django-filter's, without its work when nothing filters)."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend

# Query parameters of pagination and ordering, never of a filterset (checked below anyway).
NOT_FILTERS = frozenset({"page", "page_size", "cursor", "ordering", "format"})


class FilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend, except that a request with no filter parameter gets the queryset
    as it is, without building and validating a form of empty values: the result is the same
    (django-filter leaves a queryset untouched for an empty value; a filterset with a
    required filter still goes through the form), and the busiest reads (first pages, the
    status feed) send no filter."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        params = request.query_params.keys()
        filters = filterset_class.base_filters
        if (
            params <= NOT_FILTERS
            and not any(f.extra.get("required") for f in filters.values())
            and not any(_names_parameter(name, param) for name in filters for param in params)
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


def _names_parameter(filter_name: str, param: str) -> bool:
    """Whether a filter (or one of its suffixed range fields, `<name>_after`) reads `param`."""
    return param == filter_name or param.startswith(filter_name + "_")
