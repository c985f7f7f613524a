"""API tokens: stored hashed, shown once, read-only or read-write, expiring, revocable, and
acting with their user's visibility."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from psp.accounts.models import ApiToken
from psp.accounts.roles import Role
from psp.accounts.services import api_token_create, api_token_hash, api_token_revoke
from tests import factories

pytestmark = pytest.mark.django_db


def api_get(key, scheme="Token", url="/api/v1/sites/"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    return client.get(url)


def test_a_token_is_stored_only_as_a_hash_with_a_short_prefix(integration):
    token, key = api_token_create(user=integration, name="Grants system")
    assert key.startswith("psp_")
    assert len(key) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == api_token_hash(key) != key
    assert stored.prefix == key[:12]
    assert key not in {str(v) for v in ApiToken.objects.values().get().values()}


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "bearer"])
def test_token_and_bearer_headers_both_authenticate(integration, scheme):
    factories.SiteFactory()
    _, key = api_token_create(user=integration, name="x")
    response = api_get(key, scheme)
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token not-a-key"])
def test_a_malformed_or_unknown_token_is_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/sites/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_token_sees_what_its_user_sees():
    liaison = factories.LiaisonFactory()
    mine = factories.AssignmentFactory(liaison=liaison).engagement.site
    factories.AssignmentFactory()  # another liaison's site
    _, key = api_token_create(user=liaison.user, name="my script")
    assert [s["slug"] for s in api_get(key).json()["results"]] == [mine.slug]


def test_a_revoked_token_stops_working_at_once(integration):
    token, key = api_token_create(user=integration, name="x")
    assert api_get(key).status_code == 200
    api_token_revoke(token=token, actor=integration)
    assert api_get(key).status_code == 401


def test_an_expired_token_stops_working(integration):
    with time_machine.travel(datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC), tick=False):
        _, key = api_token_create(
            user=integration, name="x", expires_at=timezone.now() + datetime.timedelta(days=30)
        )
        assert api_get(key).status_code == 200
    with time_machine.travel(datetime.datetime(2026, 3, 31, 0, 1, tzinfo=datetime.UTC)):
        assert api_get(key).status_code == 401


def test_a_token_of_a_deactivated_user_stops_working(integration):
    _, key = api_token_create(user=integration, name="x")
    integration.is_active = False
    integration.save()
    assert api_get(key).status_code == 401


def test_last_used_is_recorded_at_most_once_a_minute(integration):
    start = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        token, key = api_token_create(user=integration, name="x")
        assert token.last_used_at is None
        api_get(key)
        token.refresh_from_db()
        assert token.last_used_at == start
        clock.shift(30)
        api_get(key)
        token.refresh_from_db()
        assert token.last_used_at == start
        clock.shift(31)
        api_get(key)
        token.refresh_from_db()
        assert token.last_used_at == start + datetime.timedelta(seconds=61)


def test_an_expiry_in_the_past_is_refused(integration):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="future"):
        api_token_create(user=integration, name="x", expires_at=timezone.now())


# --- the token page ---------------------------------------------------------------------------


def test_the_token_page_needs_a_sign_in(client):
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_creating_a_token_on_the_page_shows_the_key_once(client):
    user = factories.UserFactory(roles=[Role.LIAISON])
    client.force_login(user)
    response = client.post(
        reverse("accounts:tokens"), {"name": "My laptop", "read_only": "on", "expires_in_days": 30}
    )
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    key = response.context["new_key"]
    assert key in response.content.decode()
    token = ApiToken.objects.get(user=user)
    assert (token.name, token.read_only) == ("My laptop", True)
    assert token.expires_at.date() == (timezone.now() + datetime.timedelta(days=30)).date()
    # Shown once: the list afterwards has only the prefix.
    again = client.get(reverse("accounts:tokens")).content.decode()
    assert key not in again
    assert token.prefix in again


def test_a_user_lists_and_revokes_only_their_own_tokens(client):
    me, other = factories.UserFactory(), factories.UserFactory()
    mine, _ = api_token_create(user=me, name="Mine")
    theirs, _ = api_token_create(user=other, name="Theirs")
    client.force_login(me)
    html = client.get(reverse("accounts:tokens")).content.decode()
    assert "Mine" in html
    assert "Theirs" not in html
    forbidden = client.post(reverse("accounts:token-revoke", args=[theirs.pk]))
    assert forbidden.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    response = client.post(reverse("accounts:token-revoke", args=[mine.pk]), follow=True)
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    assert "Revoked" in response.content.decode()


# --- the command ------------------------------------------------------------------------------


def test_create_api_token_prints_a_working_key_once(integration):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token",
        "integration",
        "--read-only",
        "--expires-in-days",
        "90",
        stdout=out,
        stderr=err,
    )
    key = out.getvalue().strip()
    token = ApiToken.objects.get(user=integration)
    assert token.key_hash == api_token_hash(key)
    assert token.read_only
    assert (token.expires_at - timezone.now()).days in (89, 90)
    assert "read-only" in err.getvalue()
    assert api_get(key).status_code == 200


def test_create_api_token_makes_read_write_tokens_without_the_flag(integration):
    call_command("create_api_token", "integration", stdout=io.StringIO(), stderr=io.StringIO())
    assert ApiToken.objects.get(user=integration).read_only is False


@pytest.mark.parametrize(
    ("args", "message"),
    [(["nobody"], "No user"), (["integration", "--expires-in-days", "0"], "at least 1")],
)
def test_create_api_token_explains_bad_input(integration, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", *args, stdout=io.StringIO(), stderr=io.StringIO())
