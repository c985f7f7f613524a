"""What every API viewset shares: visibility first, ETags on details, If-Match on writes."""

from __future__ import annotations

from django.db import transaction
from rest_framework import viewsets
from rest_framework.response import Response

from psp.api.conditional import check_if_match, conditional_response, etag_of
from psp.db import compiled_once


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """List and detail of the rows `visible_to(request.user)`; a row outside it is a 404.

    Subclasses set `model`, `serializer_class`, `filterset_class`, `ordering_fields`,
    `ordering`, and `select_related`/`prefetch_related` (what keeps the query count constant)."""

    model = None
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple = ()
    ordering = None

    def base_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def get_queryset(self):
        queryset = self.base_queryset()
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        if self.ordering:
            queryset = queryset.order_by(*self.ordering)
        if self.action == "list":
            # A list asks for the same few queries over and over (psp.db.compiled_once).
            queryset = compiled_once(queryset)
        return queryset

    def retrieve(self, request, *args, **kwargs):
        return conditional_response(request, self.get_serializer(self.get_object()).data)

    def representation(self, instance) -> dict:
        return self.get_serializer(instance).data

    def write_with_if_match(self, write):
        """Lock the visible object, check If-Match against what the client would read now,
        call `write(locked_instance)`, and answer with the fresh representation and ETag."""
        with transaction.atomic():
            instance = self.get_object()
            # The lock makes check-then-write one step on PostgreSQL (no-op on SQLite, where
            # the transaction already serializes writers).
            list(self.model.objects.select_for_update().filter(pk=instance.pk).values("pk"))
            instance = self.get_object()
            check_if_match(self.request, self.representation(instance))
            write(instance)
        data = self.representation(self.get_object())
        return Response(data, headers={"ETag": etag_of(data)})
