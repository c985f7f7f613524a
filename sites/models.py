"""Sites, their engagements (phases), milestones and the core areas of TTA.

Visibility (DESIGN.md §2) lives in each queryset's `visible_to(user)`; every page, endpoint,
export and email starts from it.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from psp.accounts.roles import Role, roles_of
from psp.domain import ReferenceDataQuerySet, VisibleThroughQuerySet
from sites.choices import (
    OPEN_ENGAGEMENT_STATUSES,
    EngagementStatus,
    FederalAgency,
    Phase,
    Program,
)

if TYPE_CHECKING:
    from psp.accounts.models import User


def sees_whole_portfolio(user: User) -> bool:
    """Coordinators and integration clients read every site (DESIGN.md §2)."""
    return bool(roles_of(user) & {Role.COORDINATOR, Role.INTEGRATION})


class CoreArea(models.Model):
    """One of the core areas of TTA. Data, not an enum: the program adds areas over time."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()
    objects = ReferenceDataQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class SiteQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> SiteQuerySet:
        visible = self.working_on_by(user)
        if Role.TTA_PROVIDER in roles_of(user) and not sees_whole_portfolio(user):
            # Enough to name the site of a request assigned to the provider's organization.
            provider_sites = self.model.objects.filter(tta_requests__provider__staff=user)
            visible = self.filter(
                Q(pk__in=visible.values("pk")) | Q(pk__in=provider_sites.values("pk"))
            )
        return visible

    def working_on_by(self, user: User) -> SiteQuerySet:
        """Sites whose engagements the user follows: the whole portfolio for coordinators and
        integrations, assigned sites for liaisons, their own site for a site contact."""
        if sees_whole_portfolio(user):
            return self
        roles = roles_of(user)
        reach = Q(pk__in=[])
        if Role.LIAISON in roles:
            reach |= Q(pk__in=self.of_liaison(user).values("pk"))
        if Role.SITE_CONTACT in roles:
            reach |= Q(pk__in=self.of_contact(user).values("pk"))
        return self.filter(reach)

    def of_liaison(self, user: User) -> SiteQuerySet:
        """Sites the liaison is or was assigned to, on any engagement."""
        return self.filter(pk__in=_liaison_site_ids(user))

    def of_contact(self, user: User) -> SiteQuerySet:
        """The site(s) the user is a local contact for."""
        return self.filter(pk__in=SiteContact.objects.filter(user=user).values("site_id"))

    def assigned_to(self, user: User, *, on: datetime.date) -> SiteQuerySet:
        """Sites where the user is a current liaison (primary or backup) of an open engagement."""
        return self.filter(pk__in=_liaison_site_ids(user, current_on=on))


def _liaison_site_ids(user: User, *, current_on: datetime.date | None = None):
    from django.apps import apps

    # Looked up by name: liaisons sits above sites in the import order (DESIGN.md §4), and a
    # site's visibility to a liaison is defined by the assignments that app owns.
    Assignment = apps.get_model("liaisons", "Assignment")
    assignments = Assignment.objects.filter(liaison__user=user)
    if current_on is not None:
        assignments = assignments.current(on=current_on).filter(
            engagement__status__in=OPEN_ENGAGEMENT_STATUSES
        )
    return assignments.values("engagement__site_id")


class Site(models.Model):
    """A jurisdiction PSP works with (a city, a county, or two cities as one site)."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField("city or jurisdiction", max_length=120)
    state = models.CharField(max_length=2, help_text="Two-letter USPS code.")
    lead_agency = models.CharField(max_length=200, blank=True)
    program = models.CharField(max_length=3, choices=Program.choices, default=Program.PSP)
    cohort_year = models.PositiveSmallIntegerField()
    announced_on = models.DateField(
        null=True, blank=True, help_text="Empty when only the year of the announcement is known."
    )
    population = models.PositiveIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When anything the site's status is computed from last changed (psp.domain
    # .SITE_STATUS_SOURCES), and how many times: the API's status feed filters on the time; a
    # stored status row (psp.portfolio.models.SiteStatusRow) is current only at this version.
    status_changed_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    status_version = models.PositiveBigIntegerField(default=0, db_default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["status_changed_at", "status_version"])
    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["name", "state"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "state"],
                name="site_unique_name_state",
                violation_error_message="A site with this name already exists in this state.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name(self.name, self.state)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sites:detail", kwargs={"slug": self.slug})

    @staticmethod
    def display_name(name: str, state: str) -> str:
        """How a site is named on pages (also from plain rows): "Memphis, TN"."""
        return f"{name}, {state}"


class SiteDetailQuerySet(models.QuerySet):
    """People and partners at a site: for those who work the site, not for TTA providers."""

    def visible_to(self, user: User):
        return self.filter(site__in=Site.objects.working_on_by(user).values("pk"))


class SiteContact(models.Model):
    """A local partner at a site; with a user account they sign in as a site contact."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="contacts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="site_contacts",
    )
    name = models.CharField(max_length=150)
    title = models.CharField(max_length=150, blank=True)
    organization = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_primary = models.BooleanField(default=False)

    history = HistoricalRecords()
    objects = SiteDetailQuerySet.as_manager()

    class Meta:
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "user"],
                condition=Q(user__isnull=False),
                name="sitecontact_one_row_per_user_and_site",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.site})"


