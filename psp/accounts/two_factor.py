"""TOTP two-factor sign-in with django-otp: setting up an authenticator and passing it."""

from __future__ import annotations

from base64 import b32encode
from typing import TYPE_CHECKING

import segno
from django import forms
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

if TYPE_CHECKING:
    from django.http import HttpRequest

    from psp.accounts.models import User

DEVICE_NAME = "Authenticator app"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "usa-input"}
        ),
    )


@transaction.atomic
def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed device being set up (one per user; a new key only if none is pending)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The key as people type it into an app: base32, in groups of four."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    # Rendered as an <img src="data:…">: no script and no third-party request (CSP).
    return segno.make(device.config_url, error="m").svg_data_uri(scale=4)


@transaction.atomic
def totp_device_confirm(*, request: HttpRequest, device: TOTPDevice, code: str) -> bool:
    """Confirm a pending device with a first valid code and mark this session verified."""
    if not device.verify_token(code.strip()):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    return True


def totp_verify(*, request: HttpRequest, code: str) -> bool:
    """Check a code against the user's confirmed devices; on success the session is verified."""
    for device in TOTPDevice.objects.devices_for_user(request.user, confirmed=True):
        if device.verify_token(code.strip()):
            otp_login(request, device)
            return True
    return False
