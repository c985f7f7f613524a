"""factory_boy factories, one per model (STYLE.md: added with the model)."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from liaisons.choices import AssignmentRole, VisitMode, VisitStatus
from liaisons.models import ActionItem, Assignment, Liaison, SiteVisit
from psp.accounts.models import User
from sites.choices import EngagementStatus, Phase
from sites.models import (
    CoreArea,
    Engagement,
    EngagementExtension,
    FederalPartner,
    Milestone,
    Site,
    SiteContact,
)
from tta.choices import DeliveryMode, RequestStatus
from tta.models import (
    SummitAttendance,
    SummitSession,
    TrainingSummit,
    TTADelivery,
    TTAProvider,
    TTARequest,
    TTATransition,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gov")
    password = factory.django.Password("pw-for-tests-2026")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            self.groups.add(Group.objects.get(name=role))


class CoreAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoreArea
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"area-{n}")
    name = factory.Sequence(lambda n: f"Area {n}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"City {n}")
    state = "TX"
    slug = factory.LazyAttribute(lambda s: f"{s.name.lower().replace(' ', '-')}-{s.state.lower()}")
    cohort_year = 2024
    announced_on = datetime.date(2024, 5, 1)


class SiteContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteContact

    site = factory.SubFactory(SiteFactory)
    name = factory.Faker("name")


class FederalPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FederalPartner

    site = factory.SubFactory(SiteFactory)
    agency = "ATF"


class EngagementFactory(factory.django.DjangoModelFactory):
    """A bare engagement row; use `sites.services.engagement_start` for one with milestones."""

    class Meta:
        model = Engagement

    site = factory.SubFactory(SiteFactory)
    phase = Phase.OPERATIONS
    status = EngagementStatus.ACTIVE
    start_date = datetime.date(2025, 1, 15)
    planned_end = datetime.date(2028, 1, 15)


class EngagementExtensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EngagementExtension

    engagement = factory.SubFactory(EngagementFactory)
    previous_planned_end = datetime.date(2028, 1, 15)
    new_planned_end = datetime.date(2028, 7, 15)
    reason = "Summit moved."


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    engagement = factory.SubFactory(EngagementFactory)
    key = factory.Sequence(lambda n: f"milestone-{n}")
    title = "Strategic plan adopted"
    due_date = datetime.date(2025, 10, 15)


class LiaisonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Liaison

    user = factory.SubFactory(UserFactory, roles=["liaison"])
    former_title = "Chief of Police (ret.)"


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    liaison = factory.SubFactory(LiaisonFactory)
    engagement = factory.SubFactory(EngagementFactory)
    role = AssignmentRole.PRIMARY
    start_date = factory.LazyAttribute(lambda a: a.engagement.start_date)


class SiteVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteVisit

    site = factory.LazyAttribute(lambda v: v.engagement.site)
    engagement = factory.SubFactory(EngagementFactory)
    liaison = factory.SubFactory(LiaisonFactory)
    start_date = datetime.date(2025, 6, 10)
    mode = VisitMode.ON_SITE
    status = VisitStatus.SUBMITTED
    summary = "Reviewed the strategic plan with the working group."
    internal_notes = "Chief is retiring in the spring."


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    visit = factory.SubFactory(SiteVisitFactory)
    text = "Share the data-sharing agreement"
    due_date = datetime.date(2025, 7, 1)


class TTAProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TTAProvider

    name = factory.Sequence(lambda n: f"Provider {n}")
    slug = factory.Sequence(lambda n: f"provider-{n}")


class TTARequestFactory(factory.django.DjangoModelFactory):
    """A bare request row; use `tta.services.tta_request_submit` to get its first transition."""

    class Meta:
        model = TTARequest

    site = factory.SubFactory(SiteFactory)
    core_area = factory.LazyFunction(lambda: CoreArea.objects.get(code="crime-analysis"))
    title = "Embedded crime analyst"
    description = "Ninety days of analyst support."
    requested_by = factory.SubFactory(UserFactory)
    status = RequestStatus.SUBMITTED


class TTATransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TTATransition

    request = factory.SubFactory(TTARequestFactory)
    to_status = RequestStatus.SUBMITTED
    at = factory.Faker("date_time", tzinfo=datetime.UTC)


class TTADeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TTADelivery

    request = factory.SubFactory(
        TTARequestFactory,
        status=RequestStatus.IN_PROGRESS,
        provider=factory.SubFactory(TTAProviderFactory),
    )
    date = datetime.date(2025, 8, 1)
    mode = DeliveryMode.VIRTUAL
    hours = Decimal("4.0")
    participants = 12


# --- Notifications (issue #7) -----------------------------------------------------------------
from psp.notifications.choices import Delivery, NotificationStatus  # noqa: E402
from psp.notifications.models import Notification, NotificationPreference  # noqa: E402


class NotificationFactory(factory.django.DjangoModelFactory):
    """An outbox row about a milestone; the sweeps are the real way rows are made."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "milestone.due_in_7"
    subject_object = factory.SubFactory(MilestoneFactory)
    reference_date = factory.LazyAttribute(lambda n: n.subject_object.due_date)
    subject = "City 1, TX: “Strategic plan adopted” is due in 7 days"
    reason = "You are the Strategic Site Liaison for City 1, TX."
    url = "/sites/city-1-tx/"
    delivery = Delivery.IMMEDIATELY
    status = NotificationStatus.PENDING


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreference

    user = factory.SubFactory(UserFactory)
    kind = "milestone.due_in_7"
    delivery = Delivery.DAILY


# --- API tokens (REST API, issue #6) --------------------------------------------------------
class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token whose key is known to the test as `token.key` (never stored in the database)."""

    class Meta:
        model = "accounts.ApiToken"

    user = factory.SubFactory(UserFactory, roles=["integration"])
    name = "Test integration"
    key = factory.Sequence(lambda n: f"psp_testkey{n:06d}{'x' * 32}")
    read_only = False

    @classmethod
    def _create(cls, model_class, *args, key, **kwargs):
        from psp.accounts.services import SHOWN_PREFIX_LENGTH, api_token_hash

        token = model_class.objects.create(
            *args, prefix=key[:SHOWN_PREFIX_LENGTH], key_hash=api_token_hash(key), **kwargs
        )
        token.key = key
        return token


# --- TTA: the annual training summit ------------------------------------------------------


class TrainingSummitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSummit
        django_get_or_create = ["year"]

    year = 2026
    title = factory.LazyAttribute(lambda s: f"PSP National Training Summit {s.year}")
    start_date = factory.LazyAttribute(lambda s: datetime.date(s.year, 5, 12))
    end_date = factory.LazyAttribute(lambda s: datetime.date(s.year, 5, 14))
    location = "Washington, DC"


class SummitSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SummitSession

    summit = factory.SubFactory(TrainingSummitFactory)
    core_area = factory.LazyFunction(lambda: CoreArea.objects.get(code="gun-violence"))
    title = "Crime gun intelligence centers"


class SummitAttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SummitAttendance

    summit = factory.SubFactory(TrainingSummitFactory)
    site = factory.SubFactory(SiteFactory)
    attendees = 6
