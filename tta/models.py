"""TTA providers, requests with their transition log, and deliveries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from psp.accounts.roles import Role, roles_of
from psp.domain import VisibleThroughQuerySet
from sites.models import CoreArea, Site, sees_whole_portfolio
from tta.choices import DeliveryMode, Priority, RequestStatus

if TYPE_CHECKING:
    from psp.accounts.models import User


class TTAProviderQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> TTAProviderQuerySet:
        if not roles_of(user):
            return self.none()
        if roles_of(user) == {Role.TTA_PROVIDER}:
            return self.filter(staff=user)
        # The directory of organizations is not sensitive to anyone inside the program.
        return self


class TTAProvider(models.Model):
    """An organization that delivers TTA (a national TTA partner, a peer site, a DOJ office)."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="tta_providers"
    )
    active = models.BooleanField(default=True)

    history = HistoricalRecords()
    objects = TTAProviderQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "TTA provider"

    def __str__(self) -> str:
        return self.name


class TTARequestQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> TTARequestQuerySet:
        if sees_whole_portfolio(user):
            return self
        roles = roles_of(user)
        reach = Q(pk__in=[])
        if Role.LIAISON in roles:
            reach |= Q(site__in=Site.objects.of_liaison(user).values("pk"))
        if Role.SITE_CONTACT in roles:
            reach |= Q(site__in=Site.objects.of_contact(user).values("pk"))
        if Role.TTA_PROVIDER in roles:
            reach |= Q(provider__in=TTAProvider.objects.filter(staff=user).values("pk"))
        return self.filter(reach)


class TTARequest(models.Model):
    """A site's request for training or technical assistance, from intake to close-out.

    The status changes only through `tta.services.tta_request_transition`, which records each
    change as a `TTATransition`.
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="tta_requests")
    core_area = models.ForeignKey(CoreArea, on_delete=models.PROTECT, related_name="tta_requests")
    title = models.CharField(max_length=200)
    description = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tta_requests"
    )
    needed_by = models.DateField(null=True, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(
        max_length=15, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    provider = models.ForeignKey(
        TTAProvider, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    decline_reason = models.TextField(blank=True)
    outcome = models.TextField(blank=True, help_text="Recorded when the request is closed.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = TTARequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "TTA request"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.DECLINED) | ~Q(decline_reason=""),
                name="ttarequest_declined_has_reason",
                violation_error_message="A declined request needs a reason.",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[RequestStatus.IN_PROGRESS, RequestStatus.DELIVERED])
                | Q(provider__isnull=False),
                name="ttarequest_work_has_provider",
                violation_error_message="Work in progress or delivered needs a provider.",
            ),
        ]
        indexes = [models.Index(fields=["status", "core_area"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.site})"


class OpenRequestTally(models.Model):
    """How many requests of one core area, submitted on one (local) day, are in one open
    status. The portfolio dashboard's TTA pipeline sums these few thousand rows instead of
    aggregating every open request (docs/benchmarks.md).

    Kept by the TTA services in the transaction of each submission and status change
    (`tta.services.open_request_tally_move`), and rebuilt from the requests by the nightly
    job and after data loads (`open_request_tallies_rebuild`)."""

    core_area = models.ForeignKey(CoreArea, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=15, choices=RequestStatus.choices)
    submitted_on = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["core_area", "status", "submitted_on"], name="openrequesttally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.status} in {self.core_area_id} on {self.submitted_on}"


class TTATransition(models.Model):
    """One status change of a request: from, to, who, when and why. Append-only."""

    request = models.ForeignKey(TTARequest, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=15, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(max_length=15, choices=RequestStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    objects = VisibleThroughQuerySet.via("request").as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "TTA transition"

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


class TTADelivery(models.Model):
    """A session of TTA actually delivered against a request."""

    request = models.ForeignKey(TTARequest, on_delete=models.CASCADE, related_name="deliveries")
    date = models.DateField()
    mode = models.CharField(max_length=20, choices=DeliveryMode.choices)
    hours = models.DecimalField(max_digits=6, decimal_places=1)
    participants = models.PositiveIntegerField(default=0)
    host_site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_deliveries",
        help_text="For a peer exchange: the site that hosted.",
    )
    summary = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = VisibleThroughQuerySet.via("request").as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = "TTA delivery"
        verbose_name_plural = "TTA deliveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0),
                name="ttadelivery_positive_hours",
                violation_error_message="Hours delivered must be more than zero.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} on {self.date} for {self.request}"


class TrainingSummitQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> TrainingSummitQuerySet:
        # The summit is a program event: everyone inside the program may see its programme.
        return self if roles_of(user) else self.none()


class TrainingSummit(models.Model):
    """The annual PSP training summit: when and where, and its sessions by core area."""

    year = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField()
    location = models.CharField("place", max_length=200)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = TrainingSummitQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="trainingsummit_end_not_before_start",
                violation_error_message="The summit cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("tta:summit-detail", kwargs={"year": self.year})


class SummitSession(models.Model):
    """One session of a summit, in one core area."""

    summit = models.ForeignKey(TrainingSummit, on_delete=models.CASCADE, related_name="sessions")
    core_area = models.ForeignKey(
        CoreArea, on_delete=models.PROTECT, related_name="summit_sessions"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = VisibleThroughQuerySet.via("summit").as_manager()

    class Meta:
        ordering = ["core_area__order", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.core_area})"


class SummitAttendanceQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> SummitAttendanceQuerySet:
        # Who attended is about a site: visible to those who may see the site.
        return self.filter(site__in=Site.objects.visible_to(user).values("pk"))


class SummitAttendance(models.Model):
    """A site's delegation at a summit; recording it completes the site's yearly milestone."""

    summit = models.ForeignKey(TrainingSummit, on_delete=models.CASCADE, related_name="attendance")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="summit_attendance")
    attendees = models.PositiveIntegerField("people attending")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = SummitAttendanceQuerySet.as_manager()

    class Meta:
        ordering = ["site__name"]
        verbose_name_plural = "summit attendance"
        constraints = [
            models.UniqueConstraint(
                fields=["summit", "site"],
                name="summitattendance_one_row_per_site",
                violation_error_message="This site's attendance is already recorded.",
            ),
            models.CheckConstraint(
                condition=Q(attendees__gt=0),
                name="summitattendance_someone_attended",
                violation_error_message="At least one person must have attended.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} at {self.summit} ({self.attendees})"
