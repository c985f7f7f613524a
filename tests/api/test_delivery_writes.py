"""Recording TTA deliveries over the API: `tta_delivery_record`'s rules, answered in the API's
error shape. Who may record is in test_permissions.py."""

import pytest

from tests import factories
from tests.api.conftest import client_for
from tests.api.test_permissions import delivery_body
from tta.choices import RequestStatus
from tta.models import TTADelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(world):
    return client_for(world.provider_user)


def test_provider_staff_record_a_delivery_on_their_request(world, provider):
    response = provider.post("/api/v1/tta-deliveries/", delivery_body(world))
    assert response.status_code == 201, response.content
    body = response.json()
    delivery = TTADelivery.objects.get(pk=body["id"])
    assert (delivery.request, delivery.recorded_by) == (world.r_b, world.provider_user)
    assert body["hours"] == "2.5"
    assert body["site_summary"]["slug"] == world.b.slug
    assert response["ETag"] == provider.get(f"/api/v1/tta-deliveries/{delivery.pk}/")["ETag"]


def test_a_peer_exchange_names_its_host_site_and_nothing_else_does(world, provider):
    response = provider.post(
        "/api/v1/tta-deliveries/", delivery_body(world) | {"mode": "peer_exchange"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "host_site": ["Say which site hosted the peer exchange."]
    }
    hosted = delivery_body(world) | {"mode": "peer_exchange", "host_site": world.a.slug}
    response = provider.post("/api/v1/tta-deliveries/", hosted)
    assert response.status_code == 201, response.content
    assert response.json()["host_site"] == world.a.pk


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date": "2026-03-16"}, "date"),  # tomorrow
        ({"hours": "0"}, "hours"),
        ({"participants": -1}, "participants"),
        ({"mode": "carrier_pigeon"}, "mode"),
        ({"request": 999999}, "request"),
    ],
)
def test_an_invalid_delivery_is_400_on_its_field(world, provider, changes, field):
    response = provider.post("/api/v1/tta-deliveries/", delivery_body(world) | changes)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert TTADelivery.objects.count() == 1


def test_a_request_not_in_progress_is_409(world, provider):
    delivered = factories.TTARequestFactory(
        site=world.b, core_area=world.area, status=RequestStatus.DELIVERED, provider=world.provider
    )
    response = provider.post(
        "/api/v1/tta-deliveries/", delivery_body(world) | {"request": delivered.pk}
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert "only be recorded while work is in progress" in error["message"]
