"""Sign-in throttling, idle timeout, sign out everywhere, password hashing and the audit trail."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings as project_settings
from django.contrib.auth.hashers import make_password
from django.test import override_settings
from django.urls import reverse

from psp.accounts.audit import AuditAction
from psp.accounts.models import AuditEvent
from psp.accounts.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db

CONFIGURED_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_new_passwords_are_hashed_with_argon2():
    from psp import settings as configured

    assert configured.PASSWORD_HASHERS == CONFIGURED_HASHERS
    with override_settings(PASSWORD_HASHERS=CONFIGURED_HASHERS):
        assert make_password("correct horse battery staple").startswith("argon2$")


def test_short_and_common_passwords_are_rejected():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("Sh0rt-pass")
    with pytest.raises(ValidationError, match="too common"):
        validate_password("password1234")


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, axes_on):
    factories.UserFactory(username="dana", roles=[Role.COORDINATOR])
    for _ in range(2):
        assert sign_in(client, "dana", "wrong").status_code == 200
    locked = sign_in(client, "dana", "wrong")
    assert locked.status_code == 429
    assert b"Sign-in paused" in locked.content
    assert sign_in(client, "dana", "pw-for-tests-2026").status_code == 429


def test_unknown_users_get_the_same_messages_as_wrong_passwords(client, axes_on):
    factories.UserFactory(username="dana")
    wrong_password = sign_in(client, "dana", "wrong")
    unknown_user = sign_in(client, "nobody-by-this-name", "wrong")
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert b"didn't match" in wrong_password.content
    assert b"didn't match" in unknown_user.content
    for _ in range(2):
        sign_in(client, "nobody-by-this-name", "wrong")
        sign_in(client, "dana", "wrong")
    known, unknown = sign_in(client, "dana", "wrong"), sign_in(client, "nobody-by-this-name", "x")
    assert known.status_code == unknown.status_code == 429
    # The same page, apart from the per-response CSRF token.
    token = re.compile(rb'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"')
    assert token.sub(b"", known.content) == token.sub(b"", unknown.content)


def test_a_successful_sign_in_resets_the_failure_count(client, axes_on):
    factories.UserFactory(username="dana")
    for _ in range(2):
        sign_in(client, "dana", "wrong")
    assert sign_in(client, "dana", "pw-for-tests-2026").status_code == 302
    client.post(reverse("logout"))
    for _ in range(2):
        assert sign_in(client, "dana", "wrong").status_code == 200


def test_a_session_idle_for_eight_hours_is_signed_out(client):
    assert datetime.timedelta(hours=8) == project_settings.PSP_SESSION_IDLE_TIMEOUT
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    user = factories.UserFactory(roles=[Role.COORDINATOR])
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(user)
        clock.shift(datetime.timedelta(hours=7, minutes=59))
        assert client.get(reverse("sites:list")).status_code == 200
        # Activity moved the clock on: another 7h59m later the session is still alive.
        clock.shift(datetime.timedelta(hours=7, minutes=59))
        assert client.get(reverse("sites:list")).status_code == 200
        clock.shift(datetime.timedelta(hours=8, minutes=1))
        response = client.get(reverse("sites:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert client.get(reverse("sites:list")).status_code == 302


def test_sign_out_everywhere_ends_every_session_of_the_user(client, django_user_model):
    from django.test import Client

    user = factories.UserFactory(roles=[Role.LIAISON])
    other_device = Client()
    other_device.force_login(user)
    client.force_login(user)
    bystander = Client()
    bystander.force_login(factories.UserFactory(roles=[Role.LIAISON]))

    response = client.post(reverse("accounts:sign-out-everywhere"))

    assert response.status_code == 302
    assert other_device.get(reverse("sites:list")).status_code == 302
    assert client.get(reverse("sites:list")).status_code == 302
    assert bystander.get(reverse("sites:list")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.SIGNED_OUT_EVERYWHERE).count() == 1


def test_sign_ins_failures_and_sign_outs_are_audited(client):
    factories.UserFactory(username="dana")
    sign_in(client, "dana", "pw-for-tests-2026")
    client.post(reverse("logout"))
    sign_in(client, "dana", "not-it")
    events = list(AuditEvent.objects.order_by("pk").values_list("action", "username"))
    assert events == [
        (AuditAction.SIGN_IN, "dana"),
        (AuditAction.SIGN_OUT, "dana"),
        (AuditAction.SIGN_IN_FAILED, "dana"),
    ]
    assert "not-it" not in str(AuditEvent.objects.values_list("detail", flat=True))


def test_role_changes_are_audited_with_who_made_them(client):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    user = factories.UserFactory(username="newcomer")
    client.force_login(admin)
    from django.contrib.auth.models import Group

    liaison_group = Group.objects.get(name=Role.LIAISON)
    response = client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {
            "username": "newcomer",
            "first_name": "",
            "last_name": "",
            "email": "",
            "is_active": "on",
            "groups": [liaison_group.pk],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action=AuditAction.ROLE_GRANTED)
    assert (event.actor, event.target_repr, event.detail) == (
        admin,
        "newcomer",
        {"role": "liaison"},
    )


def test_assignment_changes_are_audited(today, coordinator):
    from liaisons.services import assignment_create
    from sites.services import engagement_start

    engagement = engagement_start(
        site=factories.SiteFactory(),
        phase="operations",
        start_date=datetime.date(2025, 1, 1),
        today=today,
    )
    assignment_create(
        liaison=factories.LiaisonFactory(),
        engagement=engagement,
        start_date=datetime.date(2025, 2, 1),
        actor=coordinator,
        today=today,
    )
    event = AuditEvent.objects.get(action=AuditAction.ASSIGNMENT_CHANGED)
    assert event.actor == coordinator
    assert event.detail["change"] == "assigned"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.COORDINATOR, 200),
        (Role.LIAISON, 403),
        (Role.SITE_CONTACT, 403),
        (Role.TTA_PROVIDER, 403),
    ],
)
def test_only_coordinators_read_the_audit_trail(client, role, status):
    client.force_login(factories.UserFactory(roles=[role]))
    assert client.get(reverse("accounts:audit")).status_code == status


def test_the_audit_trail_filters_by_action_and_runs_fixed_queries(client, coordinator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator)
    for index in range(30):
        AuditEvent.objects.create(action=AuditAction.SIGN_IN_FAILED, username=f"u{index}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("accounts:audit"), {"action": AuditAction.SIGN_IN_FAILED})
    # session, user, roles, two-factor devices, count, page of events (with actors joined),
    # unread notifications (header)
    assert len(queries) == 7
    assert response.context["page"].paginator.count == 30


def test_token_creation_and_revocation_are_audited(coordinator):
    from psp.accounts.services import api_token_create, api_token_revoke

    token, _ = api_token_create(user=coordinator, name="Case system", read_only=True)
    api_token_revoke(token=token, actor=coordinator)
    api_token_revoke(token=token, actor=coordinator)  # already revoked: nothing new to record
    events = list(
        AuditEvent.objects.filter(target_type="accounts.ApiToken", target_id=str(token.pk))
        .order_by("pk")
        .values_list("action", "actor", "target_repr")
    )
    assert events == [
        (AuditAction.TOKEN_CREATED, coordinator.pk, str(token)),
        (AuditAction.TOKEN_REVOKED, coordinator.pk, str(token)),
    ]
