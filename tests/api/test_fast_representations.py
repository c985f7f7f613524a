"""Representations written out by hand for speed (docs/benchmarks.md) must stay exactly what
the declared serializer fields write."""

import datetime

from rest_framework import serializers

from sites.api.serializers import SiteSerializer
from sites.selectors import site_list_for
from tests import factories


def test_the_site_representation_is_what_the_declared_fields_write(coordinator):
    factories.EngagementFactory(site__announced_on=datetime.date(2024, 5, 1))
    factories.SiteFactory(population=None)
    sites = list(site_list_for(user=coordinator).order_by("pk"))
    assert len(sites) == 2
    for site in sites:
        serializer = SiteSerializer()
        declared = serializers.ModelSerializer.to_representation(serializer, site)
        assert serializer.to_representation(site) == declared
