"""The demo portfolio: real PSP sites (public record, `data/psp_sites.csv`) with synthetic
liaisons, contacts, visits and TTA requests, phased relative to a given day.

Everything is written through the domain services, so the demo exercises the same rules as
the product (milestone generation, the TTA state machine, assignment hand-offs) and leaves
history behind. Randomness is seeded per site, so the same day always gives the same data.
"""

from __future__ import annotations

import csv
import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import Group
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify

from liaisons.choices import VisitMode, VisitStatus
from liaisons.models import ActionItem, Liaison, SiteVisit
from liaisons.services import assignment_create, assignment_end, liaison_reassign
from psp.accounts.models import User
from psp.accounts.roles import Role
from psp.domain import validate_and_save
from sites.choices import EngagementStatus, FederalAgency, Phase, Program
from sites.models import CoreArea, Engagement, FederalPartner, Site, SiteContact
from sites.services import (
    engagement_complete,
    engagement_start,
    engagement_transition_to_operations,
    milestone_complete,
)
from tta.choices import DeliveryMode, Priority, RequestStatus
from tta.models import TrainingSummit, TTAProvider, TTARequest, TTATransition
from tta.services import (
    summit_attendance_record,
    summit_session_add,
    training_summit_save,
    tta_delivery_record,
    tta_request_assign_provider,
    tta_request_submit,
    tta_request_transition,
)

SITES_CSV = Path(__file__).with_name("data") / "psp_sites.csv"

# Engagements begin with a kick-off about three months after a cohort is announced.
KICKOFF_DELAY = datetime.timedelta(days=90)
# Kansas City moved from Diagnostic to Operations in 2018 (DESIGN.md §1).
KANSAS_CITY_OPERATIONS_START = datetime.date(2018, 6, 1)


@dataclass(frozen=True)
class SiteRow:
    name: str
    state: str
    program: str
    cohort: int
    announced: datetime.date | None
    phase: str
    notes: str

    @property
    def slug(self) -> str:
        return slugify(f"{self.name} {self.state}")

    @property
    def start_date(self) -> datetime.date:
        announced = self.announced or datetime.date(self.cohort, 3, 1)
        return announced + KICKOFF_DELAY


@dataclass(frozen=True)
class Person:
    username: str
    first: str
    last: str
    role: Role


DEMO_PEOPLE = [
    Person("coordinator", "Dana", "Whitfield", Role.COORDINATOR),
    Person("liaison", "Marcus", "Reyes", Role.LIAISON),
    Person("sitecontact", "Alicia", "Moreno", Role.SITE_CONTACT),
    Person("provider", "Priya", "Natarajan", Role.TTA_PROVIDER),
]

# Synthetic Strategic Site Liaisons: (username, first, last, former title, former agency).
SYNTHETIC_LIAISONS = [
    ("rhale", "Robert", "Hale", "Chief of Police (ret.)", "Dayton Police Department"),
    ("tokafor", "Theresa", "Okafor", "Deputy Superintendent", "Metropolitan police department"),
    ("jlindqvist", "James", "Lindqvist", "Sheriff (ret.)", "County sheriff's office"),
    ("mbrennan", "Maria", "Brennan", "Assistant Chief", "Municipal police department"),
    ("dwashington", "Derrick", "Washington", "Special Agent in Charge (ret.)", "ATF"),
    ("schen", "Susan", "Chen", "Commander, Crime Analysis", "City police department"),
]

# The demo liaison's sites: three active Operations sites and one past engagement.
DEMO_LIAISON_SITES = {"seattle-wa", "tampa-fl", "pueblo-co", "albuquerque-nm"}
DEMO_CONTACT_SITE = "seattle-wa"
# One active site shows a liaison hand-off.
HANDOFF_SITE = "minneapolis-mn"

PROVIDERS = [
    ("national-tta-center", "National TTA Center", "Coordinates TTA for PSP sites."),
    ("crime-analysis-institute", "Crime Analysis Institute", "Crime analysis and technology."),
    ("peer-exchange-network", "Peer Exchange Network", "Arranges site-to-site peer exchanges."),
    (
        "community-violence-collaborative",
        "Community Violence Collaborative",
        "Community engagement.",
    ),
]
DEMO_PROVIDER = "national-tta-center"

