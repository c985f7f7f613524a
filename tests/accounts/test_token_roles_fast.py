"""API token authentication reads the token, its user and the user's roles in one query."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from psp.accounts.models import ApiToken, User
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


@pytest.mark.parametrize("roles", [(), (Role.LIAISON, Role.SITE_CONTACT)])
def test_the_token_and_user_read_are_what_the_orm_reads(roles):
    user = make_user(*roles, first_name="Ada", last_name="O'Neil", email="ada@x.test")
    expires = timezone.now() + datetime.timedelta(days=30)
    _token, key = api_token_create(user=user, name="t", expires_at=expires, read_only=False)
    token = api_token_authenticate(key=key)
    expected = ApiToken.objects.select_related("user").get(pk=token.pk)
    for read, orm in [(token, expected), (token.user, expected.user)]:
        fields = type(orm)._meta.concrete_fields
        assert [getattr(read, f.attname) for f in fields] == [
            getattr(orm, f.attname) for f in fields
        ]
        assert (read._state.db, read._state.adding) == (orm._state.db, orm._state.adding)
    assert token.expires_at == expires
    assert token._state.fields_cache["user"] is token.user
