"""The open-request tallies the dashboard's TTA pipeline sums: every write through the services
(and the admin) keeps them equal to counting the requests afresh."""

import datetime

import pytest
import time_machine
from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory

from sites.models import CoreArea
from tests import factories
from tta import services
from tta.models import OpenRequestTally, TTARequest
from tta.tasks import rebuild_open_request_tallies

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 16, 16, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOON, tick=False) as clock:
        yield clock


def tallies() -> dict[tuple, int]:
    return {
        (row.core_area.code, row.status, row.submitted_on): row.count
        for row in OpenRequestTally.objects.select_related("core_area").filter(count__gt=0)
    }


def recounted() -> dict[tuple, int]:
    kept = tallies()
    services.open_request_tallies_rebuild()
    assert kept == tallies()
    return kept


def act(request, action, **extra):
    return services.tta_request_transition(request=request, action=action, actor=None, **extra)


def test_submitting_and_every_move_keep_the_tallies_equal_to_a_recount(tta_world, frozen_clock):
    w = tta_world
    first = w.new_request()
    assert recounted() == {("gun-violence", "submitted", datetime.date(2026, 3, 16)): 1}

    frozen_clock.shift(datetime.timedelta(days=1))
    second = w.new_request(core_area=CoreArea.objects.get(code="technology"))
    assert recounted() == {
        ("gun-violence", "submitted", datetime.date(2026, 3, 16)): 1,
        ("technology", "submitted", datetime.date(2026, 3, 17)): 1,
    }

    # Through every open status, a hold and back, then out of the pipeline.
    act(first, "approve")
    act(first, "hold")
    act(first, "resume")
    act(first, "assign", provider=w.provider)
    act(first, "start")
    assert recounted() == {
        ("gun-violence", "in_progress", datetime.date(2026, 3, 16)): 1,
        ("technology", "submitted", datetime.date(2026, 3, 17)): 1,
    }
    act(first, "deliver")
    act(second, "decline", note="Out of scope")
    assert recounted() == {}


def test_a_refused_move_changes_no_tally(tta_world):
    request = tta_world.new_request()
    before = tallies()
    with pytest.raises(services.IllegalTransition):
        act(request, "start")
    assert tallies() == before


def test_the_day_is_the_local_day_submitted(tta_world, frozen_clock, settings):
    # 02:00 UTC on the 17th is still the 16th in New York.
    frozen_clock.move_to(datetime.datetime(2026, 3, 17, 2, 0, tzinfo=datetime.UTC))
    tta_world.new_request()
    assert list(recounted()) == [("gun-violence", "submitted", datetime.date(2026, 3, 16))]


def test_the_rebuild_counts_requests_written_around_the_services(tta_world):
    factories.TTARequestFactory(site=tta_world.site, core_area=tta_world.gun_violence)
    assert tallies() == {}

    assert rebuild_open_request_tallies() == 1  # the nightly job
    assert tallies() == {("gun-violence", "submitted", datetime.date(2026, 3, 16)): 1}


def test_a_tally_already_wrong_never_goes_below_zero(tta_world):
    request = tta_world.new_request()
    OpenRequestTally.objects.update(count=0)  # as after a data load, before the rebuild

    act(request, "review")

    assert OpenRequestTally.objects.get(status="submitted").count == 0
    assert tallies() == {("gun-violence", "under_review", datetime.date(2026, 3, 16)): 1}


def test_admin_edits_and_deletes_keep_the_tallies(tta_world):
    model_admin = admin_site._registry[TTARequest]
    http = RequestFactory().post("/")
    http.user = factories.UserFactory(is_staff=True, is_superuser=True)
    request = tta_world.new_request()

    request.core_area = CoreArea.objects.get(code="technology")
    model_admin.save_model(http, request, form=None, change=True)
    assert recounted() == {("technology", "submitted", datetime.date(2026, 3, 16)): 1}

    model_admin.delete_queryset(http, TTARequest.objects.filter(pk=request.pk))
    assert recounted() == {}
