"""The quarterly report: built from what was recorded, edited, published (frozen), printed."""

import datetime
import io
from decimal import Decimal

import pypdf
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from psp.accounts.roles import Role
from psp.portfolio.choices import ReportStatus
from psp.portfolio.models import QuarterlyReport
from psp.portfolio.selectors import (
    last_full_quarter,
    quarter_bounds,
    report_content_build,
    report_item_keys,
)
from psp.portfolio.services import (
    quarterly_report_create,
    quarterly_report_publish,
    quarterly_report_update,
)
from sites.models import CoreArea
from tests import factories
from tta.choices import DeliveryMode, RequestStatus

pytestmark = pytest.mark.django_db

D = datetime.date


def delivery(site, *, on, mode=DeliveryMode.VIRTUAL, area="crime-analysis", **kwargs):
    request = factories.TTARequestFactory(
        site=site,
        core_area=CoreArea.objects.get(code=area),
        status=RequestStatus.IN_PROGRESS,
        provider=factories.TTAProviderFactory(),
        title=kwargs.pop("title", "Crime gun intelligence"),
    )
    return factories.TTADeliveryFactory(request=request, date=on, mode=mode, **kwargs)


@pytest.fixture
def quarter():
    """Q3 2026 at Memphis and Tulsa, with records just outside it that must not count."""
    memphis = factories.EngagementFactory(site__name="Memphis", site__state="TN")
    tulsa = factories.EngagementFactory(site__name="Tulsa", site__state="OK")
    visit = factories.SiteVisitFactory(
        engagement=memphis,
        start_date=D(2026, 8, 12),
        purpose="Strategic plan working session",
        people_met="Chief Davis; ATF Memphis Field Division",
        goals="Settle the strategic plan's focus areas",
        summary="Agreed the plan's three focus areas.",
        lessons_learned="Start with the data the crime analysts already trust.",
        internal_notes="DOJ-ONLY: chief is retiring",
    )
    factories.ActionItemFactory(visit=visit, text="Draft the NIBIN protocol")
    factories.SiteVisitFactory(engagement=memphis, start_date=D(2026, 8, 20), status="draft")
    factories.SiteVisitFactory(engagement=tulsa, start_date=D(2026, 6, 30))  # Q2
    exchange = delivery(
        tulsa.site,
        on=D(2026, 9, 2),
        mode=DeliveryMode.PEER_EXCHANGE,
        host_site=memphis.site,
        title="Crime gun intelligence center",
        hours=Decimal("12.0"),
        participants=8,
    )
    summit = delivery(
        memphis.site,
        on=D(2026, 7, 15),
        mode=DeliveryMode.TRAINING_SUMMIT,
        area="community-engagement",
        title="Annual training summit",
        hours=Decimal("16.0"),
        participants=45,
    )
    summit_2026 = factories.TrainingSummitFactory(
        year=2026, start_date=D(2026, 8, 4), end_date=D(2026, 8, 6), location="Denver, CO"
    )
    factories.SummitAttendanceFactory(summit=summit_2026, site=memphis.site, attendees=12)
    factories.SummitAttendanceFactory(summit=summit_2026, site=tulsa.site, attendees=9)
    summit_2025 = factories.TrainingSummitFactory(
        year=2025, start_date=D(2025, 8, 5), end_date=D(2025, 8, 7)
    )
    factories.SummitAttendanceFactory(summit=summit_2025, site=tulsa.site, attendees=30)
    delivery(tulsa.site, on=D(2026, 4, 1), hours=Decimal("3.5"), participants=5)  # Q2
    delivery(tulsa.site, on=D(2026, 10, 1))  # Q4
    return {"visit": visit, "exchange": exchange, "summit": summit, "summit_2026": summit_2026}


def test_quarters_have_their_bounds_and_the_last_full_one_is_found():
    assert quarter_bounds(2026, 3) == (D(2026, 7, 1), D(2026, 9, 30))
    assert quarter_bounds(2026, 4) == (D(2026, 10, 1), D(2026, 12, 31))
    assert last_full_quarter(D(2026, 11, 28)) == (2026, 3)
    assert last_full_quarter(D(2027, 2, 1)) == (2026, 4)


