"""API token authentication reads the token, its user and the user's roles in one query."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from psp.accounts.models import User
from psp.accounts.roles import Role
from psp.accounts.services import api_token_authenticate, api_token_create

pytestmark = pytest.mark.django_db


def make_user(*roles, **fields):
    user = User.objects.create(username=f"u{User.objects.count()}", **fields)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.mark.parametrize(
    ("roles", "superuser", "expected"),
    [
        ((), False, set()),
        ((Role.LIAISON,), False, {Role.LIAISON}),
        ((Role.LIAISON, Role.SITE_CONTACT), False, {Role.LIAISON, Role.SITE_CONTACT}),
        ((), True, {Role.COORDINATOR}),
        ((Role.INTEGRATION,), True, {Role.INTEGRATION, Role.COORDINATOR}),
    ],
)
def test_the_roles_read_with_the_token_are_the_users_roles(roles, superuser, expected):
    user = make_user(*roles, is_superuser=superuser)
    _token, key = api_token_create(user=user, name="t")
    api_token_authenticate(key=key)  # marks it used
    with CaptureQueriesContext(connection) as captured:
        token = api_token_authenticate(key=key)
        assert token.user.roles == frozenset(expected)
    assert len(captured.captured_queries) == 1
    assert token.user.roles == User.objects.get(pk=user.pk).roles


def test_unusable_tokens_and_inactive_users_are_refused():
    user = make_user(Role.LIAISON)
    token, key = api_token_create(user=user, name="t")
    assert api_token_authenticate(key=key + "x") is None
    token.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    token.save()
    assert api_token_authenticate(key=key) is None
    token.expires_at = None
    token.revoked_at = timezone.now()
    token.save()
    assert api_token_authenticate(key=key) is None
    token.revoked_at = None
    token.save()
    assert api_token_authenticate(key=key).pk == token.pk
    user.is_active = False
    user.save()
    assert api_token_authenticate(key=key) is None
