import csv
import datetime
import io
import tracemalloc

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liaisons.choices import VisitStatus
from liaisons.models import SiteVisit
from psp.accounts.audit import AuditAction
from psp.accounts.models import AuditEvent
from psp.accounts.roles import Role
from psp.portfolio.exports import DATASETS, csv_lines, export_table, neutralize
from sites.models import CoreArea
from tests import factories

pytestmark = pytest.mark.django_db


def download_csv(client, dataset, **params):
    response = client.get(reverse("portfolio:export", args=[dataset, "csv"]), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Plain text", "Plain text"),
        (-5, -5),
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 1)),
    ],
)
def test_cells_that_spreadsheets_would_run_are_neutralized(value, expected):
    assert neutralize(value) == expected


def test_a_visit_export_escapes_formulas_and_lists_core_areas(client, coordinator):
    visit = factories.SiteVisitFactory(summary='=cmd|" /C calc"!A0', purpose="@risk")
    visit.core_areas.set(CoreArea.objects.filter(code__in=["gun-violence", "technology"]))
    client.force_login(coordinator)
    header, row = download_csv(client, "visits")
    record = dict(zip(header, row, strict=True))
    assert record["Summary shared with the site"] == '\'=cmd|" /C calc"!A0'
    assert record["Purpose"] == "'@risk"
    assert set(record["Core areas"].split("; ")) == {"Gun violence", "Technology"}
    assert record["DOJ-internal notes"] == visit.internal_notes


def test_a_site_contact_exports_only_their_sites_shared_visits_without_internal_notes(client):
    contact = factories.UserFactory(roles=[Role.SITE_CONTACT])
    mine = factories.SiteVisitFactory()
    factories.SiteContactFactory(site=mine.site, user=contact)
    factories.SiteVisitFactory(engagement=mine.engagement, status=VisitStatus.DRAFT, summary="")
    factories.SiteVisitFactory()  # another site
    client.force_login(contact)
    header, *rows = download_csv(client, "visits")
    assert "DOJ-internal notes" not in header
    assert [row[0] for row in rows] == [str(mine.pk)]


def test_a_liaison_cannot_export_another_liaisons_site(client):
    liaison = factories.LiaisonFactory()
    mine = factories.AssignmentFactory(liaison=liaison).engagement
    other = factories.AssignmentFactory().engagement
    client.force_login(liaison.user)
    _, *rows = download_csv(client, "engagements")
    assert [int(row[0]) for row in rows] == [mine.pk]
    _, *milestone_rows = download_csv(client, "milestones")
    assert other.site.name not in str(milestone_rows)


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_each_export_runs_a_fixed_number_of_queries(client, coordinator, dataset):
    client.force_login(coordinator)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            download_csv(client, dataset)
        return len(captured)

    def grow(n):
        for _ in range(n):
            visit = factories.SiteVisitFactory()
            visit.core_areas.set(CoreArea.objects.all()[:2])
            factories.MilestoneFactory(engagement=visit.engagement)
            factories.TTARequestFactory(site=visit.site)

    grow(2)
    few = queries()
    grow(12)
    # session, user, roles, two-factor devices, the audit row, the one export query
    assert queries() == few == 6


def test_an_xlsx_export_opens_with_the_same_rows(client, coordinator):
    factories.TTARequestFactory(title="=1+1")
    factories.TTARequestFactory(title="Peer exchange")
    client.force_login(coordinator)
    response = client.get(reverse("portfolio:export", args=["tta-requests", "xlsx"]))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("Request id", "Site", "State", "Core area", "Title")
    assert sorted(row[4] for row in rows[1:]) == ["'=1+1", "Peer exchange"]
    assert workbook.active.cell(row=2, column=5).data_type != "f"


def test_exports_are_audited(client, coordinator):
    client.force_login(coordinator)
    download_csv(client, "sites", state="TX")
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor == coordinator
    assert event.detail == {"dataset": "sites", "format": "csv", "filters": "state=TX"}


def test_an_unknown_export_is_404(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("portfolio:export", args=["secrets", "csv"])).status_code == 404
    assert client.get(reverse("portfolio:export", args=["sites", "pdf"])).status_code == 404


def test_anonymous_users_cannot_export(client):
    response = client.get(reverse("portfolio:export", args=["sites", "csv"]))
    assert response.status_code == 302


def copy_visits_until(count: int) -> None:
    """Grow the visits table to `count` rows by copying it onto itself (fast on any backend)."""
    table = SiteVisit._meta.db_table
    columns = ", ".join(
        connection.ops.quote_name(field.column)
        for field in SiteVisit._meta.concrete_fields
        if not field.primary_key
    )
    with connection.cursor() as cursor:
        while (current := SiteVisit.objects.count()) < count:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table} "  # noqa: S608
                "ORDER BY id LIMIT %s",
                [min(current, count - current)],
            )


def test_an_export_of_100000_visits_streams_with_flat_memory(coordinator):
    """Rows are read in chunks and written one at a time: peak memory while exporting
    100,000 visits stays near what 10,000 take, instead of growing tenfold."""
    factories.SiteVisitFactory(summary="A shared summary of reasonable length. " * 4)

    def export_peak() -> tuple[int, int]:
        header, rows = export_table(dataset=DATASETS["visits"], user=coordinator)
        tracemalloc.start()
        lines = sum(1 for _ in csv_lines(header, rows))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return lines, peak

    copy_visits_until(10_000)
    lines_small, peak_small = export_peak()
    copy_visits_until(100_000)
    lines_large, peak_large = export_peak()
    assert (lines_small, lines_large) == (10_002, 100_002)  # byte-order mark + header + rows
    assert peak_large < 2 * peak_small, (peak_small, peak_large)