def test_the_draft_gathers_the_quarters_visits_deliveries_exchanges_and_events(quarter):
    with CaptureQueriesContext(connection) as captured:
        content = report_content_build(year=2026, quarter=3)

    # active sites, visits, their core areas, their action items, deliveries, by core area,
    # totals to date, summits with their attendance
    assert len(captured) == 8
    assert content["title"] == "PSP quarterly snapshot — Q3 2026"
    assert content["period"] == "July to September 2026"
    stats = content["stats"]
    assert (stats["sites_active"], stats["visits"], stats["sites_visited"]) == (2, 1, 1)
    assert (stats["tta_sessions"], stats["tta_hours"]) == (2, "28")
    # Summit attendance is what each site's delegation recorded at the quarter's summit; the
    # 2025 summit and the training-summit delivery's participant count do not add to it.
    assert (stats["summit_attendance"], stats["summit_sites"]) == (21, 2)
    assert sorted((r["core_area"], r["sessions"], r["hours"]) for r in stats["by_core_area"]) == [
        ("Community engagement", 1, "16"),
        ("Crime analysis", 1, "12"),
    ]
    memphis = next(s for s in content["highlights"] if s["site"].startswith("Memphis"))
    visit_item = next(i for i in memphis["items"] if i["key"] == f"visit-{quarter['visit'].pk}")
    assert visit_item["activity"] == "Strategic plan working session"
    assert visit_item["people"] == "Chief Davis; ATF Memphis Field Division"
    assert visit_item["next_steps"] == ["Draft the NIBIN protocol"]
    assert visit_item["goals"] == "Settle the strategic plan's focus areas"
    assert visit_item["learned"] == "Start with the data the crime analysts already trust."
    assert content["peer_exchanges"] == [
        {
            "key": f"exchange-{quarter['exchange'].pk}",
            "date": "2026-09-02",
            "text": "Memphis, TN → Tulsa, OK — Crime gun intelligence center",
        }
    ]
    assert [(e["key"], e["participants"]) for e in content["events"]] == [
        (f"event-{quarter['summit'].pk}", 45),
        (f"summit-{quarter['summit_2026'].pk}", 21),
    ]
    assert content["events"][1]["text"] == "PSP National Training Summit 2026, Denver, CO (2 sites)"
    # To date: the Q2 delivery counts, the Q4 one does not.
    assert content["to_date"]["tta_sessions"] == 3
    assert content["to_date"]["tta_hours"] == "31.5"
    assert "DOJ-ONLY" not in str(content)


def test_publishing_freezes_the_report_without_the_left_out_items(quarter, coordinator):
    report = quarterly_report_create(year=2026, quarter=3, actor=coordinator)
    exchange_key = f"exchange-{quarter['exchange'].pk}"
    quarterly_report_update(
        report=report,
        introduction="  A quarter of summits.  ",
        excluded_keys=[exchange_key],
        actor=coordinator,
    )

    report = quarterly_report_publish(report=report, actor=coordinator)

    assert report.status == ReportStatus.PUBLISHED
    assert report.published_by == coordinator
    assert report.content["introduction"] == "A quarter of summits."
    assert exchange_key not in report_item_keys(report.content)
    assert report.content["events"]
    # Later edits to the records do not change the published report.
    quarter["visit"].summary = "Rewritten later"
    quarter["visit"].save()
    report.refresh_from_db()
    assert "Rewritten later" not in str(report.content)
    with pytest.raises(ValidationError, match="published"):
        quarterly_report_update(
            report=report, introduction="x", excluded_keys=[], actor=coordinator
        )
    with pytest.raises(ValidationError, match="published"):
        quarterly_report_publish(report=report, actor=coordinator)


def test_there_is_one_report_per_quarter(coordinator):
    quarterly_report_create(year=2026, quarter=3, actor=coordinator)
    with pytest.raises(ValidationError, match="already a report"):
        quarterly_report_create(year=2026, quarter=3, actor=coordinator)
    with pytest.raises(ValidationError):
        quarterly_report_create(year=2026, quarter=5, actor=coordinator)


