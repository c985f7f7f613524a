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
