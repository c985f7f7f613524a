"""Exports of sites, engagements, milestones, visits and TTA requests as CSV and XLSX.

Each dataset is one query: it starts from `visible_to(user)`, joins what it shows, aggregates
many-valued columns in SQL, and is read with a streaming iterator, so memory stays flat however
many rows there are. Every text cell is neutralized against spreadsheet formula injection.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import F, OuterRef, QuerySet, Subquery
from django_filters import FilterSet

from liaisons.filtersets import SiteVisitFilterSet
from liaisons.models import SiteVisit
from psp.accounts.roles import Role, roles_of
from psp.db import GroupConcat
from psp.portfolio.filtersets import SiteExportFilterSet
from sites.filtersets import EngagementFilterSet, MilestoneFilterSet
from sites.models import CoreArea, Engagement, Milestone
from sites.selectors import site_list_for
from tta.filtersets import TTARequestFilterSet
from tta.models import TTARequest

if TYPE_CHECKING:
    from psp.accounts.models import User

CHUNK_SIZE = 2_000
# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> Any:
    """Make a text cell safe to open in a spreadsheet: a leading formula trigger is escaped
    with an apostrophe, which spreadsheets display as plain text. Numbers and dates pass."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # a key of the row dictionaries the dataset's queryset yields


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    columns: Callable[[User], list[Column]]
    rows: Callable[[User], QuerySet]
    # The filters of the app's own list and API, so `?state=TX` narrows an export the same way.
    filterset: type[FilterSet]


def _site_rows(user: User) -> QuerySet:
    return site_list_for(user=user).values(
        "slug", "name", "state", "program", "cohort_year", "announced_on", "lead_agency",
        "current_phase", "current_status", "current_start", "current_planned_end",
    )  # fmt: skip


SITE_COLUMNS = [
    Column("Site", "name"), Column("State", "state"), Column("Slug", "slug"),
    Column("Program", "program"), Column("Cohort", "cohort_year"),
    Column("Announced", "announced_on"), Column("Lead agency", "lead_agency"),
    Column("Current phase", "current_phase"), Column("Status", "current_status"),
    Column("Phase start", "current_start"), Column("Planned end", "current_planned_end"),
]  # fmt: skip


def _engagement_rows(user: User) -> QuerySet:
    return (
        Engagement.objects.visible_to(user)
        .order_by("site__name", "start_date")
        .values(
            "id",
            "phase",
            "status",
            "start_date",
            "planned_end",
            "actual_end",
            "close_reason",
            site_name=F("site__name"),
            site_state=F("site__state"),
            followed=F("previous_id"),
        )
    )


ENGAGEMENT_COLUMNS = [
    Column("Engagement id", "id"), Column("Site", "site_name"), Column("State", "site_state"),
    Column("Phase", "phase"), Column("Status", "status"), Column("Start", "start_date"),
    Column("Planned end", "planned_end"), Column("Actual end", "actual_end"),
    Column("Close reason", "close_reason"), Column("Followed engagement", "followed"),
]  # fmt: skip


def _milestone_rows(user: User) -> QuerySet:
    return (
        Milestone.objects.visible_to(user)
        .order_by("due_date", "pk")
        .values(
            "id",
            "title",
            "due_date",
            "completed_on",
            "notes",
            site_name=F("engagement__site__name"),
            site_state=F("engagement__site__state"),
            phase=F("engagement__phase"),
        )
    )


MILESTONE_COLUMNS = [
    Column("Milestone id", "id"), Column("Site", "site_name"), Column("State", "site_state"),
    Column("Phase", "phase"), Column("Milestone", "title"), Column("Due", "due_date"),
    Column("Completed", "completed_on"), Column("Notes", "notes"),
]  # fmt: skip


def _visit_rows(user: User) -> QuerySet:
    core_areas = (
        CoreArea.objects.filter(visits=OuterRef("pk"))
        .order_by()
        .values("visits")
        .annotate(names=GroupConcat("name"))
        .values("names")
    )
    return (
        SiteVisit.objects.visible_to(user)
        .order_by("-start_date", "-pk")
        .annotate(core_area_names=Subquery(core_areas))
        .values(
            "id",
            "start_date",
            "end_date",
            "mode",
            "status",
            "purpose",
            "people_met",
            "goals",
            "summary",
            "lessons_learned",
            "internal_notes",
            "core_area_names",
            site_name=F("site__name"),
            site_state=F("site__state"),
            liaison_first=F("liaison__user__first_name"),
            liaison_last=F("liaison__user__last_name"),
        )
    )