# Typical TTA by core area (DESIGN.md §1).
REQUEST_IDEAS = {
    "gun-violence": [
        "NIBIN and Crime Gun Intelligence Center build-out",
        "Focused deterrence program design",
    ],
    "criminal-justice-collaboration": [
        "Federal-local violent crime task force charter",
        "Prosecutor case-review partnership",
    ],
    "crime-analysis": [
        "Embedded crime analyst for 90 days",
        "Problem analysis of gun violence hot spots",
    ],
    "technology": ["Real-time crime center assessment", "Records management system migration plan"],
    "investigations": [
        "Homicide and nonfatal shooting case review",
        "Investigations unit workload assessment",
    ],
    "community-engagement": [
        "Community listening sessions facilitation",
        "Victim services coordination training",
    ],
    "peer-learning": [
        "Peer exchange on focused deterrence",
        "Community of practice on violence reduction",
    ],
}

# The actions that bring a new request to each demo status (tta.transitions.ACTIONS).
PATHS = {
    RequestStatus.SUBMITTED: [],
    RequestStatus.UNDER_REVIEW: ["review"],
    RequestStatus.APPROVED: ["review", "approve"],
    RequestStatus.IN_PROGRESS: ["review", "approve", "assign", "start"],
    RequestStatus.DELIVERED: ["review", "approve", "assign", "start", "record", "deliver"],
    RequestStatus.CLOSED: ["review", "approve", "assign", "start", "record", "deliver", "close"],
    RequestStatus.DECLINED: ["review", "decline"],
    RequestStatus.ON_HOLD: ["review", "hold"],
    RequestStatus.WITHDRAWN: ["withdraw"],
}

# The annual training summit: held each August (demo dates and places, not the real ones).
SUMMIT_PLACES = {0: "Denver, CO", 1: "Atlanta, GA"}
SUMMIT_SESSIONS = [
    ("gun-violence", "Crime gun intelligence centers"),
    ("crime-analysis", "Turning data into deployment decisions"),
    ("community-engagement", "Working with community violence intervention programs"),
]

VISIT_GOALS = [
    "Agree the strategic plan's priorities with command staff and federal partners",
    "Scope the crime analysis TTA and who will own it locally",
    "Review progress on the focused deterrence call-ins",
]
VISIT_LESSONS = [
    "Weekly shooting reviews work best when the USAO attends in person.",
    "Analysts need read access to the records system before any TTA on data can start.",
    "Call-ins land better when community partners speak first.",
]

PEOPLE_MET = [
    "Chief of Police and command staff; ATF Group Supervisor; AUSA violent crime section chief",
    "Crime analysis unit; FBI Safe Streets task force; community violence intervention partners",
    "Mayor's office of violence prevention; district attorney; USMS fugitive task force",
    "Investigations bureau commanders; victim services coordinator; DEA resident agent in charge",
]


