"""A small TTA world shared by the TTA tests: one Operations site with its current liaison,
its site contact and an assigned provider's staff, and a second site nobody here works."""

from types import SimpleNamespace

import pytest

from psp.accounts.roles import Role
from sites.models import CoreArea
from tests import factories
from tests.reference_data import (  # noqa: F401 - fixtures
    _reference_data_after_the_module,
    _reference_data_for_transactional_tests,
)
from tta import services
from tta.choices import RequestStatus

# The actions that bring a new request to each status (system actor: no role checks).
PATH_TO = {
    RequestStatus.SUBMITTED: [],
    RequestStatus.UNDER_REVIEW: ["review"],
    RequestStatus.APPROVED: ["approve", "assign"],  # approved, with a provider lined up
    RequestStatus.IN_PROGRESS: ["approve", "assign", "start"],
    RequestStatus.DELIVERED: ["approve", "assign", "start", "deliver"],
    RequestStatus.CLOSED: ["approve", "assign", "start", "deliver", "close"],
    RequestStatus.DECLINED: ["decline"],
    RequestStatus.WITHDRAWN: ["withdraw"],
}


@pytest.fixture
def tta_world(db, coordinator, integration):
    w = SimpleNamespace(coordinator=coordinator, integration=integration)
    w.engagement = factories.EngagementFactory(site__name="Tulsa", site__state="OK")
    w.site = w.engagement.site
    w.other_site = factories.EngagementFactory(site__name="Pueblo", site__state="CO").site
    w.liaison = factories.LiaisonFactory(user__username="ssl").user
    factories.AssignmentFactory(liaison=w.liaison.liaison, engagement=w.engagement)
    w.other_liaison = factories.LiaisonFactory(user__username="ssl-elsewhere").user
    factories.AssignmentFactory(
        liaison=w.other_liaison.liaison, engagement=w.other_site.engagements.get()
    )
    w.contact = factories.UserFactory(username="contact", roles=[Role.SITE_CONTACT])
    factories.SiteContactFactory(site=w.site, user=w.contact)
    w.other_contact = factories.UserFactory(username="contact-elsewhere", roles=[Role.SITE_CONTACT])
    factories.SiteContactFactory(site=w.other_site, user=w.other_contact)
    w.provider = factories.TTAProviderFactory(name="National TTA Center", slug="national")
    w.staff = factories.UserFactory(username="staff", roles=[Role.TTA_PROVIDER])
    w.provider.staff.add(w.staff)
    w.other_provider = factories.TTAProviderFactory(name="Peer Network", slug="peer")
    w.other_staff = factories.UserFactory(username="staff-elsewhere", roles=[Role.TTA_PROVIDER])
    w.other_provider.staff.add(w.other_staff)
    w.gun_violence = CoreArea.objects.get(code="gun-violence")
    w.by_role = {
        Role.COORDINATOR: coordinator,
        Role.LIAISON: w.liaison,
        Role.SITE_CONTACT: w.contact,
        Role.TTA_PROVIDER: w.staff,
        Role.INTEGRATION: integration,
    }
    w.outsider_by_role = {
        Role.LIAISON: w.other_liaison,
        Role.SITE_CONTACT: w.other_contact,
        Role.TTA_PROVIDER: w.other_staff,
    }

    def new_request(status=RequestStatus.SUBMITTED, *, before_hold=None, site=None, **kwargs):
        """A request brought to `status` through the real services (and on to a hold)."""
        fields = {
            "title": "NIBIN build-out",
            "description": "Help standing up a crime gun intelligence center.",
            "core_area": w.gun_violence,
            **kwargs,
        }
        site = site or w.site
        requester = w.contact if site == w.site else w.other_contact
        request = services.tta_request_submit(site=site, requested_by=requester, **fields)
        for action in PATH_TO[before_hold or status]:
            services.tta_request_transition(
                request=request,
                action=action,
                actor=None,
                note="Recorded" if action in {"decline", "close"} else "",
                provider=w.provider if action == "assign" else None,
            )
        if before_hold:
            services.tta_request_transition(request=request, action="hold", actor=None)
        request.refresh_from_db()
        return request

    w.new_request = new_request
    return w
