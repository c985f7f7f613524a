"""TTA providers, requests (submit, transitions) and deliveries over REST (docs/api.md)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from psp.accounts.roles import roles_of
from psp.api.conditional import etag_of
from psp.api.errors import Conflict, ErrorSerializer
from psp.api.viewsets import ReadOnlyViewSet
from sites.models import Site
from tta.api.serializers import (
    TTADeliveryCreateSerializer,
    TTADeliverySerializer,
    TTAProviderSerializer,
    TTARequestCreateSerializer,
    TTARequestSerializer,
    TTATransitionCreateSerializer,
)
from tta.filtersets import TTADeliveryFilterSet, TTAProviderFilterSet, TTARequestFilterSet
from tta.models import TTADelivery, TTAProvider, TTARequest, TTATransition
from tta.services import (
    DELIVERY_ROLES,
    SUBMIT_ROLES,
    IllegalTransition,
    tta_delivery_record,
    tta_request_submit,
    tta_request_transition,
)


class TTAProviderViewSet(ReadOnlyViewSet):
    """Organizations that deliver TTA."""

    model = TTAProvider
    serializer_class = TTAProviderSerializer
    filterset_class = TTAProviderFilterSet
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    ordering_fields = ["name", "id"]
    ordering = ("name", "id")


class TTARequestViewSet(ReadOnlyViewSet):
    """TTA requests you may see. Site contacts, liaisons and coordinators file requests;
    every status change is a transition (`POST …/transitions/`), never a field update."""

    model = TTARequest
    serializer_class = TTARequestSerializer
    filterset_class = TTARequestFilterSet
    select_related = ("site", "core_area", "provider")
    prefetch_related = (
        Prefetch("transitions", queryset=TTATransition.objects.order_by("at", "pk")),
    )
    ordering_fields = ["created_at", "updated_at", "needed_by", "priority", "status", "id"]
    ordering = ("-created_at", "-id")

    def representation(self, instance):
        return TTARequestSerializer(instance, context=self.get_serializer_context()).data

    @extend_schema(request=TTARequestCreateSerializer, responses={201: TTARequestSerializer})
    def create(self, request, *args, **kwargs):
        user = request.user
        # A role that can never file gets 403 before its data is read; which site each may
        # file for is tta_request_submit's rule.
        if not roles_of(user) & SUBMIT_ROLES:
            raise PermissionDenied("Only a site contact or a liaison can request TTA.")
        # Requests are filed for a site you work on; any other slug is "not found".
        serializer = TTARequestCreateSerializer(
            data=request.data, sites=Site.objects.working_on_by(user)
        )
        serializer.is_valid(raise_exception=True)
        created = tta_request_submit(requested_by=user, **serializer.validated_data)
        data = self.representation(self.get_queryset().get(pk=created.pk))
        return Response(data, status=status.HTTP_201_CREATED, headers={"ETag": etag_of(data)})

    @extend_schema(
        request=TTATransitionCreateSerializer,
        responses={
            200: TTARequestSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Not allowed from this status."),
        },
    )
    @action(detail=True, methods=["post"], serializer_class=TTATransitionCreateSerializer)
    def transitions(self, request, pk=None):
        """Apply one action of the TTA state machine (tta/transitions.py)."""
        serializer = TTATransitionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def transition(tta_request):
            try:
                tta_request_transition(
                    request=tta_request, actor=request.user, **serializer.validated_data
                )
            except IllegalTransition as exc:
                raise Conflict(" ".join(exc.messages)) from exc

        return self.write_with_if_match(transition)


class TTADeliveryViewSet(ReadOnlyViewSet):
    """TTA delivered against the requests you may see; the assigned provider's staff record
    deliveries on their requests in progress."""

    model = TTADelivery
    serializer_class = TTADeliverySerializer
    filterset_class = TTADeliveryFilterSet
    select_related = ("request__site",)
    ordering_fields = ["date", "hours", "id"]
    ordering = ("-date", "-id")

    @extend_schema(
        request=TTADeliveryCreateSerializer,
        responses={
            201: TTADeliverySerializer,
            409: OpenApiResponse(ErrorSerializer, description="The request is not in progress."),
        },
    )
    def create(self, request, *args, **kwargs):
        user = request.user
        # A role that can never record gets 403 before its data is read; which requests each
        # may record against is tta_delivery_record's rule (acting_roles).
        if not roles_of(user) & DELIVERY_ROLES:
            raise PermissionDenied("Only the assigned provider's staff record deliveries.")
        # A request you may not see reads as one that does not exist.
        serializer = TTADeliveryCreateSerializer(
            data=request.data, requests=TTARequest.objects.visible_to(user)
        )
        serializer.is_valid(raise_exception=True)
        try:
            delivery = tta_delivery_record(actor=user, **serializer.validated_data)
        except IllegalTransition as exc:
            raise Conflict(" ".join(exc.messages)) from exc
        data = self.get_serializer(self.get_queryset().get(pk=delivery.pk)).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"ETag": etag_of(data)})
