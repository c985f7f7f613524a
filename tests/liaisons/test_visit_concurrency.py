"""Two saves of the same draft at the same moment: one goes through, the other is a conflict."""

import datetime
import threading

import pytest
from django.db import connection

from liaisons import services
from liaisons.services import VisitEditConflict, VisitInput
from tests import factories
from tests.reference_data import reload_reference_data


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_of_one_draft_let_exactly_one_through():
    reload_reference_data()  # committed tests start from a flushed database
    today = datetime.date(2026, 3, 15)
    assignment = factories.AssignmentFactory()
    user, site = assignment.liaison.user, assignment.engagement.site
    visit = services.visit_save_draft(
        data=VisitInput(site=site, start_date=datetime.date(2026, 3, 10)), actor=user, today=today
    )
    opened_at = visit.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(summary: str) -> None:
        try:
            barrier.wait(timeout=10)
            services.visit_save_draft(
                data=VisitInput(site=site, start_date=datetime.date(2026, 3, 10), summary=summary),
                actor=user,
                visit=visit,
                version=opened_at,
                today=today,
            )
            outcomes.append(f"saved {summary}")
        except VisitEditConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(name,)) for name in ("laptop", "phone")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    saved = [o.removeprefix("saved ") for o in outcomes if o.startswith("saved ")]
    assert outcomes.count("conflict") == 1
    assert len(saved) == 1
    visit.refresh_from_db()
    assert visit.summary == saved[0]
    assert visit.version == opened_at + 1
