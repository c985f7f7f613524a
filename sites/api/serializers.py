"""API representations of sites, engagements, milestones and core areas (explicit fields)."""

from rest_framework import serializers

from psp.api.representation import date_repr, datetime_repr, output_timezone
from sites.choices import EngagementStatus, Phase
from sites.models import CoreArea, Engagement, Milestone, Site


class CoreAreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = CoreArea
        fields = ["code", "name", "order", "active"]


class SiteSummarySerializer(serializers.ModelSerializer):
    """The few facts an integrator needs to name a site next to a related object."""

    class Meta:
        model = Site
        fields = ["id", "slug", "name", "state"]


class SiteSerializer(serializers.ModelSerializer):
    current_phase = serializers.ChoiceField(
        choices=Phase.choices, allow_null=True, read_only=True, help_text="Latest engagement."
    )
    current_status = serializers.ChoiceField(
        choices=EngagementStatus.choices, allow_null=True, read_only=True
    )

    class Meta:
        model = Site
        fields = [
            "id",
            "slug",
            "name",
            "state",
            "lead_agency",
            "program",
            "cohort_year",
            "announced_on",
            "population",
            "current_phase",
            "current_status",
            "created_at",
            "updated_at",
            "status_changed_at",
        ]
        read_only_fields = fields

    def to_representation(self, site):
        """What the declared fields write, written out by hand: the sites list is the API's
        busiest read, and DRF's field machinery was most of its time (docs/benchmarks.md);
        a test holds the two equal."""
        if "_tz" not in self.__dict__:  # once per response, not once per site
            self._tz = output_timezone()
        tz = self._tz
        return {
            "id": site.pk,
            "slug": site.slug,
            "name": site.name,
            "state": site.state,
            "lead_agency": site.lead_agency,
            "program": site.program,
            "cohort_year": site.cohort_year,
            "announced_on": date_repr(site.announced_on),
            "population": site.population,
            "current_phase": site.current_phase,
            "current_status": site.current_status,
            "created_at": datetime_repr(site.created_at, tz),
            "updated_at": datetime_repr(site.updated_at, tz),
            "status_changed_at": datetime_repr(site.status_changed_at, tz),
        }


class SiteUpdateSerializer(serializers.ModelSerializer):
    """What a coordinator may correct (sites.services.SITE_EDITABLE_FIELDS)."""

    class Meta:
        model = Site
        fields = ["name", "lead_agency", "population", "announced_on"]
        # Uniqueness is checked by the service's full_clean (one place for the rule).
        validators = []


class EngagementSerializer(serializers.ModelSerializer):
    site_summary = SiteSummarySerializer(source="site", read_only=True)

    class Meta:
        model = Engagement
        fields = [
            "id",
            "site",
            "site_summary",
            "phase",
            "status",
            "start_date",
            "planned_end",
            "actual_end",
            "previous",
            "close_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MilestoneSerializer(serializers.ModelSerializer):
    site_summary = SiteSummarySerializer(source="engagement.site", read_only=True)
    is_complete = serializers.BooleanField(read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "engagement",
            "site_summary",
            "key",
            "title",
            "due_date",
            "completed_on",
            "is_complete",
            "completed_by",
            "owner",
            "notes",
            "updated_at",
        ]
        read_only_fields = fields


class MilestoneCompleteSerializer(serializers.Serializer):
    completed_on = serializers.DateField(
        required=False, help_text="Defaults to today; cannot be in the future."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
