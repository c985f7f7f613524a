import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from liaisons.models import SiteVisit
from sites.models import Engagement, Milestone, Site
from tta.models import TTADelivery, TTARequest, TTATransition

pytestmark = pytest.mark.django_db


def test_a_small_scale_has_the_scale_1_proportions():
    call_command(
        "seed_bench",
        scale=0.01,
        today=datetime.date(2026, 11, 27),
        force=True,
        stdout=io.StringIO(),
    )
    sites = Site.objects.count()
    assert sites == 5
    assert Engagement.objects.count() == 4 * sites
    assert Engagement.objects.open().count() == sites
    assert Milestone.objects.count() == 15 * 4 * sites
    assert SiteVisit.objects.count() == 100 * sites
    assert TTARequest.objects.count() == 40 * sites
    assert TTATransition.objects.count() == 2 * TTARequest.objects.count()
    assert TTADelivery.objects.exists()


def test_it_refuses_a_database_that_already_has_sites():
    Site.objects.create(slug="x", name="X", state="TX", cohort_year=2024)
    with pytest.raises(CommandError, match="already has sites"):
        call_command("seed_bench", scale=0.01, force=True, stdout=io.StringIO())
