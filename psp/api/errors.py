"""Every API error in one JSON shape (docs/api.md):

    {"error": {"status": 409, "code": "illegal_transition", "message": "…", "fields": {…}}}

`fields` appears on validation errors only: field name → list of messages (`non_field_errors`
for messages about the whole request).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the object."
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The object changed since you read it (If-Match did not match its ETag). "
        "Fetch it again and retry."
    )
    default_code = "precondition_failed"


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer."""

    error = ErrorBodySerializer()


def django_validation_error_as_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        detail = {
            ("non_field_errors" if name == "__all__" else name): messages
            for name, messages in exc.message_dict.items()
        }
    else:
        detail = {"non_field_errors": exc.messages}
    return exceptions.ValidationError(detail)


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _flatten(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _flatten(value)]
    return [str(detail)]


def exception_handler(exc, context):
    # Service errors raised inside API views; IllegalTransition is a ValidationError subclass
    # that the views turn into Conflict before it gets here.
    if isinstance(exc, DjangoValidationError):
        exc = django_validation_error_as_drf(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        # A server error: re-raised, so Django logs it, sends got_request_exception and
        # answers with `server_error` below.
        return None
    body: dict = {"status": response.status_code}
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body["code"] = "invalid"
        body["message"] = "; ".join(_flatten(detail)) or "The request is not valid."
        body["fields"] = {name: _flatten(value) for name, value in detail.items()}
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body["code"] = codes if isinstance(codes, str) else "error"
        body["message"] = " ".join(_flatten(getattr(exc, "detail", str(exc))))
    return Response({"error": body}, status=response.status_code, headers=_headers(response))


def _headers(response) -> dict[str, str]:
    # Keep what DRF set: WWW-Authenticate on 401, Retry-After on 429, Allow on 405.
    return {
        name: response[name]
        for name in ("WWW-Authenticate", "Retry-After", "Allow")
        if response.has_header(name)
    }


def not_found(request, *args, **kwargs):
    """A path under /api/v1/ that names no resource."""
    body = {"status": 404, "code": "not_found", "message": "No such API resource."}
    return JsonResponse({"error": body}, status=404)


API_PREFIX = "/api/"


def server_error(request, *args, **kwargs):
    """Django's handler500 (psp.urls): the API's error shape under /api/, the HTML 500 page
    elsewhere. Django has already logged the exception (logger `django.request`) and sent
    `got_request_exception` before it calls this; it runs only when DEBUG is off."""
    if request.path_info.startswith(API_PREFIX):
        body = {
            "status": 500,
            "code": "server_error",
            "message": "The server failed to answer this request. The error has been logged; "
            "try again later.",
        }
        return JsonResponse({"error": body}, status=500)
    return defaults.server_error(request, *args, **kwargs)
