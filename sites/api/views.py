"""Sites, engagements, milestones and core areas over REST (docs/api.md)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action

from psp.api.viewsets import ReadOnlyViewSet
from sites.api.serializers import (
    CoreAreaSerializer,
    EngagementSerializer,
    MilestoneCompleteSerializer,
    MilestoneSerializer,
    SiteSerializer,
    SiteUpdateSerializer,
)
from sites.filtersets import (
    CoreAreaFilterSet,
    EngagementFilterSet,
    MilestoneFilterSet,
    SiteFilterSet,
)
from sites.models import CoreArea, Engagement, Milestone, Site
from sites.selectors import site_list_for
from sites.services import milestone_complete, site_update


class SiteViewSet(mixins.UpdateModelMixin, ReadOnlyViewSet):
    """Sites you may see. Coordinators may correct a site's facts with PUT/PATCH."""

    model = Site
    serializer_class = SiteSerializer
    filterset_class = SiteFilterSet
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    ordering_fields = ["name", "state", "cohort_year", "announced_on", "status_changed_at", "id"]
    ordering = ("name", "state", "id")

    def base_queryset(self):
        return site_list_for(user=self.request.user, current_dates=False)

    def get_serializer_class(self):
        if self.action in {"update", "partial_update"}:
            return SiteUpdateSerializer
        return SiteSerializer

    def representation(self, instance):
        return SiteSerializer(instance, context=self.get_serializer_context()).data

    @extend_schema(responses=SiteSerializer)
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = SiteUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return self.write_with_if_match(
            lambda site: site_update(site=site, actor=request.user, **serializer.validated_data)
        )

    @extend_schema(responses=SiteSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class EngagementViewSet(ReadOnlyViewSet):
    """Engagements (phases) of the sites you may see."""

    model = Engagement
    serializer_class = EngagementSerializer
    filterset_class = EngagementFilterSet
    select_related = ("site",)
    ordering_fields = ["start_date", "planned_end", "updated_at", "id"]
    ordering = ("-start_date", "-id")


class MilestoneViewSet(ReadOnlyViewSet):
    """Milestones of the engagements you may see; `complete` marks one done."""

    model = Milestone
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilterSet
    select_related = ("engagement__site",)
    ordering_fields = ["due_date", "completed_on", "updated_at", "id"]
    ordering = ("due_date", "id")

    def representation(self, instance):
        return MilestoneSerializer(instance, context=self.get_serializer_context()).data

    @extend_schema(request=MilestoneCompleteSerializer, responses=MilestoneSerializer)
    @action(detail=True, methods=["post"], serializer_class=MilestoneCompleteSerializer)
    def complete(self, request, pk=None):
        """Mark the milestone done (coordinators, and liaisons assigned to the site now)."""
        serializer = MilestoneCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        today = timezone.localdate()
        return self.write_with_if_match(
            lambda milestone: milestone_complete(
                milestone=milestone,
                completed_on=serializer.validated_data.get("completed_on", today),
                note=serializer.validated_data["note"],
                actor=request.user,
                today=today,
            )
        )


class CoreAreaViewSet(ReadOnlyViewSet):
    """The core areas of TTA (reference data)."""

    model = CoreArea
    serializer_class = CoreAreaSerializer
    filterset_class = CoreAreaFilterSet
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    ordering_fields = ["order", "name", "code"]
    ordering = ("order", "name")
