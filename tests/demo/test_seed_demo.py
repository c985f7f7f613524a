import datetime
import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from liaisons.choices import VisitStatus
from liaisons.models import SiteVisit
from psp.accounts.models import User
from sites.choices import EngagementStatus, Phase
from sites.models import Engagement, Milestone, Site
from tta.models import TTARequest

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 27)


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "sites", "liaisons", "tta", "auth"}
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed twice, once for the module (it takes seconds), inside a transaction that is
    rolled back afterwards so other modules start from an empty database."""
    quiet = {"today": TODAY, "force": True, "stdout": io.StringIO()}
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", **quiet)
        first = row_counts()
        call_command("seed_demo", **quiet)
        yield first, row_counts()
        transaction.set_rollback(True)


def test_running_twice_leaves_identical_row_counts(seeded):
    first, second = seeded
    assert first == second
    assert first["sites.Site"] > 60


def test_every_real_site_is_loaded_once(seeded):
    assert Site.objects.count() == 64  # 65 CSV rows; Baton Rouge was selected twice
    baton_rouge = Site.objects.get(slug="baton-rouge-la")
    assert list(baton_rouge.engagements.order_by("start_date").values_list("phase", flat=True)) == [
        Phase.DIAGNOSTIC,
        Phase.OPERATIONS,
    ]


def test_phases_are_computed_relative_to_today(seeded):
    for engagement in Engagement.objects.all():
        if engagement.planned_end < TODAY:
            assert not engagement.is_open, engagement
        else:
            assert engagement.status == EngagementStatus.ACTIVE, engagement
    active_cohorts = set(
        Engagement.objects.open().values_list("site__cohort_year", flat=True).distinct()
    )
    assert active_cohorts == {2023, 2024}


def test_kansas_city_shows_diagnostic_to_operations(seeded):
    diagnostic = Engagement.objects.get(site__slug="kansas-city-mo", phase=Phase.DIAGNOSTIC)
    assert diagnostic.status == EngagementStatus.TRANSITIONED
    assert diagnostic.next.phase == Phase.OPERATIONS


def test_some_milestones_are_overdue_and_visits_and_requests_vary(seeded):
    assert Milestone.objects.overdue(TODAY).filter(engagement__status="active").exists()
    assert set(SiteVisit.objects.values_list("status", flat=True)) == set(VisitStatus.values)
    assert len(set(TTARequest.objects.values_list("status", flat=True))) >= 5


def test_demo_accounts_can_sign_in_with_the_documented_password(seeded, client):
    for username in ["coordinator", "liaison", "sitecontact", "provider"]:
        assert User.objects.get(username=username).check_password("psp-demo-2026")
    assert Site.objects.visible_to(User.objects.get(username="coordinator")).count() == 64
    liaison_sites = Site.objects.assigned_to(User.objects.get(username="liaison"), on=TODAY)
    assert set(liaison_sites.values_list("slug", flat=True)) == {
        "seattle-wa",
        "tampa-fl",
        "pueblo-co",
    }


@override_settings(DEBUG=False)
def test_it_refuses_to_run_without_debug_unless_forced(db):
    with pytest.raises(CommandError, match="Refusing"):
        call_command("seed_demo")


def test_the_last_two_summits_are_held_with_operations_sites_attending(seeded):
    from tta.models import SummitAttendance, TrainingSummit

    assert list(TrainingSummit.objects.order_by("year").values_list("year", flat=True)) == [
        2025,
        2026,
    ]
    summit = TrainingSummit.objects.get(year=2026)
    attending = set(SummitAttendance.objects.filter(summit=summit).values_list("site", flat=True))
    running = set(
        Engagement.objects.filter(
            phase=Phase.OPERATIONS, start_date__lte=summit.start_date, status="active"
        ).values_list("site", flat=True)
    )
    assert attending
    assert attending == running
    assert summit.sessions.count() == 3
    # Submitted visits carry goals and lessons for the quarterly report.
    submitted = SiteVisit.objects.filter(status=VisitStatus.SUBMITTED)
    assert not submitted.filter(goals="").exists()
    assert not submitted.filter(lessons_learned="").exists()
