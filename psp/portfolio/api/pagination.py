"""Cursor pagination of the site-status feed: no site skipped or repeated while data changes.

Pages are ordered by site id, which never changes, so a site cannot move to a page the client
has already read (the way it would under an order by "last changed"). The cursor also carries
the moment the sync started: every page reports the same `next_updated_since` (that moment
minus a small overlap for transactions still committing), which the client stores and sends
as `updated_since` next time, so a change made while it was paging is picked up then.
"""

import datetime
from base64 import b64decode, b64encode
from urllib import parse

from django.conf import settings
from django.utils import timezone
from rest_framework.exceptions import NotFound
from rest_framework.fields import DateTimeField
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class SiteStatusCursorPagination(CursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        return settings.PSP_API_MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        self.sync_started_at = self._sync_started_at(request)
        return super().paginate_queryset(queryset, request, view)

    def _sync_started_at(self, request) -> datetime.datetime:
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return timezone.now()
        try:
            tokens = parse.parse_qs(b64decode(encoded.encode("ascii")).decode("ascii"))
            started = datetime.datetime.fromisoformat(tokens["s"][0])
        except (ValueError, KeyError, IndexError, UnicodeError) as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        if started.tzinfo is None:
            raise NotFound(self.invalid_cursor_message)
        return started

    def encode_cursor(self, cursor):
        # As DRF's, plus the sync start ("s").
        tokens = {"s": self.sync_started_at.isoformat()}
        if cursor.offset != 0:
            tokens["o"] = str(cursor.offset)
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            tokens["p"] = cursor.position
        querystring = parse.urlencode(tokens, doseq=True)
        encoded = b64encode(querystring.encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def next_updated_since(self) -> datetime.datetime:
        overlap = datetime.timedelta(seconds=settings.PSP_STATUS_FEED_OVERLAP_SECONDS)
        return self.sync_started_at - overlap

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                # Rendered like every other timestamp (the program's time zone).
                "next_updated_since": DateTimeField().to_representation(self.next_updated_since()),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["next_updated_since"] = {
            "type": "string",
            "format": "date-time",
            "description": (
                "Send this as `updated_since` in your next sync (the same on every page of "
                "one sync)."
            ),
        }
        response["required"] = ["results", "next_updated_since"]
        return response
