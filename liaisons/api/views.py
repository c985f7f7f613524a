"""Liaisons, assignments and site visits over REST (reads; visit writes belong to the visit
services and are not exposed here yet)."""

from django.db.models import Prefetch

from liaisons.api.serializers import AssignmentSerializer, LiaisonSerializer, SiteVisitSerializer
from liaisons.filtersets import AssignmentFilterSet, LiaisonFilterSet, SiteVisitFilterSet
from liaisons.models import ActionItem, Assignment, Liaison, SiteVisit
from psp.api.viewsets import ReadOnlyViewSet
from sites.models import CoreArea


class LiaisonViewSet(ReadOnlyViewSet):
    """Strategic Site Liaisons you may see."""

    model = Liaison
    serializer_class = LiaisonSerializer
    filterset_class = LiaisonFilterSet
    select_related = ("user",)
    ordering_fields = ["id"]
    ordering = ("user__last_name", "user__first_name", "id")


class AssignmentViewSet(ReadOnlyViewSet):
    """Liaison assignments on the engagements you may see."""

    model = Assignment
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilterSet
    select_related = ("liaison__user", "engagement__site")
    ordering_fields = ["start_date", "end_date", "id"]
    ordering = ("-start_date", "id")


class SiteVisitViewSet(ReadOnlyViewSet):
    """Site visits you may see; `internal_notes` is null unless you are DOJ staff."""

    model = SiteVisit
    serializer_class = SiteVisitSerializer
    filterset_class = SiteVisitFilterSet
    select_related = ("site", "liaison__user")
    prefetch_related = (
        Prefetch("core_areas", queryset=CoreArea.objects.order_by("order", "code")),
        Prefetch("action_items", queryset=ActionItem.objects.order_by("due_date", "pk")),
    )
    ordering_fields = ["start_date", "updated_at", "id"]
    ordering = ("-start_date", "-id")
