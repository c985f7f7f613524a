"""A server error under /api/ answers in the API's JSON error shape, and is still logged and
signalled like any 500; pages outside the API keep the HTML 500 page."""

import logging

import pytest
from django.core.signals import got_request_exception
from django.test import Client, override_settings
from django.urls import get_resolver, include, path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from psp.api.errors import server_error


class Boom(Exception):
    pass


@api_view(["GET"])
@permission_classes([AllowAny])
def api_boom(request):
    raise Boom("the database fell over")


def page_boom(request):
    raise Boom("the template fell over")


# The project's URLs with views that fail: an API view (DRF re-raises what its exception
# handler does not know) and a plain page, both ahead of the API's catch-all.
urlpatterns = [
    path("api/v1/boom/", api_boom),
    path("boom/", page_boom),
    path("", include("psp.urls")),
]
handler500 = "psp.api.errors.server_error"


def test_the_project_uses_the_api_aware_handler():
    assert get_resolver("psp.urls").resolve_error_handler(500) is server_error


@pytest.fixture
def raised():
    """The exceptions Django reported through got_request_exception."""
    seen = []

    def receiver(sender, request, **kwargs):
        seen.append(request.path)

    got_request_exception.connect(receiver)
    yield seen
    got_request_exception.disconnect(receiver)


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_server_error_under_the_api_is_json_and_still_logged(db, raised, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/v1/boom/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {
            "status": 500,
            "code": "server_error",
            "message": "The server failed to answer this request. The error has been logged; "
            "try again later.",
        }
    }
    # Nothing of the exception leaks to the client.
    assert b"fell over" not in response.content
    assert raised == ["/api/v1/boom/"]
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info[0] is Boom
    assert "/api/v1/boom/" in record.getMessage()


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_server_error_on_a_page_keeps_the_html_500_page(db, raised):
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert raised == ["/boom/"]
