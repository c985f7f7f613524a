"""`FastSelect` must write what Django's `Select` writes (the same elements, attributes and
text; only the whitespace between options differs), only faster."""

import pytest
from django import forms
from django.test.html import parse_html

from psp.filters import FastSelect

CHOICES = [
    ("", "Any site"),
    ("seattle-wa", "Seattle, WA"),
    ("a&b", 'Quotes " and <tags> & ampersands'),
    (7, "A number"),
]


@pytest.mark.parametrize("value", [None, "", "seattle-wa", "a&b", 7, "7", "missing"])
@pytest.mark.parametrize(
    "attrs", [{"class": "usa-select"}, {"class": "usa-select", "required": True}]
)
def test_it_renders_the_same_html_as_djangos_select(value, attrs):
    fast = FastSelect(attrs=attrs, choices=CHOICES).render("site", value, attrs={"id": "id_site"})
    slow = forms.Select(attrs=attrs, choices=CHOICES).render("site", value, attrs={"id": "id_site"})

    assert parse_html(fast) == parse_html(slow)
    assert 'value="a&amp;b"' in fast
    assert "&lt;tags&gt;" in fast


def test_option_groups_fall_back_to_djangos_rendering():
    grouped = [("Texas", [("austin-tx", "Austin"), ("dallas-tx", "Dallas")]), ("x", "Other")]
    fast = FastSelect(choices=grouped).render("site", "dallas-tx")
    slow = forms.Select(choices=grouped).render("site", "dallas-tx")

    assert fast == slow


@pytest.mark.django_db
def test_site_and_liaison_options_read_as_rows_are_named_as_the_models_name_themselves(
    rf, coordinator
):
    from liaisons.filtersets import SiteVisitFilterSet
    from liaisons.models import Liaison
    from sites.models import Site
    from tests import factories

    factories.LiaisonFactory(user__first_name="Ana", user__last_name="Ruiz")
    factories.LiaisonFactory(user__first_name="", user__last_name="", user__username="jdoe")
    factories.SiteFactory(name="Memphis", state="TN")
    request = rf.get("/visits/")
    request.user = coordinator

    form = SiteVisitFilterSet(request=request, queryset=None).form

    assert list(form.fields["site"].choices)[1:] == [
        (site.slug, str(site)) for site in Site.objects.visible_to(request.user)
    ]
    assert list(form.fields["liaison"].choices)[1:] == [
        (liaison.pk, str(liaison)) for liaison in Liaison.objects.visible_to(request.user)
    ]
    assert "jdoe" in dict(form.fields["liaison"].choices).values()


# --- Searchable choices: past `max_options`, a search box narrows them ---------------------


@pytest.fixture
def three_sites(db):
    from tests import factories

    for name, state in [("Dayton", "OH"), ("Memphis", "TN"), ("Tulsa", "OK")]:
        factories.SiteFactory(name=name, state=state, slug=f"{name.lower()}-{state.lower()}")


def site_filter_form(rf, user, monkeypatch, query="", max_options=2):
    from django.http import QueryDict

    from liaisons.filtersets import VisitListFilterSet

    monkeypatch.setattr("psp.filters.PICKER_OPTIONS", max_options)
    request = rf.get("/visits/?" + query)
    request.user = user
    filterset = VisitListFilterSet(QueryDict(query), request=request, queryset=None)
    return filterset.form


def options(html: str) -> list[str]:
    import re

    return re.findall(r"<option[^>]*>([^<]*)</option>", html)


def test_within_max_options_every_choice_is_listed_without_a_search(
    rf, coordinator, monkeypatch, three_sites
):
    html = str(site_filter_form(rf, coordinator, monkeypatch, max_options=3)["site"])

    assert options(html) == ["All sites", "Dayton, OH", "Memphis, TN", "Tulsa, OK"]
    assert "site_search" not in html


def test_past_max_options_the_first_are_listed_with_a_search_box(
    rf, coordinator, monkeypatch, three_sites
):
    html = str(site_filter_form(rf, coordinator, monkeypatch)["site"])

    assert options(html) == ["All sites", "Dayton, OH", "Memphis, TN"]
    assert "The first 2 sites are listed: search for the others." in html
    assert 'name="site_search"' in html
    assert '<label class="usa-label" for="id_site-search">Search sites</label>' in html
    assert 'aria-describedby="id_site-hint"' in html


@pytest.mark.parametrize(
    ("search", "listed", "hint"),
    [
        ("tul", ["Tulsa, OK"], "1 site matches “tul”."),
        ("  t   ", ["Dayton, OH", "Memphis, TN"], None),  # all three match: the first two
        ("mem tn", ["Memphis, TN"], "1 site matches “mem tn”."),  # every word, any label field
        ("ok", ["Tulsa, OK"], "1 site matches “ok”."),
        ("boise", [], "No sites match “boise”."),
    ],
)
def test_a_search_narrows_the_options_by_every_word(
    rf, coordinator, monkeypatch, three_sites, search, listed, hint
):
    from urllib.parse import urlencode

    html = str(
        site_filter_form(rf, coordinator, monkeypatch, urlencode({"site_search": search}))["site"]
    )

    assert options(html) == ["All sites", *listed]
    if hint:
        assert hint in html
    else:
        assert "The first 2 sites matching “t” are listed" in html
    assert f'value="{" ".join(search.split())}"' in html


def test_the_chosen_site_stays_listed_and_selected_when_the_search_leaves_it_out(
    rf, coordinator, monkeypatch, three_sites
):
    html = str(site_filter_form(rf, coordinator, monkeypatch, "site=tulsa-ok")["site"])

    assert options(html) == ["All sites", "Tulsa, OK", "Dayton, OH", "Memphis, TN"]
    assert '<option value="tulsa-ok" selected>' in html

    searched = str(
        site_filter_form(rf, coordinator, monkeypatch, "site=tulsa-ok&site_search=mem")["site"]
    )
    assert options(searched) == ["All sites", "Tulsa, OK", "Memphis, TN"]
    assert "1 site matches “mem”." in searched  # the chosen one is listed, not counted


def test_a_search_lists_only_choices_the_user_may_see(rf, monkeypatch, three_sites):
    from liaisons.models import Liaison
    from sites.models import Site
    from tests import factories

    liaison = factories.LiaisonFactory().user
    factories.AssignmentFactory(
        liaison=Liaison.objects.get(user=liaison),
        engagement__site=Site.objects.get(name="Memphis"),
    )
    form = site_filter_form(rf, liaison, monkeypatch, "site_search=m&site=tulsa-ok")

    assert options(str(form["site"])) == ["All sites", "Memphis, TN"]
    assert not form.is_valid()  # Tulsa is not theirs: not listed, not accepted
