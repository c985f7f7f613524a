"""A small portfolio seen by every role, and API clients authenticated by token."""

import datetime
import zoneinfo
from types import SimpleNamespace

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.test import APIClient

from liaisons.choices import AssignmentRole, VisitStatus
from psp.accounts.roles import Role
from sites.models import CoreArea
from tests import factories
from tta.choices import RequestStatus

D = datetime.date
NOW = datetime.datetime(2026, 3, 15, 12, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))


@pytest.fixture(autouse=True)
def _clock_and_fresh_throttles():
    """A fixed 'today' (15 March 2026) that still ticks, and throttle counters that start at
    zero in every test (they live in the local-memory cache)."""
    cache.clear()
    with time_machine.travel(NOW, tick=True):
        yield
    cache.clear()


def client_for(user=None, *, read_only=False, scheme="Token") -> APIClient:
    client = APIClient()
    if user is not None:
        token = factories.ApiTokenFactory(user=user, read_only=read_only)
        client.credentials(HTTP_AUTHORIZATION=f"{scheme} {token.key}")
        client.token = token
    return client


@pytest.fixture
def world(db, coordinator, integration):
    """Site A: liaison 1 is primary now (liaison 3 backup), the site contact belongs to A.
    Site B: liaison 2; provider staff work a request there. Every kind of row exists at both."""
    w = SimpleNamespace(coordinator=coordinator, integration=integration)
    w.area = CoreArea.objects.get(code="crime-analysis")
    w.a = factories.SiteFactory(name="Alpha", slug="alpha-tx")
    w.b = factories.SiteFactory(name="Bravo", slug="bravo-tx")
    w.eng_a = factories.EngagementFactory(site=w.a)
    w.eng_b = factories.EngagementFactory(site=w.b)
    w.l1, w.l2, w.l3 = (factories.LiaisonFactory() for _ in range(3))
    w.as_a = factories.AssignmentFactory(liaison=w.l1, engagement=w.eng_a)
    w.as_a3 = factories.AssignmentFactory(
        liaison=w.l3, engagement=w.eng_a, role=AssignmentRole.BACKUP
    )
    w.as_b = factories.AssignmentFactory(liaison=w.l2, engagement=w.eng_b)
    w.contact = factories.UserFactory(username="contact-a", roles=[Role.SITE_CONTACT])
    factories.SiteContactFactory(site=w.a, user=w.contact)
    w.ms_a = factories.MilestoneFactory(engagement=w.eng_a, due_date=D(2026, 1, 10))
    w.ms_b = factories.MilestoneFactory(engagement=w.eng_b)
    w.v_a = factories.SiteVisitFactory(engagement=w.eng_a, liaison=w.l1)
    w.v_a_draft = factories.SiteVisitFactory(
        engagement=w.eng_a, liaison=w.l1, status=VisitStatus.DRAFT
    )
    w.v_b = factories.SiteVisitFactory(engagement=w.eng_b, liaison=w.l2)
    factories.ActionItemFactory(visit=w.v_a)
    w.provider_user = factories.UserFactory(username="provider-staff", roles=[Role.TTA_PROVIDER])
    w.provider = factories.TTAProviderFactory(slug="national-tta")
    w.provider.staff.add(w.provider_user)
    w.r_a = factories.TTARequestFactory(site=w.a, core_area=w.area)
    w.r_b = factories.TTARequestFactory(
        site=w.b, core_area=w.area, status=RequestStatus.IN_PROGRESS, provider=w.provider
    )
    factories.TTATransitionFactory(request=w.r_a)
    w.del_b = factories.TTADeliveryFactory(request=w.r_b)
    w.users = {
        "coordinator": coordinator,
        "integration": integration,
        "liaison": w.l1.user,
        "site contact": w.contact,
        "provider": w.provider_user,
    }
    return w
