import pytest

from psp.paginator import CappedPaginator
from sites.models import Site
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_count_stops_at_the_cap_and_says_so():
    factories.SiteFactory.create_batch(5)
    capped = CappedPaginator(Site.objects.order_by("pk"), 2, cap=3)
    assert capped.count == 3
    assert capped.is_capped
    assert capped.num_pages == 2
    assert len(capped.page(2).object_list) == 1
    exact = CappedPaginator(Site.objects.order_by("pk"), 2, cap=5)
    assert exact.count == 5
    assert not exact.is_capped
