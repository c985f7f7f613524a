"""API representations of liaisons, assignments and site visits (explicit fields)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from liaisons.models import ActionItem, Assignment, Liaison, SiteVisit
from psp.accounts.roles import Role, roles_of
from sites.api.serializers import SiteSummarySerializer


class LiaisonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    # A string, not format "email": it is empty when unknown.
    email = serializers.CharField(source="user.email", read_only=True)

    class Meta:
        model = Liaison
        fields = ["id", "name", "email", "former_title", "former_agency", "phone", "active"]
        read_only_fields = fields


class LiaisonSummarySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.get_full_name", read_only=True)

    class Meta:
        model = Liaison
        fields = ["id", "name"]


class AssignmentSerializer(serializers.ModelSerializer):
    liaison_summary = LiaisonSummarySerializer(source="liaison", read_only=True)
    site_summary = SiteSummarySerializer(source="engagement.site", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "liaison",
            "liaison_summary",
            "engagement",
            "site_summary",
            "role",
            "start_date",
            "end_date",
        ]
        read_only_fields = fields


class ActionItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActionItem
        fields = ["id", "text", "owner", "owner_name", "due_date", "done_on"]
        read_only_fields = fields


# Who may read a visit's DOJ-internal notes (DESIGN.md §2: never site contacts).
INTERNAL_NOTE_READERS = frozenset({Role.COORDINATOR, Role.LIAISON})


class SiteVisitSerializer(serializers.ModelSerializer):
    site_summary = SiteSummarySerializer(source="site", read_only=True)
    liaison_summary = LiaisonSummarySerializer(source="liaison", read_only=True)
    core_areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    action_items = ActionItemSerializer(many=True, read_only=True)
    internal_notes = serializers.SerializerMethodField()

    class Meta:
        model = SiteVisit
        fields = [
            "id",
            "site",
            "site_summary",
            "engagement",
            "liaison",
            "liaison_summary",
            "start_date",
            "end_date",
            "mode",
            "status",
            "purpose",
            "core_areas",
            "people_met",
            "goals",
            "summary",
            "lessons_learned",
            "internal_notes",
            "submitted_at",
            "created_at",
            "updated_at",
            "action_items",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_internal_notes(self, visit: SiteVisit) -> str | None:
        """DOJ-internal notes: null unless you are a coordinator or a liaison."""
        request = self.context.get("request")
        user = request.user if request is not None else None
        if INTERNAL_NOTE_READERS & roles_of(user):
            return visit.internal_notes
        return None
