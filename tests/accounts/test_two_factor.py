"""TOTP two-factor sign-in for coordinators (django-otp), against real responses."""

import time

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from psp.accounts.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


@pytest.fixture
def coordinator_with_device(coordinator):
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    return coordinator, device


def test_a_coordinator_with_an_authenticator_must_pass_it_before_any_page(
    client, coordinator_with_device
):
    user, device = coordinator_with_device
    client.force_login(user)
    response = client.get(reverse("sites:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:2fa-verify"))

    wrong = client.post(reverse("accounts:2fa-verify"), {"code": "000000", "next": "/sites/"})
    assert wrong.status_code == 200
    assert b"did not match" in wrong.content

    # A wrong code throttles the device for a moment (django-otp), so try again a bit later.
    with time_machine.travel(time.time() + 5, tick=True):
        right = client.post(
            reverse("accounts:2fa-verify"), {"code": current_code(device), "next": "/sites/"}
        )
    assert right.status_code == 302
    assert right.url == "/sites/"
    assert client.get(reverse("sites:list")).status_code == 200


def test_the_verify_step_refuses_to_redirect_off_site(client, coordinator_with_device):
    user, device = coordinator_with_device
    client.force_login(user)
    response = client.post(
        reverse("accounts:2fa-verify"),
        {"code": current_code(device), "next": "https://evil.example.com/"},
    )
    assert response.url == "/"


def test_without_the_requirement_a_coordinator_may_skip_setup(client, coordinator, settings):
    settings.PSP_REQUIRE_2FA = False
    client.force_login(coordinator)
    assert client.get(reverse("sites:list")).status_code == 200


def test_with_the_requirement_a_coordinator_must_set_up_an_authenticator(
    client, coordinator, settings
):
    settings.PSP_REQUIRE_2FA = True
    client.force_login(coordinator)
    response = client.get(reverse("sites:list"))
    assert response.url.startswith(reverse("accounts:2fa-setup"))

    setup = client.get(response.url)
    assert setup.status_code == 200
    assert setup.context["qr_code"].startswith("data:image/svg+xml")
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    # Reloading the page keeps the same key, so a half-finished setup is not lost.
    client.get(reverse("accounts:2fa-setup"))
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1

    confirm = client.post(
        reverse("accounts:2fa-setup"), {"code": current_code(device), "next": "/sites/"}
    )
    assert confirm.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("sites:list")).status_code == 200


@pytest.mark.parametrize("role", [Role.LIAISON, Role.SITE_CONTACT, Role.TTA_PROVIDER])
def test_the_requirement_applies_to_coordinators_only(client, settings, role):
    settings.PSP_REQUIRE_2FA = True
    client.force_login(factories.UserFactory(roles=[role]))
    assert client.get(reverse("sites:list")).status_code == 200
