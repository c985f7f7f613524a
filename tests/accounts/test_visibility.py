"""`visible_to(user)` gives each role exactly what DESIGN.md §2 says, for every model."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from liaisons.choices import AssignmentRole, VisitStatus
from liaisons.models import ActionItem, Assignment, Liaison, SiteVisit
from psp.accounts.roles import Role
from sites.choices import EngagementStatus
from sites.models import (
    CoreArea,
    Engagement,
    EngagementExtension,
    FederalPartner,
    Milestone,
    MilestoneTemplate,
    Site,
    SiteContact,
)
from tests import factories
from tta.choices import RequestStatus
from tta.models import TTADelivery, TTAProvider, TTARequest, TTATransition

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def world(coordinator, integration):
    """Four sites. Liaison 1 works site A now and worked site C before; liaison 2 works B;
    liaison 3 is backup at A. The site contact belongs to A. The provider works a request at B.
    """
    w = SimpleNamespace(coordinator=coordinator, integration=integration)
    w.a, w.b, w.c, w.d = (factories.SiteFactory(name=n) for n in "ABCD")
    w.eng_a = factories.EngagementFactory(site=w.a)
    w.eng_b = factories.EngagementFactory(site=w.b)
    w.eng_c = factories.EngagementFactory(
        site=w.c,
        status=EngagementStatus.COMPLETED,
        start_date=D(2020, 1, 1),
        planned_end=D(2023, 1, 1),
        actual_end=D(2023, 1, 1),
    )
    w.eng_d = factories.EngagementFactory(site=w.d)
    w.l1, w.l2, w.l3 = (
        factories.LiaisonFactory(),
        factories.LiaisonFactory(),
        factories.LiaisonFactory(),
    )
    w.unassigned = factories.LiaisonFactory()
    w.as_a = factories.AssignmentFactory(liaison=w.l1, engagement=w.eng_a)
    w.as_a3 = factories.AssignmentFactory(
        liaison=w.l3, engagement=w.eng_a, role=AssignmentRole.BACKUP
    )
    w.as_b = factories.AssignmentFactory(liaison=w.l2, engagement=w.eng_b)
    w.as_c = factories.AssignmentFactory(liaison=w.l1, engagement=w.eng_c, end_date=D(2023, 1, 1))
    w.contact = factories.UserFactory(username="contact-a", roles=[Role.SITE_CONTACT])
    w.contact_row = factories.SiteContactFactory(site=w.a, user=w.contact)
    w.contact_b = factories.SiteContactFactory(site=w.b)
    w.partner_a = factories.FederalPartnerFactory(site=w.a)
    w.partner_d = factories.FederalPartnerFactory(site=w.d)
    w.ms = {
        e: factories.MilestoneFactory(engagement=e) for e in (w.eng_a, w.eng_b, w.eng_c, w.eng_d)
    }
    w.ext_b = factories.EngagementExtensionFactory(engagement=w.eng_b)

    def visit(engagement, liaison, status):
        summary = "Shared summary" if status == VisitStatus.SUBMITTED else ""
        return factories.SiteVisitFactory(
            engagement=engagement, liaison=liaison, status=status, summary=summary
        )

    w.v1 = visit(w.eng_a, w.l1, VisitStatus.SUBMITTED)
    w.v2 = visit(w.eng_a, w.l1, VisitStatus.DRAFT)
    w.v3 = visit(w.eng_a, w.l3, VisitStatus.SUBMITTED)
    w.v3_draft = visit(w.eng_a, w.l3, VisitStatus.PLANNED)
    w.v4 = visit(w.eng_b, w.l2, VisitStatus.SUBMITTED)
    w.v5 = visit(w.eng_b, w.l2, VisitStatus.DRAFT)
    w.items = {v: factories.ActionItemFactory(visit=v) for v in (w.v1, w.v2, w.v3, w.v4, w.v5)}

    w.provider_user = factories.UserFactory(username="provider-staff", roles=[Role.TTA_PROVIDER])
    w.provider = factories.TTAProviderFactory()
    w.provider.staff.add(w.provider_user)
    w.other_provider = factories.TTAProviderFactory()
    w.r_a = factories.TTARequestFactory(site=w.a)
    w.r_b = factories.TTARequestFactory(
        site=w.b, status=RequestStatus.IN_PROGRESS, provider=w.provider
    )
    w.r_d = factories.TTARequestFactory(
        site=w.d, status=RequestStatus.IN_PROGRESS, provider=w.other_provider
    )
    w.t = {r: factories.TTATransitionFactory(request=r) for r in (w.r_a, w.r_b, w.r_d)}
    w.del_b = factories.TTADeliveryFactory(request=w.r_b)
    w.del_d = factories.TTADeliveryFactory(request=w.r_d)
    w.nobody = factories.UserFactory(username="no-role")
    return w


def visible(model, user):
    return set(model.objects.visible_to(user))


# Every model with a visible_to(user) rule.
EVERY_MODEL = (
    Site,
    Engagement,
    Milestone,
    Assignment,
    SiteVisit,
    ActionItem,
    TTARequest,
    TTADelivery,
    TTATransition,
    Liaison,
    TTAProvider,
    SiteContact,
    FederalPartner,
    EngagementExtension,
    CoreArea,
    MilestoneTemplate,
)


def test_coordinators_see_everything(world):
    for model in EVERY_MODEL:
        assert visible(model, world.coordinator) == set(model.objects.all()), model


def test_integrations_read_the_portfolio_but_only_submitted_visits(world):
    w = world
    assert visible(Site, w.integration) == {w.a, w.b, w.c, w.d}
    assert visible(Engagement, w.integration) == {w.eng_a, w.eng_b, w.eng_c, w.eng_d}
    assert visible(SiteVisit, w.integration) == {w.v1, w.v3, w.v4}
    assert visible(TTARequest, w.integration) == {w.r_a, w.r_b, w.r_d}


def test_a_liaison_sees_sites_they_are_or_were_assigned_to(world):
    w = world
    user = w.l1.user
    assert visible(Site, user) == {w.a, w.c}
    assert visible(Engagement, user) == {w.eng_a, w.eng_c}
    assert visible(Milestone, user) == {w.ms[w.eng_a], w.ms[w.eng_c]}
    assert visible(Assignment, user) == {w.as_a, w.as_a3, w.as_c}
    assert visible(SiteContact, user) == {w.contact_row}
    assert visible(FederalPartner, user) == {w.partner_a}
    assert visible(EngagementExtension, user) == set()
    # Their own visits in any state; colleagues' only once submitted.
    assert visible(SiteVisit, user) == {w.v1, w.v2, w.v3}
    assert visible(ActionItem, user) == {w.items[w.v1], w.items[w.v2], w.items[w.v3]}
    assert visible(TTARequest, user) == {w.r_a}
    assert visible(TTADelivery, user) == set()
    assert visible(TTATransition, user) == {w.t[w.r_a]}
    assert visible(Liaison, user) == {w.l1, w.l2, w.l3, w.unassigned}


def test_a_liaison_does_not_see_another_liaisons_site(world):
    w = world
    user = w.l2.user
    assert visible(Site, user) == {w.b}
    assert visible(SiteVisit, user) == {w.v4, w.v5}
    assert visible(TTARequest, user) == {w.r_b}
    assert visible(TTADelivery, user) == {w.del_b}
    assert visible(EngagementExtension, user) == {w.ext_b}


def test_a_site_contact_sees_their_own_site_and_only_shared_visits(world):
    w = world
    user = w.contact
    assert visible(Site, user) == {w.a}
    assert visible(Engagement, user) == {w.eng_a}
    assert visible(Milestone, user) == {w.ms[w.eng_a]}
    assert visible(SiteVisit, user) == {w.v1, w.v3}
    assert visible(TTARequest, user) == {w.r_a}
    assert visible(Liaison, user) == {w.l1, w.l3}
    assert visible(SiteContact, user) == {w.contact_row}


def test_provider_staff_see_only_their_organizations_requests(world):
    w = world
    user = w.provider_user
    assert visible(TTARequest, user) == {w.r_b}
    assert visible(TTADelivery, user) == {w.del_b}
    assert visible(TTATransition, user) == {w.t[w.r_b]}
    assert visible(TTAProvider, user) == {w.provider}
    # The site's name, but nothing of its engagement, visits or people.
    assert visible(Site, user) == {w.b}
    for model in (Engagement, Milestone, Assignment, SiteVisit, ActionItem, SiteContact, Liaison):
        assert visible(model, user) == set(), model


@pytest.mark.parametrize("who", ["anonymous", "nobody"])
def test_users_without_a_role_see_nothing(world, who):
    user = AnonymousUser() if who == "anonymous" else world.nobody
    for model in EVERY_MODEL:
        assert visible(model, user) == set(), model


def test_an_inactive_user_loses_their_roles(world):
    user = world.l1.user
    user.is_active = False
    user.save()
    user.refresh_from_db()
    assert visible(Site, user) == set()


def test_sites_assigned_to_means_current_on_an_open_engagement(world):
    w = world
    assert set(Site.objects.assigned_to(w.l1.user, on=D(2026, 3, 1))) == {w.a}
    assert set(Site.objects.assigned_to(w.l3.user, on=D(2026, 3, 1))) == {w.a}
    assert set(Site.objects.assigned_to(w.unassigned.user, on=D(2026, 3, 1))) == set()
