"""The site status representation (psp.portfolio.selectors.SiteStatus)."""

from rest_framework import serializers

from psp.api.representation import date_repr, datetime_repr, output_timezone
from sites.api.serializers import SiteSummarySerializer
from sites.choices import EngagementStatus, Phase
from tta.choices import RequestStatus


class LiaisonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="user.get_full_name")


class NextMilestoneSerializer(serializers.Serializer):
    title = serializers.CharField()
    due_date = serializers.DateField()


class MilestoneCountsSerializer(serializers.Serializer):
    done = serializers.IntegerField(source="milestones_done")
    open = serializers.IntegerField(source="milestones_open")
    overdue = serializers.IntegerField(source="milestones_overdue")
    next_due = NextMilestoneSerializer(source="next_milestone", allow_null=True)


class OpenRequestCountSerializer(serializers.Serializer):
    core_area = serializers.CharField(source="core_area_code")
    core_area_name = serializers.CharField()
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    count = serializers.IntegerField()


class OpenRequestsSerializer(serializers.Serializer):
    total = serializers.IntegerField(source="open_requests_total")
    by_core_area_and_status = OpenRequestCountSerializer(source="open_requests", many=True)


class RiskSerializer(serializers.Serializer):
    score = serializers.IntegerField(source="risk_score")
    at_risk = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField(), source="risk_reasons")


class SiteStatusSerializer(serializers.Serializer):
    """Where a site stands on `as_of` (today, in the program's time zone)."""

    site = SiteSummarySerializer()
    as_of = serializers.DateField()
    status_changed_at = serializers.DateTimeField(source="site.status_changed_at")
    engagement = serializers.IntegerField(source="engagement.pk", allow_null=True, default=None)
    phase = serializers.ChoiceField(
        choices=Phase.choices, source="engagement.phase", allow_null=True, default=None
    )
    engagement_status = serializers.ChoiceField(
        choices=EngagementStatus.choices, source="engagement.status", allow_null=True, default=None
    )
    start_date = serializers.DateField(
        source="engagement.start_date", allow_null=True, default=None
    )
    planned_end = serializers.DateField(
        source="engagement.planned_end", allow_null=True, default=None
    )
    percent_elapsed = serializers.IntegerField(allow_null=True)
    current_liaison = LiaisonRefSerializer(allow_null=True)
    milestones = MilestoneCountsSerializer(source="*")
    last_visit_date = serializers.DateField(allow_null=True)
    days_since_last_visit = serializers.IntegerField(allow_null=True)
    open_tta_requests = OpenRequestsSerializer(source="*")
    risk = RiskSerializer(source="*")


_date = date_repr


class FastSiteStatusSerializer(SiteStatusSerializer):
    """`SiteStatusSerializer`'s output written out by hand: the same dictionary (a test holds
    them equal), about ten times faster than DRF's nested fields, which dominated the status
    feed at scale (docs/benchmarks.md). The declared fields above still describe the schema."""

    def to_representation(self, status):
        if "_tz" not in self.__dict__:  # once per response, not once per site
            self._tz = output_timezone()
        site, engagement, liaison = status.site, status.engagement, status.current_liaison
        next_due = status.next_milestone
        return {
            "site": {"id": site.pk, "slug": site.slug, "name": site.name, "state": site.state},
            "as_of": _date(status.as_of),
            "status_changed_at": datetime_repr(site.status_changed_at, self._tz),
            "engagement": engagement.pk if engagement is not None else None,
            "phase": engagement.phase if engagement is not None else None,
            "engagement_status": engagement.status if engagement is not None else None,
            "start_date": _date(engagement.start_date) if engagement is not None else None,
            "planned_end": _date(engagement.planned_end) if engagement is not None else None,
            "percent_elapsed": status.percent_elapsed,
            "current_liaison": (
                {"id": liaison.id, "name": liaison.user.get_full_name()}
                if liaison is not None
                else None
            ),
            "milestones": {
                "done": status.milestones_done,
                "open": status.milestones_open,
                "overdue": status.milestones_overdue,
                "next_due": (
                    {"title": next_due.title, "due_date": _date(next_due.due_date)}
                    if next_due is not None
                    else None
                ),
            },
            "last_visit_date": _date(status.last_visit_date),
            "days_since_last_visit": status.days_since_last_visit,
            "open_tta_requests": {
                "total": status.open_requests_total,
                "by_core_area_and_status": [
                    {
                        "core_area": row.core_area_code,
                        "core_area_name": row.core_area_name,
                        "status": row.status,
                        "count": row.count,
                    }
                    for row in status.open_requests
                ],
            },
            "risk": {
                "score": status.risk_score,
                "at_risk": status.at_risk,
                "reasons": list(status.risk_reasons),
            },
        }
