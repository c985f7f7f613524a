"""History records who changed what, from services and from requests alike."""

import datetime

import pytest
from django.urls import reverse

from sites.choices import Phase
from sites.services import engagement_extend, engagement_start
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_service_change_is_credited_to_its_actor_with_the_changed_field(coordinator, today):
    engagement = engagement_start(
        site=factories.SiteFactory(),
        phase=Phase.OPERATIONS,
        start_date=datetime.date(2025, 1, 1),
        actor=coordinator,
        today=today,
    )
    engagement_extend(
        engagement=engagement,
        new_planned_end=datetime.date(2028, 6, 1),
        reason="Summit moved to the spring.",
        actor=coordinator,
    )
    latest, created = engagement.history.all()[:2]
    assert latest.history_user == coordinator
    assert created.history_type == "+"
    delta = latest.diff_against(created)
    assert delta.changed_fields == ["planned_end"]
    assert delta.changes[0].new == datetime.date(2028, 6, 1)


def test_generated_milestones_have_history_with_the_actor(coordinator, today):
    engagement = engagement_start(
        site=factories.SiteFactory(),
        phase=Phase.DIAGNOSTIC,
        start_date=datetime.date(2025, 1, 1),
        actor=coordinator,
        today=today,
    )
    milestone = engagement.milestones.first()
    assert milestone.history.get().history_user == coordinator


def test_a_change_made_in_a_request_is_credited_to_the_signed_in_user(client):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    site = factories.SiteFactory(name="Tulsa", state="OK", slug="tulsa-ok", population=400000)
    client.force_login(admin)
    response = client.post(
        reverse("admin:sites_site_change", args=[site.pk]),
        {
            "slug": site.slug,
            "name": site.name,
            "state": site.state,
            "program": site.program,
            "cohort_year": site.cohort_year,
            "announced_on": "2018-05-01",
            "population": "413066",
            "lead_agency": "Tulsa Police Department",
            "notes": "",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
            "federal_partners-TOTAL_FORMS": "0",
            "federal_partners-INITIAL_FORMS": "0",
            "engagements-TOTAL_FORMS": "0",
            "engagements-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content
    record = site.history.first()
    assert record.history_user == admin
    assert set(record.diff_against(record.prev_record).changed_fields) == {
        "lead_agency",
        "announced_on",
        "population",
    }
