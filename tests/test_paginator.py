"""CappedPaginator: Django's Paginator up to the cap; beyond it, pages without a last page."""

import pytest
from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.http import Http404
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from psp.paginator import CappedPaginator
from sites.models import Site
from tests import factories

pytestmark = pytest.mark.django_db

ELLIPSIS = Paginator.ELLIPSIS


@pytest.fixture
def sites():
    """Sites in the order every list here reads them."""
    factories.SiteFactory.create_batch(5)
    return Site.objects.order_by("pk")


def names(page):
    return [site.name for site in page]


def test_within_the_cap_it_is_djangos_paginator(sites):
    capped, plain = CappedPaginator(sites, 2, cap=5), Paginator(sites, 2)
    assert not capped.is_capped
    assert (capped.count, capped.num_pages) == (plain.count, plain.num_pages) == (5, 3)
    for number in (1, 2, 3):
        assert names(capped.page(number)) == names(plain.page(number))
        assert capped.page(number).has_next() == plain.page(number).has_next()
    # get_page's forgiveness is Django's: a bad number gives the first page, out of range the last.
    for number in ("x", 0, 4, 99):
        assert capped.get_page(number).number == plain.get_page(number).number
    with pytest.raises(EmptyPage):
        capped.page(4)


def test_past_the_cap_every_row_is_reachable(sites):
    capped = CappedPaginator(sites, 2, cap=3)
    assert capped.is_capped
    assert capped.count == 3  # a lower bound: "more than 3"
    assert capped.num_pages is None  # unknown without counting everything
    pages = [capped.get_page(number) for number in (1, 2, 3)]
    assert [names(page) for page in pages] == [
        names(sites[0:2]),
        names(sites[2:4]),
        names(sites[4:5]),  # the fifth site, past the cap
    ]
    assert [(page.has_previous(), page.has_next()) for page in pages] == [
        (False, True),
        (True, True),
        (True, False),
    ]
    assert [(page.start_index(), page.end_index()) for page in pages] == [(1, 2), (3, 4), (5, 5)]
    # "more than" the cap, or than the rows shown so far; on the last page the total is known.
    assert [page.more_than for page in pages] == [3, 4, None]


def test_a_full_last_page_has_no_next_page(sites):
    factories.SiteFactory()  # six sites: the last page is full, and nothing follows it
    capped = CappedPaginator(sites, 2, cap=3)
    last = capped.get_page(3)
    assert names(last) == names(sites[4:6])
    assert not last.has_next()
    assert capped.get_page(2).has_next()


def test_orphans_join_the_last_page_as_in_django(sites):
    capped = CappedPaginator(sites, 2, cap=3, orphans=1)
    assert capped.is_capped
    last = capped.get_page(2)
    assert names(last) == names(Paginator(sites, 2, orphans=1).page(2))
    assert len(last) == 3
    assert not last.has_next()


def test_a_page_past_the_end_of_a_capped_list_is_not_found(sites):
    capped = CappedPaginator(sites, 2, cap=3)
    with pytest.raises(EmptyPage):
        capped.page(4)
    with pytest.raises(Http404, match="Page 4 is past the end"):
        capped.get_page(4)
    with pytest.raises(Http404):
        capped.get_page(10**20)  # beyond any OFFSET a database takes: no query, no 500
    # Not a page number, or below 1: the first page.
    for number in (None, "x", "", 0, -3):
        assert capped.get_page(number).number == 1


def test_a_capped_page_counts_at_most_the_cap_and_reads_one_row_more_than_it_shows(sites):
    with CaptureQueriesContext(connection) as queries:
        page = CappedPaginator(sites, 2, cap=3).get_page(2)
        names(page)
    count, rows = (query["sql"] for query in queries)
    assert "COUNT(" in count.upper()
    assert "LIMIT 4" in count  # cap + 1
    assert "ORDER BY" not in count  # any cap + 1 rows count the same
    assert "LIMIT 3 OFFSET 2" in rows  # per_page + 1


def test_the_page_numbers_of_a_capped_list_end_with_an_ellipsis_while_more_may_follow():
    factories.SiteFactory.create_batch(12)
    capped = CappedPaginator(Site.objects.order_by("pk"), 1, cap=3)
    assert capped.get_page(1).elided_page_range == [1, 2, ELLIPSIS]
    assert capped.get_page(2).elided_page_range == [1, 2, 3, ELLIPSIS]
    assert capped.get_page(3).elided_page_range == [1, 2, 3, 4, ELLIPSIS]
    assert capped.get_page(10).elided_page_range == [1, ELLIPSIS, 9, 10, 11, ELLIPSIS]
    assert capped.get_page(12).elided_page_range == [1, ELLIPSIS, 11, 12]


# The shared include, templates/includes/pagination.html


def render_pagination(page, query="status=submitted"):
    return render_to_string("includes/pagination.html", {"page": page, "query": query})


def test_a_capped_list_shows_pages_around_this_one_and_next_but_no_last_page(sites):
    html = render_pagination(CappedPaginator(sites, 1, cap=3).get_page(2))
    assert 'aria-label="Pagination"' in html
    assert 'href="?status=submitted&amp;page=1" rel="prev" aria-label="Previous page"' in html
    assert 'href="?status=submitted&amp;page=3" rel="next" aria-label="Next page"' in html
    assert 'aria-label="Page 1"' in html
    assert 'aria-label="Page 2" aria-current="page"' in html
    assert 'aria-label="Page 3"' in html
    assert "usa-pagination__overflow" in html
    # Five sites, one a page: nothing names page 5, nor says "of".
    assert "page=5" not in html
    assert 'aria-label="Page 5"' not in html
    assert " of " not in html


def test_the_last_page_of_a_capped_list_has_no_next_link_and_no_ellipsis_after_it(sites):
    html = render_pagination(CappedPaginator(sites, 1, cap=3).get_page(5))
    assert 'aria-label="Page 5" aria-current="page"' in html
    assert "Next page" not in html
    # 1 … 4 5: the only ellipsis is the gap before page 4.
    assert html.count("usa-pagination__overflow") == 1
    assert html.index("usa-pagination__overflow") < html.index('aria-label="Page 4"')


def test_a_list_within_its_cap_and_a_plain_list_show_page_n_of_m(sites):
    for paginator in (CappedPaginator(sites, 2, cap=5), Paginator(sites, 2)):
        html = render_pagination(paginator.get_page(2), query="")
        assert "Page 2 of 3" in html
        assert 'href="?page=1" rel="prev" aria-label="Previous page"' in html
        assert 'href="?page=3" rel="next" aria-label="Next page"' in html
        assert "usa-pagination__overflow" not in html
        assert 'aria-label="Page 2"' not in html


def test_a_single_page_shows_no_pagination(sites):
    assert render_pagination(CappedPaginator(sites, 10, cap=3).get_page(1)).strip() == ""
    assert render_pagination(Paginator(sites, 10).get_page(1)).strip() == ""
