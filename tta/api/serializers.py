"""API representations of TTA providers, requests, transitions and deliveries."""

from decimal import Decimal

from rest_framework import serializers

from sites.api.serializers import SiteSummarySerializer
from sites.models import CoreArea, Site
from tta.choices import DeliveryMode, Priority, RequestStatus
from tta.models import TTADelivery, TTAProvider, TTARequest, TTATransition
from tta.transitions import ACTIONS


class TTAProviderSerializer(serializers.ModelSerializer):
    # A string, not format "email": it is empty when unknown.
    email = serializers.CharField(read_only=True)

    class Meta:
        model = TTAProvider
        fields = ["id", "slug", "name", "description", "email", "active"]
        read_only_fields = fields


class TTAProviderSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = TTAProvider
        fields = ["id", "slug", "name"]


class TTATransitionSerializer(serializers.ModelSerializer):
    from_status = serializers.ChoiceField(
        choices=RequestStatus.choices,
        allow_blank=True,
        read_only=True,
        help_text="Empty for the first transition (the request being filed).",
    )

    class Meta:
        model = TTATransition
        fields = ["from_status", "to_status", "actor", "at", "note"]
        read_only_fields = fields


class TTARequestSerializer(serializers.ModelSerializer):
    site_summary = SiteSummarySerializer(source="site", read_only=True)
    core_area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    provider_summary = TTAProviderSummarySerializer(
        source="provider", read_only=True, allow_null=True
    )
    transitions = TTATransitionSerializer(many=True, read_only=True)

    class Meta:
        model = TTARequest
        fields = [
            "id",
            "site",
            "site_summary",
            "core_area",
            "title",
            "description",
            "requested_by",
            "needed_by",
            "priority",
            "status",
            "provider",
            "provider_summary",
            "decline_reason",
            "outcome",
            "created_at",
            "updated_at",
            "status_changed_at",
            "transitions",
        ]
        read_only_fields = fields


class TTARequestCreateSerializer(serializers.Serializer):
    """A new request, filed for a site you work on (`site` is its slug)."""

    site = serializers.SlugRelatedField(slug_field="slug", queryset=Site.objects.none())
    core_area = serializers.SlugRelatedField(
        slug_field="code", queryset=CoreArea.objects.filter(active=True)
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    needed_by = serializers.DateField(required=False, allow_null=True, default=None)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)

    def __init__(self, *args, sites=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sites is not None:
            self.fields["site"].queryset = sites


class TTATransitionCreateSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(name, a.label) for name, a in ACTIONS.items()])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    provider = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=TTAProvider.objects.filter(active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="For `start`: the organization doing the work, if not yet assigned.",
    )


class TTADeliverySerializer(serializers.ModelSerializer):
    site_summary = SiteSummarySerializer(source="request.site", read_only=True)

    class Meta:
        model = TTADelivery
        fields = [
            "id",
            "request",
            "site_summary",
            "date",
            "mode",
            "hours",
            "participants",
            "host_site",
            "summary",
            "created_at",
        ]
        read_only_fields = fields


class TTADeliveryCreateSerializer(serializers.Serializer):
    """One delivered session, recorded by the provider's staff against their request in
    progress (`request` is its id; `host_site` the slug of the host of a peer exchange)."""

    request = serializers.PrimaryKeyRelatedField(queryset=TTARequest.objects.none())
    date = serializers.DateField(help_text="The day it was delivered (not in the future).")
    mode = serializers.ChoiceField(choices=DeliveryMode.choices)
    hours = serializers.DecimalField(
        max_digits=6, decimal_places=1, min_value=Decimal("0.1"), coerce_to_string=False
    )
    participants = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    host_site = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Site.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="For a peer exchange only: the site that hosted it.",
    )
    summary = serializers.CharField(max_length=20000)

    def __init__(self, *args, requests=None, **kwargs):
        super().__init__(*args, **kwargs)
        if requests is not None:
            self.fields["request"].queryset = requests