def _visit_columns(user: User) -> list[Column]:
    columns = [
        Column("Visit id", "id"), Column("Site", "site_name"), Column("State", "site_state"),
        Column("Liaison", "liaison_name"), Column("Visit date", "start_date"),
        Column("End date", "end_date"), Column("Visit type", "mode"), Column("Status", "status"),
        Column("Purpose", "purpose"), Column("Core areas", "core_area_names"),
        Column("People and agencies met", "people_met"), Column("Goals", "goals"),
        Column("Summary shared with the site", "summary"),
        Column("What was learned", "lessons_learned"),
    ]  # fmt: skip
    # DOJ-internal notes never leave the department (DESIGN.md §2).
    if roles_of(user) & {Role.COORDINATOR, Role.LIAISON}:
        columns.append(Column("DOJ-internal notes", "internal_notes"))
    return columns


def _tta_rows(user: User) -> QuerySet:
    return (
        TTARequest.objects.visible_to(user)
        .order_by("-created_at", "-pk")
        .values(
            "id",
            "title",
            "status",
            "priority",
            "needed_by",
            "created_at",
            "status_changed_at",
            site_name=F("site__name"),
            site_state=F("site__state"),
            core_area_name=F("core_area__name"),
            provider_name=F("provider__name"),
            requester=F("requested_by__username"),
        )
    )


TTA_COLUMNS = [
    Column("Request id", "id"), Column("Site", "site_name"), Column("State", "site_state"),
    Column("Core area", "core_area_name"), Column("Title", "title"), Column("Status", "status"),
    Column("Priority", "priority"), Column("Provider", "provider_name"),
    Column("Requested by", "requester"), Column("Needed by", "needed_by"),
    Column("Submitted", "created_at"), Column("Status changed", "status_changed_at"),
]  # fmt: skip

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset("sites", "Sites", lambda user: SITE_COLUMNS, _site_rows, SiteExportFilterSet),
        Dataset(
            "engagements",
            "Engagements",
            lambda user: ENGAGEMENT_COLUMNS,
            _engagement_rows,
            EngagementFilterSet,
        ),
        Dataset(
            "milestones",
            "Milestones",
            lambda user: MILESTONE_COLUMNS,
            _milestone_rows,
            MilestoneFilterSet,
        ),
        Dataset("visits", "Site visits", _visit_columns, _visit_rows, SiteVisitFilterSet),
        Dataset(
            "tta-requests",
            "TTA requests",
            lambda user: TTA_COLUMNS,
            _tta_rows,
            TTARequestFilterSet,
        ),
    ]
}


def _cell(row: dict[str, Any], field: str) -> Any:
    if field == "liaison_name":
        return f"{row['liaison_first']} {row['liaison_last']}".strip()
    value = row[field]
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    return neutralize(value) if value is not None else ""


def export_table(
    *, dataset: Dataset, user: User, queryset: QuerySet | None = None
) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and a lazy iterator of rows, read from the database in chunks."""
    columns = dataset.columns(user)
    rows = queryset if queryset is not None else dataset.rows(user)

    def body() -> Iterator[list[Any]]:
        for row in rows.iterator(chunk_size=CHUNK_SIZE):
            yield [_cell(row, column.field) for column in columns]

    return [column.header for column in columns], body()


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark, so Excel opens UTF-8 correctly
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def xlsx_file(header: list[str], rows: Iterable[list[Any]], *, title: str):
    """Write the workbook row by row to a temporary file (XlsxWriter's constant-memory mode)
    and return the open file, positioned at the start, for streaming."""
    import xlsxwriter

    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response
    workbook = xlsxwriter.Workbook(
        handle, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = workbook.add_worksheet(title[:31])
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, header, bold)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, [str(v) if isinstance(v, datetime.date) else v for v in row])
    workbook.close()
    handle.seek(0)
    return handle
