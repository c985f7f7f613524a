import datetime
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from psp.accounts.models import User
from psp.accounts.roles import Role
from psp.notifications.choices import Delivery
from sites.models import Milestone
from tests import factories

# Committed tests (the worker tests) cannot rely on serialized rollback once the browser tests
# have run: reload the data migrations' rows before each and after the module.
from tests.reference_data import (  # noqa: F401 - fixtures
    _reference_data_after_the_module,
    _reference_data_for_transactional_tests,
)

EASTERN = ZoneInfo("America/New_York")
DUE = datetime.date(2026, 4, 30)  # a Thursday


def at_seven(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(7, 0), tzinfo=EASTERN)


def send_on(day: datetime.date, *, hour: int = 7) -> list:
    """Run the sweep and in-process delivery as at `hour` on `day` (Eastern), with the clock
    frozen there; return the emails it sent."""
    before = len(mail.outbox)
    moment = datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=EASTERN)
    with time_machine.travel(moment, tick=False):
        call_command("send_reminders", stdout=io.StringIO(), stderr=io.StringIO())
    return mail.outbox[before:]


@dataclass
class World:
    coordinator: User
    liaison: User
    milestone: Milestone


@pytest.fixture
def world(db) -> World:
    """A site in Operations with a primary liaison, one coordinator and one open milestone."""
    coordinator = factories.UserFactory(username="coord", roles=[Role.COORDINATOR])
    # Mondays' portfolio digest has its own tests; here it would only add noise.
    factories.NotificationPreferenceFactory(
        user=coordinator, kind="portfolio.weekly", delivery=Delivery.OFF
    )
    assignment = factories.AssignmentFactory(
        liaison__user__username="ssl", engagement__site__name="Tulsa", engagement__site__state="OK"
    )
    milestone = factories.MilestoneFactory(
        engagement=assignment.engagement, title="Strategic plan adopted", due_date=DUE
    )
    return World(coordinator, assignment.liaison.user, milestone)