# --- Pages ------------------------------------------------------------------------------------


@pytest.fixture
def published(quarter, coordinator):
    report = quarterly_report_create(year=2026, quarter=3, actor=coordinator)
    return quarterly_report_publish(report=report, actor=coordinator)


@pytest.mark.parametrize("role", [Role.LIAISON, Role.SITE_CONTACT, Role.TTA_PROVIDER])
def test_only_coordinators_reach_the_reports(client, published, role):
    client.force_login(factories.UserFactory(roles=[role]))
    for url in [
        reverse("portfolio:reports"),
        reverse("portfolio:report", args=[published.pk]),
        reverse("portfolio:report-pdf", args=[published.pk]),
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("portfolio:report-publish", args=[published.pk])).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client, published):
    response = client.get(reverse("portfolio:report", args=[published.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@time_machine.travel(datetime.datetime(2026, 11, 28, 15, tzinfo=datetime.UTC), tick=False)
def test_a_coordinator_starts_edits_and_publishes_a_report(client, coordinator, quarter):
    client.force_login(coordinator)

    page = client.get(reverse("portfolio:reports"))
    assert 'value="2026-3" selected' in page.content.decode()  # the last full quarter
    response = client.post(reverse("portfolio:reports"), {"quarter": "2026-3"})
    report = QuarterlyReport.objects.get()
    assert response["Location"] == reverse("portfolio:report", args=[report.pk])

    draft = client.get(response["Location"]).content.decode()
    assert "Include this on-site visit of 2026-08-12" in draft
    summit_key = f"delivery-{quarter['summit'].pk}"
    keep = report_item_keys(report_content_build(year=2026, quarter=3))
    keep.remove(summit_key)
    client.post(
        reverse("portfolio:report-update", args=[report.pk]),
        {"introduction": "Welcome.", "include": keep},
    )
    report.refresh_from_db()
    assert report.excluded_keys == [summit_key]

    client.post(reverse("portfolio:report-publish", args=[report.pk]))
    page = client.get(reverse("portfolio:report", args=[report.pk])).content.decode()
    assert "The content is frozen" in page
    assert "Welcome." in page
    assert 'media="print"' in page
    assert "Include this" not in page


def test_a_second_draft_of_the_same_quarter_is_refused_with_a_message(client, coordinator):
    client.force_login(coordinator)
    client.post(reverse("portfolio:reports"), {"quarter": "2026-3"})

    response = client.post(reverse("portfolio:reports"), {"quarter": "2026-3"}, follow=True)

    assert "already a report" in response.content.decode()
    assert QuarterlyReport.objects.count() == 1


def test_a_published_report_downloads_as_a_pdf_with_its_title(client, coordinator, published):
    client.force_login(coordinator)

    response = client.get(reverse("portfolio:report-pdf", args=[published.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    assert "PSP quarterly snapshot" in text
    assert "Q3 2026" in text
    assert "Tulsa" in text


def test_a_draft_has_no_pdf(client, coordinator):
    client.force_login(coordinator)
    report = quarterly_report_create(year=2026, quarter=3, actor=coordinator)

    assert client.get(reverse("portfolio:report-pdf", args=[report.pk])).status_code == 404


def test_a_draft_page_runs_a_fixed_number_of_queries(client, coordinator):
    client.force_login(coordinator)
    report = quarterly_report_create(year=2026, quarter=3, actor=coordinator)

    def grow(n):
        for _ in range(n):
            visit = factories.SiteVisitFactory(start_date=D(2026, 8, 1))
            visit.core_areas.set(CoreArea.objects.all()[:2])
            factories.ActionItemFactory(visit=visit)
            delivery(visit.site, on=D(2026, 8, 2), participants=3)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("portfolio:report", args=[report.pk])).status_code == 200
        return len(captured)

    grow(2)
    few = queries()
    grow(8)
    # session, user, roles, two-factor devices, the report, the eight of the content,
    # unread notifications in the header
    assert queries() == few == 14
