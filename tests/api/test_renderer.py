"""The API's JSON renderer (orjson) must write exactly the bytes DRF's JSONRenderer writes."""

import datetime
import decimal
import uuid
import zoneinfo

import pytest
from django.utils.functional import lazy
from rest_framework import renderers
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from liaisons.choices import VisitStatus
from psp.api.renderers import JSONRenderer
from tests.api.conftest import client_for
from tests.api.test_queries import EXPECTED, detail_expectations

drf = renderers.JSONRenderer()
fast = JSONRenderer()
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def payload():
    return ReturnDict(
        {
            "id": 2**53 + 1,
            "negative": -7,
            "flag": True,
            "nothing": None,
            "status": VisitStatus.SUBMITTED,  # a str subclass
            "text": 'Quotes " \\ / <tags> & \n\t\x00\x1f\x7f é ü 中文 😀',
            "separators": "line\u2028paragraph\u2029end",
            "lazy": lazy(lambda: "translated", str)(),
            "utc": datetime.datetime(2026, 11, 23, 14, 5, 7, 123456, tzinfo=datetime.UTC),
            "local": datetime.datetime(2026, 7, 1, 3, 0, tzinfo=NEW_YORK),
            "naive": datetime.datetime(2026, 1, 1, 0, 0),
            "day": datetime.date(2026, 2, 28),
            "time": datetime.time(9, 30),
            "duration": datetime.timedelta(hours=1, seconds=3),
            "hours": decimal.Decimal("1.5"),
            "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "tuple": (1, "two"),
            "set": {3},
            "nested": ReturnList([{"a": [[], {}]}], serializer=None),
            "floats": [0.1, 1 / 3, 2.0, 1e16, -0.0],
        },
        serializer=None,
    )


def test_it_writes_what_drf_writes_for_every_kind_of_value():
    data = payload()
    assert fast.render(data) == drf.render(data)
    assert b"\\u2028" in fast.render(data)
    assert fast.render(None) == drf.render(None) == b""


@pytest.mark.parametrize(
    "data",
    [
        {1: "an integer key"},
        {"big": 2**70},
        {"bad": "\ud800 a lone surrogate"},
    ],
)
def test_what_orjson_refuses_goes_through_drf(data):
    try:
        expected = drf.render(data)
    except Exception as exc:  # whatever DRF raises, the renderer raises too
        with pytest.raises(type(exc)):
            fast.render(data)
    else:
        assert fast.render(data) == expected


def test_what_drf_refuses_is_refused():
    with pytest.raises(TypeError):
        fast.render({"object": object()})


def test_indented_responses_are_drfs():
    data = payload()
    for media_type in ["application/json; indent=4", "application/json; indent=2"]:
        assert fast.render(data, media_type) == drf.render(data, media_type)
    assert fast.render(data, None, {"indent": 4}) == drf.render(data, None, {"indent": 4})


@pytest.mark.django_db
def test_every_api_response_is_what_drf_would_write(world):
    client = client_for(world.coordinator)
    urls = [*EXPECTED, *detail_expectations(world)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert isinstance(response.accepted_renderer, JSONRenderer)
        assert response.content == drf.render(response.data), url
    missing = client.get("/api/v1/sites/no-such-site/")
    assert missing.status_code == 404
    assert missing.content == drf.render(missing.data)
