"""Site status over REST: one site (`/sites/{slug}/status/`) and the incremental feed."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.filters import OrderingFilter

from psp.api.conditional import conditional_response
from psp.portfolio.api.pagination import SiteStatusCursorPagination
from psp.portfolio.api.serializers import FastSiteStatusSerializer, SiteStatusSerializer
from psp.portfolio.filtersets import SiteStatusFilterSet
from psp.portfolio.selectors import (
    site_status_annotate,
    site_status_build,
    site_status_get_for,
    site_status_queryset,
)


class SiteStatusDetail(generics.GenericAPIView):
    serializer_class = SiteStatusSerializer
    filter_backends = []
    pagination_class = None

    def get_queryset(self):
        return site_status_queryset(user=self.request.user)

    @extend_schema(operation_id="sites_status_retrieve")
    def get(self, request, slug: str):
        """Where one site stands today: phase, milestones, visits, open TTA, at-risk reasons."""
        status = site_status_get_for(user=request.user, slug=slug, today=timezone.localdate())
        return conditional_response(request, FastSiteStatusSerializer(status).data)


class SiteStatusFeed(generics.ListAPIView):
    """Every site's status, for incremental sync: pass `updated_since` (the
    `next_updated_since` of your last sync) and follow `next` until it is null."""

    serializer_class = SiteStatusSerializer
    filterset_class = SiteStatusFilterSet
    pagination_class = SiteStatusCursorPagination
    # The order is the cursor's (site id): the feed must not be re-ordered by the client.
    filter_backends = [
        backend
        for backend in generics.ListAPIView.filter_backends
        if not issubclass(backend, OrderingFilter)
    ]

    def get_queryset(self):
        return site_status_queryset(user=self.request.user)

    def list(self, request, *args, **kwargs):
        today = timezone.localdate()
        sites = site_status_annotate(self.filter_queryset(self.get_queryset()), today=today)
        statuses = site_status_build(self.paginate_queryset(sites), today=today)
        # Plain dictionaries from one serializer, not `many=True`: a list serializer is a
        # reference cycle (child and parent) holding every status of the page, which only
        # the garbage collector could free; a feed of 50 pages then paid ~100 ms full
        # collections (docs/benchmarks.md). The statuses go as soon as this returns.
        representation = FastSiteStatusSerializer().to_representation
        return self.get_paginated_response([representation(status) for status in statuses])
