"""Conditional requests (RFC 9110 §13): ETags on details and site status.

The ETag is a digest of the JSON representation the user receives, so it changes whenever
anything shown changes (a nested summary included) and two users who see different fields
get different tags. `If-None-Match` answers 304; `If-Match` on a write answers 412 when the
object no longer has the tag the client read.
"""

from __future__ import annotations

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.response import Response

from psp.api.errors import ErrorSerializer, PreconditionFailed


def etag_of(data) -> str:
    payload = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return '"' + hashlib.sha256(payload.encode()).hexdigest()[:40] + '"'


def _tags(header: str) -> set[str]:
    # Weak and strong tags compare equal here: the representation is byte-for-byte the same.
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _matches(header: str, etag: str) -> bool:
    tags = _tags(header)
    return "*" in tags or etag in tags


def conditional_response(request, data) -> Response:
    """200 with the data and its ETag, or 304 when the client already has it."""
    etag = etag_of(data)
    header = request.headers.get("If-None-Match")
    if header and _matches(header, etag):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    return Response(data, headers={"ETag": etag})


def check_if_match(request, current_data) -> None:
    """Refuse a write when the client says which version it read and it is not the current."""
    header = request.headers.get("If-Match")
    if header and not _matches(header, etag_of(current_data)):
        raise PreconditionFailed()


IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="An ETag from an earlier response: answers 304 with no body if unchanged.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag you read: the write is refused with 412 if the object changed since.",
)
NOT_MODIFIED = OpenApiResponse(description="Not modified: the ETag still matches.")
PRECONDITION_FAILED = OpenApiResponse(
    ErrorSerializer, description="The object changed since you read it."
)
