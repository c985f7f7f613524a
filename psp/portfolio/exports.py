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

from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Concat, Trim
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
    field: str  # the name of the value in each row
    source: str | None = None  # the lookup it is read from, when that is not `field` itself


def _values(queryset: QuerySet, columns: list[Column]) -> QuerySet:
    """Select exactly the columns' values: one list defines both the query and the header."""
    return queryset.values(
        *[c.field for c in columns if c.source is None],
        **{c.field: F(c.source) for c in columns if c.source is not None},
    )


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    columns: Callable[[User], list[Column]]
    queryset: Callable[[User], QuerySet]  # the rows the user may see, ordered and annotated
    # The filters of the app's own list and API, so `?state=TX` narrows an export the same way.
    filterset: type[FilterSet]

    def rows(self, user: User) -> QuerySet:
        return _values(self.queryset(user), self.columns(user))


SITE_COLUMNS = [
    Column("Site", "name"), Column("State", "state"), Column("Slug", "slug"),
    Column("Program", "program"), Column("Cohort", "cohort_year"),
    Column("Announced", "announced_on"), Column("Lead agency", "lead_agency"),
    Column("Current phase", "current_phase"), Column("Status", "current_status"),
    Column("Phase start", "current_start"), Column("Planned end", "current_planned_end"),
]  # fmt: skip

ENGAGEMENT_COLUMNS = [
    Column("Engagement id", "id"), Column("Site", "site_name", "site__name"),
    Column("State", "site_state", "site__state"), Column("Phase", "phase"),
    Column("Status", "status"), Column("Start", "start_date"),
    Column("Planned end", "planned_end"), Column("Actual end", "actual_end"),
    Column("Close reason", "close_reason"),
    Column("Followed engagement", "followed", "previous_id"),
]  # fmt: skip

MILESTONE_COLUMNS = [
    Column("Milestone id", "id"), Column("Site", "site_name", "engagement__site__name"),
    Column("State", "site_state", "engagement__site__state"),
    Column("Phase", "phase", "engagement__phase"), Column("Milestone", "title"),
    Column("Due", "due_date"), Column("Completed", "completed_on"), Column("Notes", "notes"),
]  # fmt: skip

VISIT_COLUMNS = [
    Column("Visit id", "id"), Column("Site", "site_name", "site__name"),
    Column("State", "site_state", "site__state"), Column("Liaison", "liaison_name"),
    Column("Visit date", "start_date"), Column("End date", "end_date"),
    Column("Visit type", "mode"), Column("Status", "status"), Column("Purpose", "purpose"),
    Column("Core areas", "core_area_names"), Column("People and agencies met", "people_met"),
    Column("Goals", "goals"), Column("Summary shared with the site", "summary"),
    Column("What was learned", "lessons_learned"),
]  # fmt: skip
INTERNAL_NOTES = Column("DOJ-internal notes", "internal_notes")

TTA_COLUMNS = [
    Column("Request id", "id"), Column("Site", "site_name", "site__name"),
    Column("State", "site_state", "site__state"),
    Column("Core area", "core_area_name", "core_area__name"), Column("Title", "title"),
    Column("Status", "status"), Column("Priority", "priority"),
    Column("Provider", "provider_name", "provider__name"),
    Column("Requested by", "requester", "requested_by__username"),
    Column("Needed by", "needed_by"), Column("Submitted", "created_at"),
    Column("Status changed", "status_changed_at"),
]  # fmt: skip


def _visit_columns(user: User) -> list[Column]:
    # DOJ-internal notes never leave the department (DESIGN.md §2): not even selected otherwise.
    if roles_of(user) & {Role.COORDINATOR, Role.LIAISON}:
        return [*VISIT_COLUMNS, INTERNAL_NOTES]
    return VISIT_COLUMNS


def _visits(user: User) -> QuerySet:
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
        .annotate(
            core_area_names=Subquery(core_areas),
            liaison_name=Trim(
                Concat("liaison__user__first_name", Value(" "), "liaison__user__last_name")
            ),
        )
    )


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset(
            "sites",
            "Sites",
            lambda user: SITE_COLUMNS,
            lambda user: site_list_for(user=user),
            SiteExportFilterSet,
        ),
        Dataset(
            "engagements",
            "Engagements",
            lambda user: ENGAGEMENT_COLUMNS,
            lambda user: Engagement.objects.visible_to(user).order_by("site__name", "start_date"),
            EngagementFilterSet,
        ),
        Dataset(
            "milestones",
            "Milestones",
            lambda user: MILESTONE_COLUMNS,
            lambda user: Milestone.objects.visible_to(user).order_by("due_date", "pk"),
            MilestoneFilterSet,
        ),
        Dataset("visits", "Site visits", _visit_columns, _visits, SiteVisitFilterSet),
        Dataset(
            "tta-requests",
            "TTA requests",
            lambda user: TTA_COLUMNS,
            lambda user: TTARequest.objects.visible_to(user).order_by("-created_at", "-pk"),
            TTARequestFilterSet,
        ),
    ]
}


def _cell(value: Any) -> Any:
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
            yield [_cell(row[column.field]) for column in columns]

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
