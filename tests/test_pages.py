"""The first pages: sign-in, the site list and detail, navigation, health, and the admin."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from psp.accounts.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def liaison_world():
    liaison = factories.LiaisonFactory(user__username="ssl")
    mine = factories.AssignmentFactory(liaison=liaison).engagement.site
    theirs = factories.AssignmentFactory().engagement.site
    return liaison.user, mine, theirs


@pytest.mark.parametrize("url_name", ["home", "sites:list", "liaisons:visit-list"])
def test_anonymous_users_are_sent_to_sign_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_sign_in_form_has_the_documented_accessible_names(client):
    html = client.get(reverse("login")).content.decode()
    assert '<label class="usa-label" for="id_username">Username</label>' in html
    assert 'id="id_username" name="username"' in html
    assert '<label class="usa-label" for="id_password">Password</label>' in html
    assert 'id="id_password" name="password" type="password"' in html
    assert '<button type="submit" class="usa-button">Sign in</button>' in html


def test_signing_in_lands_on_the_home_page(client, coordinator):
    response = client.post(
        reverse("login"), {"username": "coord", "password": "pw-for-tests-2026"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["user"] == coordinator


def test_a_wrong_password_gets_a_clear_message_and_keeps_the_username(client, coordinator):
    response = client.post(reverse("login"), {"username": "coord", "password": "nope"})
    assert response.status_code == 200
    assert b"didn't match" in response.content
    assert b'value="coord"' in response.content


def test_coordinators_see_every_site_with_phase_and_status(client, coordinator):
    engagement = factories.EngagementFactory(site__name="Tulsa", site__state="OK")
    factories.SiteFactory(name="Pueblo", state="CO")
    client.force_login(coordinator)
    html = client.get(reverse("sites:list")).content.decode()
    assert "Tulsa, OK" in html
    assert "Pueblo, CO" in html
    assert "Operations" in html
    assert "Active" in html
    assert "No engagement" in html
    assert engagement.site.get_absolute_url() in html


def test_a_liaison_sees_only_their_sites_and_gets_404_for_others(client, liaison_world):
    user, mine, theirs = liaison_world
    client.force_login(user)
    html = client.get(reverse("sites:list")).content.decode()
    assert str(mine) in html
    assert str(theirs) not in html
    assert client.get(mine.get_absolute_url()).status_code == 200
    response = client.get(theirs.get_absolute_url())
    assert response.status_code == 404
    assert b"do not have access" in response.content


def test_a_user_without_sites_sees_an_empty_state(client):
    client.force_login(factories.UserFactory(roles=[Role.LIAISON]))
    assert b"You have no sites yet" in client.get(reverse("sites:list")).content


def test_the_site_list_runs_a_fixed_number_of_queries(client, coordinator):
    client.force_login(coordinator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("sites:list")).status_code == 200
        return len(queries)

    factories.EngagementFactory.create_batch(3)
    few = count()
    factories.EngagementFactory.create_batch(30)
    # session, user, user's groups (roles), the coordinator's two-factor devices,
    # count of sites, the page of sites, unread notifications (header)
    assert count() == few == 7


def test_the_site_page_runs_a_fixed_number_of_queries(client, coordinator):
    engagement = factories.EngagementFactory()
    client.force_login(coordinator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(engagement.site.get_absolute_url()).status_code == 200
        return len(queries)

    factories.MilestoneFactory(engagement=engagement)
    few = count()
    factories.MilestoneFactory.create_batch(20, engagement=engagement)
    # session, user, roles, two-factor devices, site, engagements, milestones, assignments,
    # visits, TTA requests, contacts, federal partners, unread notifications (header)
    # (tests/test_site_page.py covers the page with every section)
    assert count() == few == 13


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.COORDINATOR, ["Home", "Sites", "Visits", "TTA requests", "Portfolio", "Reports"]),
        (Role.LIAISON, ["Home", "Sites", "Visits", "TTA requests"]),
        (Role.SITE_CONTACT, ["Home", "Sites", "Visits", "TTA requests"]),
        (Role.TTA_PROVIDER, ["Home", "Sites", "TTA requests"]),
    ],
)
def test_primary_navigation_shows_the_links_that_exist_for_the_role(client, role, expected):
    # Portfolio and Reports join as their pages are built.
    client.force_login(factories.UserFactory(roles=[role]))
    response = client.get(reverse("sites:list"))
    assert [link["label"] for link in response.context["primary_navigation"]] == expected
    assert b'aria-label="Primary"' in response.content


def test_signing_out_ends_the_session(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("sites:list")).status_code == 302


def test_health_reports_the_database_and_an_unconfigured_broker(client, settings):
    settings.CELERY_BROKER_URL = ""
    body = client.get(reverse("healthz")).json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"].startswith("not configured")


def test_health_reports_a_reachable_broker(client, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url
    assert client.get(reverse("healthz")).json()["broker"] == "ok"


def test_health_reports_an_unreachable_broker_without_failing(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["broker"].startswith("error")


def test_the_admin_lists_and_adds_every_model_for_a_superuser(client):
    factories.TTADeliveryFactory()
    factories.ActionItemFactory()
    factories.MilestoneFactory()
    factories.AssignmentFactory()
    factories.SiteContactFactory()
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert changelist.status_code == 200, model
        searched = client.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "a"})
        assert searched.status_code == 200, model
        if model_admin.has_add_permission(changelist.wsgi_request):
            assert client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200, model
        obj = model._default_manager.first()
        if obj is not None:
            change = client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
            assert change.status_code == 200, model
            history = client.get(reverse("admin:{}_{}_history".format(*info), args=[obj.pk]))
            assert history.status_code == 200, model


def test_the_admin_is_closed_to_non_staff(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("admin:index")).status_code == 302
