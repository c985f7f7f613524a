"""Strategic Site Liaisons, their assignments, site visits and action items."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from liaisons.choices import AssignmentRole, VisitMode, VisitStatus
from psp.accounts.roles import Role, roles_of
from psp.domain import VisibleThroughQuerySet
from sites.models import CoreArea, Engagement, Site, sees_whole_portfolio

if TYPE_CHECKING:
    from psp.accounts.models import User


class LiaisonQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> LiaisonQuerySet:
        if sees_whole_portfolio(user) or Role.LIAISON in roles_of(user):
            # Liaisons work as a team and see each other's profiles (not each other's sites).
            return self
        if Role.SITE_CONTACT in roles_of(user):
            return self.filter(
                pk__in=Assignment.objects.filter(
                    engagement__site__in=Site.objects.of_contact(user).values("pk")
                ).values("liaison_id")
            )
        return self.none()


class Liaison(models.Model):
    """The profile of a Strategic Site Liaison: a current or former law-enforcement executive."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="liaison"
    )
    background = models.TextField(blank=True)
    former_title = models.CharField(max_length=150, blank=True)
    former_agency = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()
    objects = LiaisonQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return str(self.user)


class AssignmentQuerySet(VisibleThroughQuerySet.via("engagement")):
    def current(self, *, on: datetime.date) -> AssignmentQuerySet:
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on)


class Assignment(models.Model):
    """A liaison on an engagement. At most one current primary per engagement (database rule)."""

    liaison = models.ForeignKey(Liaison, on_delete=models.PROTECT, related_name="assignments")
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(
        max_length=10, choices=AssignmentRole.choices, default=AssignmentRole.PRIMARY
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    handoff_note = models.TextField(
        blank=True, help_text="What the next liaison needs to know when this assignment ends."
    )

    history = HistoricalRecords()
    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement"],
                condition=Q(role=AssignmentRole.PRIMARY, end_date__isnull=True),
                name="assignment_one_current_primary",
                violation_error_message="This engagement already has a current primary liaison.",
            ),
            models.UniqueConstraint(
                fields=["engagement", "liaison"],
                condition=Q(end_date__isnull=True),
                name="assignment_one_current_per_liaison",
                violation_error_message="This liaison is already assigned to this engagement.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_end_not_before_start",
                violation_error_message="An assignment cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.liaison} — {self.get_role_display()} at {self.engagement.site}"


class SiteVisitQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> SiteVisitQuerySet:
        roles = roles_of(user)
        if Role.COORDINATOR in roles:
            return self
        reach = Q(pk__in=[])
        if Role.INTEGRATION in roles:
            reach |= Q(status=VisitStatus.SUBMITTED)
        if Role.LIAISON in roles:
            # Their own visits in any state, and what colleagues submitted at their sites.
            reach |= Q(liaison__user=user) | Q(
                status=VisitStatus.SUBMITTED, site__in=Site.objects.of_liaison(user).values("pk")
            )
        if Role.SITE_CONTACT in roles:
            # The shared summary of submitted visits; internal notes are never shown to them.
            reach |= Q(
                status=VisitStatus.SUBMITTED, site__in=Site.objects.of_contact(user).values("pk")
            )
        return self.filter(reach)


class SiteVisit(models.Model):
    """A liaison's visit to a site: planned → draft → submitted (a coordinator can return it)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="visits")
    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="visits", null=True, blank=True
    )
    liaison = models.ForeignKey(Liaison, on_delete=models.PROTECT, related_name="visits")
    start_date = models.DateField("visit date")
    end_date = models.DateField(null=True, blank=True, help_text="For visits of several days.")
    mode = models.CharField(
        "visit type", max_length=10, choices=VisitMode.choices, default=VisitMode.ON_SITE
    )
    status = models.CharField(max_length=10, choices=VisitStatus.choices, default=VisitStatus.DRAFT)
    purpose = models.CharField(max_length=300, blank=True)
    core_areas = models.ManyToManyField(CoreArea, blank=True, related_name="visits")
    people_met = models.TextField("people and agencies met", blank=True)
    goals = models.TextField(
        "goals", blank=True, help_text="What the site and PSP set out to achieve with the visit."
    )
    lessons_learned = models.TextField(
        "what was learned", blank=True, help_text="Lessons worth sharing with other sites."
    )
    summary = models.TextField("summary shared with the site", blank=True)
    internal_notes = models.TextField("DOJ-internal notes", blank=True)
    returned_note = models.TextField(
        blank=True, help_text="Why a coordinator returned the visit to draft."
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Bumped by every save; an edit based on an older version is a conflict.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[core_areas])
    objects = SiteVisitQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="sitevisit_end_not_before_start",
                violation_error_message="The visit cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(status=VisitStatus.SUBMITTED) | ~Q(summary=""),
                name="sitevisit_submitted_has_summary",
                violation_error_message="A submitted visit needs a summary for the site.",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "-start_date"]),
            # The visit lists, the API and the export read newest first (make bench).
            models.Index(fields=["-start_date", "-id"], name="visit_newest_first_idx"),
            # Visits not yet written up (few at any time): the dashboard's workload and the
            # write-up reminders find them without reading every visit.
            models.Index(
                fields=["start_date"],
                condition=Q(status__in=["planned", "draft"]),
                name="visit_not_written_up_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} visit on {self.start_date}"


class ActionItemQuerySet(VisibleThroughQuerySet.via("visit")):
    def open(self) -> ActionItemQuerySet:
        return self.filter(done_on__isnull=True)


class ActionItem(models.Model):
    """A next step agreed during a visit, with an owner and a due date."""

    visit = models.ForeignKey(SiteVisit, on_delete=models.CASCADE, related_name="action_items")
    text = models.CharField(max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
    )
    owner_name = models.CharField(
        max_length=150, blank=True, help_text="For owners without an account (a site partner)."
    )
    due_date = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()
    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.text