class FederalPartner(models.Model):
    """A federal agency working with a site, with its point of contact."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="federal_partners")
    agency = models.CharField(max_length=10, choices=FederalAgency.choices)
    contact_name = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField(blank=True)
    notes = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = SiteDetailQuerySet.as_manager()

    class Meta:
        ordering = ["agency"]
        constraints = [
            models.UniqueConstraint(fields=["site", "agency"], name="federalpartner_unique_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} at {self.site}"


class EngagementQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> EngagementQuerySet:
        if sees_whole_portfolio(user):
            return self
        return self.filter(site__in=Site.objects.working_on_by(user).values("pk"))

    def open(self) -> EngagementQuerySet:
        return self.filter(status__in=OPEN_ENGAGEMENT_STATUSES)


class Engagement(models.Model):
    """One phase of one site. At most one open engagement per site, enforced by the database."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="engagements")
    phase = models.CharField(max_length=12, choices=Phase.choices)
    status = models.CharField(
        max_length=12, choices=EngagementStatus.choices, default=EngagementStatus.PLANNED
    )
    start_date = models.DateField()
    planned_end = models.DateField()
    actual_end = models.DateField(null=True, blank=True)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next",
        help_text="The engagement this one followed (Diagnostic → Operations).",
    )
    close_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["site__name", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["site"],
                condition=Q(status__in=OPEN_ENGAGEMENT_STATUSES),
                name="engagement_one_open_per_site",
                violation_error_message="This site already has an open engagement.",
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("start_date")),
                name="engagement_planned_end_not_before_start",
                violation_error_message="The planned end cannot be before the start.",
            ),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True) | Q(actual_end__gte=models.F("start_date")),
                name="engagement_actual_end_not_before_start",
                violation_error_message="The engagement cannot end before it starts.",
            ),
            # Open engagements have no end yet; closed ones always record when they ended.
            models.CheckConstraint(
                condition=(
                    Q(status__in=OPEN_ENGAGEMENT_STATUSES, actual_end__isnull=True)
                    | (~Q(status__in=OPEN_ENGAGEMENT_STATUSES) & Q(actual_end__isnull=False))
                ),
                name="engagement_actual_end_iff_closed",
                violation_error_message=(
                    "A closed engagement needs an end date; an open one cannot have one."
                ),
            ),
        ]
        indexes = [models.Index(fields=["status", "phase"])]

    def __str__(self) -> str:
        return f"{self.site} — {self.get_phase_display()} ({self.start_date:%b %Y})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ENGAGEMENT_STATUSES


class EngagementExtension(models.Model):
    """Each extension of an engagement's planned end, with the reason given for it."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="extensions")
    previous_planned_end = models.DateField()
    new_planned_end = models.DateField()
    reason = models.TextField()
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    extended_at = models.DateTimeField(auto_now_add=True)

    objects = VisibleThroughQuerySet.via("engagement").as_manager()

    class Meta:
        ordering = ["extended_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_planned_end__gt=models.F("previous_planned_end")),
                name="extension_moves_end_later",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="extension_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.engagement} extended to {self.new_planned_end}"


class MilestoneTemplate(models.Model):
    """What every engagement of a phase must reach, and when, counted from its start."""

    phase = models.CharField(max_length=12, choices=Phase.choices)
    key = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    offset_months = models.PositiveSmallIntegerField(default=0)
    offset_days = models.PositiveSmallIntegerField(default=0)
    repeats_yearly = models.BooleanField(
        default=False, help_text="Repeat every 12 months for as long as the phase lasts."
    )
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()
    objects = ReferenceDataQuerySet.as_manager()

    class Meta:
        ordering = ["phase", "order"]
        constraints = [
            models.UniqueConstraint(fields=["phase", "key"], name="milestonetemplate_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()}: {self.title}"


class MilestoneQuerySet(VisibleThroughQuerySet.via("engagement")):
    def open(self) -> MilestoneQuerySet:
        return self.filter(completed_on__isnull=True)

    def overdue(self, today: datetime.date) -> MilestoneQuerySet:
        return self.open().filter(due_date__lt=today)


class Milestone(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="milestones")
    template = models.ForeignKey(
        MilestoneTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    key = models.SlugField(
        max_length=80, help_text="Template key, with the year for yearly milestones."
    )
    title = models.CharField(max_length=200)
    due_date = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_milestones",
    )
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "key"], name="milestone_unique_key"),
        ]
        indexes = [
            models.Index(
                fields=["due_date"],
                condition=Q(completed_on__isnull=True),
                name="milestone_open_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (due {self.due_date})"

    @property
    def is_complete(self) -> bool:
        return self.completed_on is not None