class DemoPortfolio:
    DEMO_ACCOUNTS = [p.username for p in DEMO_PEOPLE]

    def __init__(self, *, today: datetime.date, password: str) -> None:
        self.today = today
        self.password = password
        self.users: dict[str, User] = {}
        self.liaisons: dict[str, Liaison] = {}
        self.providers: dict[str, TTAProvider] = {}

    # --- people and organizations ---------------------------------------------------------

    def _user(self, username: str, first: str, last: str, role: Role) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@psp.example"},
        )
        if created:
            user.set_password(self.password)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
        return user

    def load_people(self) -> None:
        for person in DEMO_PEOPLE:
            self.users[person.username] = self._user(
                person.username, person.first, person.last, person.role
            )
        demo_liaison, _ = Liaison.objects.get_or_create(
            user=self.users["liaison"],
            defaults={
                "former_title": "Deputy Chief (ret.)",
                "former_agency": "Metropolitan police department",
                "background": "Twenty-five years in patrol, investigations and violence reduction.",
                "phone": "202-555-0140",
            },
        )
        self.liaisons["liaison"] = demo_liaison
        for username, first, last, title, agency in SYNTHETIC_LIAISONS:
            user = self._user(username, first, last, Role.LIAISON)
            self.liaisons[username], _ = Liaison.objects.get_or_create(
                user=user, defaults={"former_title": title, "former_agency": agency}
            )
        for slug, name, description in PROVIDERS:
            self.providers[slug], _ = TTAProvider.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description}
            )
        self.providers[DEMO_PROVIDER].staff.add(self.users["provider"])

    def load_summits(self) -> int:
        """The last two annual summits that have begun, with each Operations site's delegation
        (recording attendance completes the site's yearly summit milestone). Idempotent."""
        coordinator = self.users["coordinator"]
        created = 0
        for year in (self.today.year - 1, self.today.year):
            start = datetime.date(year, 8, 11)
            if start > self.today or TrainingSummit.objects.filter(year=year).exists():
                continue
            summit = training_summit_save(
                year=year,
                title=f"PSP National Training Summit {year}",
                start_date=start,
                end_date=start + datetime.timedelta(days=2),
                location=SUMMIT_PLACES[year % 2],
                actor=coordinator,
            )
            for code, title in SUMMIT_SESSIONS:
                summit_session_add(
                    summit=summit,
                    core_area=CoreArea.objects.get(code=code),
                    title=title,
                    actor=coordinator,
                )
            rng = random.Random(year)  # noqa: S311 - demo data, not security
            running = (
                Engagement.objects.filter(phase=Phase.OPERATIONS, start_date__lte=start)
                .filter(
                    Q(actual_end__gte=start) | Q(actual_end__isnull=True, planned_end__gte=start)
                )
                .exclude(status=EngagementStatus.WITHDRAWN)
                .select_related("site")
            )
            for engagement in running.order_by("site__name"):
                summit_attendance_record(
                    summit=summit,
                    site=engagement.site,
                    attendees=rng.randint(3, 12),
                    actor=coordinator,
                    today=self.today,
                )
            created += 1
        return created

    # --- sites ----------------------------------------------------------------------------

    def site_rows(self) -> list[list[SiteRow]]:
        """CSV rows grouped by site (Baton Rouge was selected twice: two engagements)."""
        grouped: dict[str, list[SiteRow]] = {}
        with SITES_CSV.open(newline="") as handle:
            for raw in csv.DictReader(handle):
                announced = raw["announced"]
                row = SiteRow(
                    name=raw["site"],
                    state=raw["state"],
                    program=raw["program"],
                    cohort=int(raw["cohort"]),
                    announced=(
                        datetime.date.fromisoformat(announced) if len(announced) == 10 else None
                    ),
                    phase=raw["phase"],
                    notes=raw["notes"],
                )
                grouped.setdefault(row.slug, []).append(row)
        return list(grouped.values())

    def site_count(self) -> int:
        return Site.objects.count()

    def load_site(self, rows: list[SiteRow]) -> int:
        """Create one site with its whole story; returns 0 if it already exists."""
        first = rows[0]
        if Site.objects.filter(slug=first.slug).exists():
            return 0
        rng = random.Random(first.slug)  # noqa: S311 - demo data, not security
        site = validate_and_save(
            Site(
                slug=first.slug,
                name=first.name,
                state=first.state,
                program=Program(first.program),
                cohort_year=first.cohort,
                announced_on=first.announced,
                lead_agency=_lead_agency(first.name),
                notes="; ".join(row.notes for row in rows if row.notes),
            ),
            actor=None,
        )
        extra_agency = rng.choice([FederalAgency.DEA, FederalAgency.USMS, FederalAgency.BJA])
        for agency in [FederalAgency.ATF, FederalAgency.FBI, FederalAgency.USAO, extra_agency]:
            validate_and_save(FederalPartner(site=site, agency=agency), actor=None)
        contact_user = self.users["sitecontact"] if site.slug == DEMO_CONTACT_SITE else None
        validate_and_save(
            SiteContact(
                site=site,
                user=contact_user,
                name=str(contact_user)
                if contact_user
                else f"Violence reduction coordinator, {site.name}",
                title="Violence Reduction Coordinator",
                organization=site.lead_agency,
                email=contact_user.email if contact_user else "",
                is_primary=True,
            ),
            actor=None,
        )
        for row in rows:
            self._load_engagements(site, row, rng)
        return 1

    def _load_engagements(self, site: Site, row: SiteRow, rng: random.Random) -> None:
        if row.start_date > self.today:
            engagement_start(
                site=site, phase=row.phase, start_date=row.start_date, today=self.today
            )
            return
        engagement = engagement_start(
            site=site, phase=row.phase, start_date=row.start_date, today=self.today
        )
        if site.slug == "kansas-city-mo" and row.phase == Phase.DIAGNOSTIC:
            self._play_out(engagement, rng, until=KANSAS_CITY_OPERATIONS_START)
            engagement = engagement_transition_to_operations(
                engagement=engagement, start_date=KANSAS_CITY_OPERATIONS_START, today=self.today
            )
        self._play_out(engagement, rng, until=min(engagement.planned_end, self.today))
        if engagement.planned_end < self.today:
            for assignment in engagement.assignments.filter(end_date__isnull=True):
                assignment_end(assignment=assignment, end_date=engagement.planned_end, actor=None)
            engagement_complete(engagement=engagement, end_date=engagement.planned_end)

    def _play_out(
        self, engagement: Engagement, rng: random.Random, *, until: datetime.date
    ) -> None:
        """Assign liaisons, complete milestones, log visits and TTA up to `until`."""
        site = engagement.site
        ongoing = until >= self.today
        if engagement.phase == Phase.OPERATIONS:
            liaison = self._liaison_for(site, rng)
            assignment_start = min(engagement.start_date + datetime.timedelta(days=21), until)
            assignment_create(
                liaison=liaison,
                engagement=engagement,
                start_date=assignment_start,
                today=self.today,
            )
            if ongoing and site.slug == HANDOFF_SITE:
                successor = (
                    self.liaisons["schen"]
                    if liaison != self.liaisons["schen"]
                    else self.liaisons["rhale"]
                )
                liaison_reassign(
                    engagement=engagement,
                    new_liaison=successor,
                    start_date=self.today - datetime.timedelta(days=120),
                    handoff_note=(
                        "Strategic plan adopted; the crime gun intelligence working group meets "
                        "every other Tuesday. Open item: analyst hiring with the budget office."
                    ),
                    today=self.today,
                )
        # Past milestones are done, except that an ongoing engagement leaves about one in
        # three of them open, so some are overdue.
        for milestone in engagement.milestones.open().filter(due_date__lt=until):
            if ongoing and rng.random() < 0.3:
                continue
            done = min(milestone.due_date + datetime.timedelta(days=rng.randint(-10, 12)), until)
            milestone_complete(
                milestone=milestone, completed_on=max(done, engagement.start_date), today=self.today
            )
        if ongoing and engagement.phase == Phase.OPERATIONS:
            self._log_visits(engagement, rng)
            self._file_tta(engagement, rng)

    def _liaison_for(self, site: Site, rng: random.Random) -> Liaison:
        if site.slug in DEMO_LIAISON_SITES:
            return self.liaisons["liaison"]
        return self.liaisons[rng.choice(SYNTHETIC_LIAISONS)[0]]

    # --- visits and TTA -------------------------------------------------------------------

    def _log_visits(self, engagement: Engagement, rng: random.Random) -> None:
        areas = list(CoreArea.objects.filter(active=True))
        for assignment in engagement.assignments.select_related("liaison__user"):
            day = assignment.start_date + datetime.timedelta(days=rng.randint(10, 30))
            end = assignment.end_date or self.today
            while day < end - datetime.timedelta(days=14):
                self._visit(engagement, assignment.liaison, day, VisitStatus.SUBMITTED, rng, areas)
                day += datetime.timedelta(days=rng.randint(35, 70))
            if assignment.end_date is None:
                # Work in flight: a write-up waiting since last week, and the next trip.
                self._visit(
                    engagement,
                    assignment.liaison,
                    self.today - datetime.timedelta(days=6),
                    VisitStatus.DRAFT,
                    rng,
                    areas,
                )
                self._visit(
                    engagement,
                    assignment.liaison,
                    self.today + datetime.timedelta(days=rng.randint(7, 30)),
                    VisitStatus.PLANNED,
                    rng,
                    areas,
                )

    def _visit(self, engagement, liaison, day, status, rng, areas) -> SiteVisit:
        submitted = status == VisitStatus.SUBMITTED
        visit = validate_and_save(
            SiteVisit(
                site=engagement.site,
                engagement=engagement,
                liaison=liaison,
                start_date=day,
                end_date=day + datetime.timedelta(days=rng.choice([0, 1, 2])),
                mode=rng.choice(
                    [VisitMode.ON_SITE, VisitMode.ON_SITE, VisitMode.VIRTUAL, VisitMode.PHONE]
                ),
                status=status,
                purpose=rng.choice(
                    [
                        "Working group meeting",
                        "Strategic plan review",
                        "TTA planning",
                        "Site assessment follow-up",
                    ]
                ),
                people_met=rng.choice(PEOPLE_MET) if status != VisitStatus.PLANNED else "",
                goals=rng.choice(VISIT_GOALS),
                lessons_learned=rng.choice(VISIT_LESSONS) if submitted else "",
                summary=(
                    f"Met with partners in {engagement.site.name} to review progress on the "
                    "strategic plan and agree next steps on TTA."
                    if submitted
                    else ""
                ),
                internal_notes="Command staff turnover may slow the analyst hiring."
                if submitted
                else "",
                submitted_at=None,
            ),
            actor=liaison.user,
        )
        visit.core_areas.set(rng.sample(areas, 2))
        if status != VisitStatus.PLANNED:
            validate_and_save(
                ActionItem(
                    visit=visit,
                    text="Send the draft data-sharing agreement to the USAO",
                    owner=liaison.user,
                    due_date=day + datetime.timedelta(days=21),
                    done_on=(day + datetime.timedelta(days=15))
                    if day + datetime.timedelta(days=15) < self.today
                    else None,
                ),
                actor=liaison.user,
            )
            # Written up on the day of the visit, not when the demo ran, so reminders that count
            # days since the last edit follow the demo's calendar rather than the real clock.
            written = timezone.make_aware(datetime.datetime.combine(day, datetime.time(18)))
            SiteVisit.objects.filter(pk=visit.pk).update(created_at=written, updated_at=written)
        return visit

    def _file_tta(self, engagement: Engagement, rng: random.Random) -> None:
        site = engagement.site
        requester = (
            self.users["sitecontact"]
            if site.slug == DEMO_CONTACT_SITE
            else (engagement.assignments.filter(end_date__isnull=True).first().liaison.user)
        )
        coordinator = self.users["coordinator"]
        statuses = rng.sample(list(PATHS), 3)
        if site.slug in DEMO_LIAISON_SITES | {DEMO_CONTACT_SITE}:
            statuses = [RequestStatus.SUBMITTED, RequestStatus.IN_PROGRESS, RequestStatus.CLOSED]
        for index, target in enumerate(statuses):
            area = rng.choice(sorted(REQUEST_IDEAS))
            request = tta_request_submit(
                site=site,
                core_area=CoreArea.objects.get(code=area),
                title=rng.choice(REQUEST_IDEAS[area]),
                description=f"{site.name} asks for help: see the working group's notes.",
                requested_by=requester,
                needed_by=self.today + datetime.timedelta(days=rng.randint(20, 120)),
                priority=rng.choice(list(Priority)),
                today=self.today,
            )
            provider = (
                self.providers[DEMO_PROVIDER]
                if index % 2 == 0
                else self.providers[rng.choice(PROVIDERS)[0]]
            )
            for step in PATHS[target]:
                self._tta_step(request, step, provider, requester, coordinator, rng)
            # Spread the timeline back in time so ages and SLAs look like real work.
            age = datetime.timedelta(days=rng.randint(5, 60))
            later = age / 2 if PATHS[target] else age
            TTARequest.objects.filter(pk=request.pk).update(
                created_at=F("created_at") - age, status_changed_at=F("status_changed_at") - later
            )
            transitions = TTATransition.objects.filter(request=request)
            transitions.filter(from_status="").update(at=F("at") - age)
            transitions.exclude(from_status="").update(at=F("at") - later)

    def _tta_step(self, request, step, provider, requester, coordinator, rng) -> None:
        staff = provider.staff.first() if provider.staff.exists() else None
        if step == "assign":
            tta_request_assign_provider(request=request, provider=provider, actor=coordinator)
        elif step == "record":
            tta_delivery_record(
                request=request,
                date=self.today - datetime.timedelta(days=rng.randint(1, 20)),
                mode=rng.choice(list(DeliveryMode)),
                hours=Decimal(rng.choice([2, 4, 6, 16])),
                participants=rng.randint(6, 40),
                summary="Delivered as planned; materials shared with the working group.",
                actor=staff,
                today=self.today,
            )
        elif step == "withdraw":
            tta_request_transition(
                request=request,
                action=step,
                actor=requester,
                note="No longer needed.",
                today=self.today,
            )
        elif step in {"start", "deliver"}:
            tta_request_transition(request=request, action=step, actor=staff, today=self.today)
        else:
            note = {
                "decline": "Outside PSP scope; referred to the state SAC.",
                "close": "Delivered; the site reports the plan is in use.",
                "hold": "Waiting for the site's new chief to take office.",
            }.get(step, "")
            tta_request_transition(
                request=request, action=step, actor=coordinator, note=note, today=self.today
            )


def _lead_agency(name: str) -> str:
    if "County" in name:
        return f"{name} Sheriff's Office"
    return f"{name.split('/')[0]} Police Department"