# --- Filters (issue #5): each export honours its list's filterset -----------------------------


def test_a_site_export_keeps_only_the_sites_the_filters_choose(client, coordinator):
    factories.EngagementFactory(site__name="Austin", site__state="TX")
    factories.EngagementFactory(site__name="Dayton", site__state="OH", site__cohort_year=2019)
    factories.EngagementFactory(site__name="Toledo", site__state="OH", phase="diagnostic")
    client.force_login(coordinator)

    def names(**params):
        return sorted(row[0] for row in download_csv(client, "sites", **params)[1:])

    assert names() == ["Austin", "Dayton", "Toledo"]
    assert names(state="oh") == ["Dayton", "Toledo"]
    assert names(state="OH", phase="operations") == ["Dayton"]
    assert names(cohort="2019") == ["Dayton"]


def test_a_site_export_from_the_dashboard_honours_every_dashboard_filter(client, coordinator):
    """The dashboard's Download link carries its query string; each of its filters narrows
    the export to the sites the dashboard counts."""
    liaison = factories.LiaisonFactory()
    austin = factories.AssignmentFactory(
        liaison=liaison, engagement__site__name="Austin", engagement__site__state="TX"
    ).engagement.site
    dayton = factories.EngagementFactory(site__name="Dayton", site__state="OH").site
    factories.TTARequestFactory(site=austin, core_area=CoreArea.objects.get(code="technology"))
    factories.TTARequestFactory(
        site=dayton, core_area=CoreArea.objects.get(code="technology"), status="closed"
    )
    factories.TTARequestFactory(site=dayton, core_area=CoreArea.objects.get(code="investigations"))
    client.force_login(coordinator)

    def names(**params):
        return sorted(row[0] for row in download_csv(client, "sites", **params)[1:])

    assert names(core_area="technology") == ["Austin"]  # Dayton's is closed
    assert names(core_area="investigations") == ["Dayton"]
    assert names(core_area="technology", state="OH") == []
    assert names(liaison=str(liaison.pk)) == ["Austin"]
    dashboard = client.get(reverse("portfolio:dashboard"), {"core_area": "technology"})
    href = reverse("portfolio:export", args=["sites", "csv"]) + "?core_area=technology"
    assert href in dashboard.content.decode()


def test_visit_and_tta_exports_use_their_lists_filters(client, coordinator):
    first = factories.SiteVisitFactory(start_date=datetime.date(2026, 1, 10))
    second = factories.SiteVisitFactory(start_date=datetime.date(2026, 2, 10))
    factories.TTARequestFactory(site=first.site, title="Analyst")
    factories.TTARequestFactory(
        site=second.site, title="Cameras", core_area=CoreArea.objects.get(code="technology")
    )
    client.force_login(coordinator)

    visit_rows = download_csv(client, "visits", site=second.site.slug)[1:]
    assert [int(row[0]) for row in visit_rows] == [second.pk]
    visit_rows = download_csv(client, "visits", date_before="2026-01-31")[1:]
    assert [int(row[0]) for row in visit_rows] == [first.pk]
    tta_rows = download_csv(client, "tta-requests", core_area="technology")[1:]
    assert [row[4] for row in tta_rows] == ["Cameras"]
    milestone = factories.MilestoneFactory(engagement=second.engagement)
    factories.MilestoneFactory(engagement=first.engagement)
    milestone_rows = download_csv(client, "milestones", site=second.site.slug)[1:]
    assert [int(row[0]) for row in milestone_rows] == [milestone.pk]


def test_filters_never_widen_what_a_liaison_may_export(client):
    liaison = factories.LiaisonFactory()
    mine = factories.AssignmentFactory(liaison=liaison, engagement__site__state="OH")
    factories.EngagementFactory(site__name="Elsewhere", site__state="OH")
    client.force_login(liaison.user)

    rows = download_csv(client, "sites", state="OH")[1:]

    assert [row[0] for row in rows] == [mine.engagement.site.name]
    # Naming another liaison's site in the visit filter is an invalid choice, not a leak.
    other = factories.SiteVisitFactory()
    response = client.get(
        reverse("portfolio:export", args=["visits", "csv"]), {"site": other.site.slug}
    )
    assert response.status_code == 400


def test_an_invalid_filter_is_a_400_with_the_reason(client, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("portfolio:export", args=["sites", "csv"]), {"cohort": "x"})

    assert response.status_code == 400
    assert b"cohort" in response.content


def test_the_sites_and_visits_lists_link_to_downloads_with_their_filters(client, coordinator):
    factories.SiteVisitFactory()
    client.force_login(coordinator)

    visits = client.get(reverse("liaisons:visit-list"), {"status": "submitted"}).content.decode()
    sites = client.get(reverse("sites:list"), {"page": "1"}).content.decode()

    assert reverse("portfolio:export", args=["visits", "xlsx"]) + "?status=submitted" in visits
    assert 'href="' + reverse("portfolio:export", args=["sites", "csv"]) + '"' in sites
