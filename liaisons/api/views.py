"""Liaisons, assignments and site visits over REST (docs/api.md). Visit writes go through the
same services as the visit form: `visit_save_draft` and `visit_submit`."""

from __future__ import annotations

import contextlib

from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from liaisons.api.serializers import (
    ACTION_ITEM_ROW_FIELDS,
    VISIT_ROW_FIELDS,
    AssignmentSerializer,
    LiaisonSerializer,
    SiteVisitSerializer,
    SiteVisitWriteSerializer,
    reads_internal_notes,
    visit_input_of,
    visit_representation,
)
from liaisons.filtersets import AssignmentFilterSet, LiaisonFilterSet, SiteVisitFilterSet
from liaisons.models import ActionItem, Assignment, Liaison, SiteVisit
from liaisons.selectors import may_log_visits
from liaisons.services import (
    VisitAlreadySubmitted,
    VisitEditConflict,
    VisitNotYours,
    visit_save_draft,
    visit_submit,
)
from psp.api.conditional import etag_of
from psp.api.errors import Conflict, ErrorSerializer, PreconditionFailed
from psp.api.pagination import CursorPagination
from psp.api.representation import output_timezone
from psp.api.viewsets import ReadOnlyViewSet
from psp.db import CompiledQuery, compiled_once
from sites.models import CoreArea, Site


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


@contextlib.contextmanager
def visit_write_errors():
    """The visit services' refusals as API errors (the rest are 400s with field messages)."""
    try:
        yield
    except VisitEditConflict as exc:
        # Saved elsewhere since this write read it: the ETag the client holds is stale.
        raise PreconditionFailed() from exc
    except VisitAlreadySubmitted as exc:
        raise Conflict(" ".join(exc.messages)) from exc
    except VisitNotYours as exc:
        raise PermissionDenied(" ".join(exc.messages)) from exc


VISIT_SUBMITTED = OpenApiResponse(ErrorSerializer, description="The visit is already submitted.")


# Undated next steps last on every database, so `action_items.<n>` in a submit error names the
# same item on SQLite and PostgreSQL.
ACTION_ITEM_ORDER = (F("due_date").asc(nulls_last=True), "pk")


# A page's core areas and next steps, compiled once per page size (psp.db.CompiledQuery):
# building and compiling two `__in` queries of 50 ids cost more than running them.
_PAGE_CORE_AREAS = CompiledQuery(
    lambda *ids: (
        SiteVisit.core_areas.through.objects.filter(sitevisit_id__in=ids)
        .order_by("corearea__order", "corearea__code")
        .values_list("sitevisit_id", "corearea__code")
    ),
    parameters=None,
    kind=int,
)
_PAGE_ACTION_ITEMS = CompiledQuery(
    lambda *ids: (
        ActionItem.objects.filter(visit_id__in=ids)
        .order_by(*ACTION_ITEM_ORDER)
        .values_list("visit_id", *ACTION_ITEM_ROW_FIELDS)
    ),
    parameters=None,
    kind=int,
)


def visits_load_lists(rows: list[dict]) -> None:
    """Give each visit row (VISIT_ROW_FIELDS) its `core_areas` (codes) and `action_items`
    (tuples of ACTION_ITEM_ROW_FIELDS), in the order the viewset's prefetches use, in two
    queries."""
    ids = [row["id"] for row in rows]
    codes: dict[int, list[str]] = {pk: [] for pk in ids}
    items: dict[int, list[tuple]] = {pk: [] for pk in ids}
    for visit_id, code in _PAGE_CORE_AREAS.rows(*ids):
        codes[visit_id].append(code)
    for visit_id, *item in _PAGE_ACTION_ITEMS.rows(*ids):
        items[visit_id].append(tuple(item))
    for row in rows:
        row["core_areas"] = codes[row["id"]]
        row["action_items"] = items[row["id"]]


class SiteVisitViewSet(ReadOnlyViewSet):
    """Site visits you may see; `internal_notes` is null unless you are DOJ staff. Liaisons log
    visits for the sites they are assigned to, change their own until submitted, and submit."""

    model = SiteVisit
    serializer_class = SiteVisitSerializer
    filterset_class = SiteVisitFilterSet
    select_related = ("site", "liaison__user")
    prefetch_related = (
        Prefetch("core_areas", queryset=CoreArea.objects.order_by("order", "code")),
        Prefetch(
            "action_items",
            queryset=ActionItem.objects.order_by(*ACTION_ITEM_ORDER),
        ),
    )
    ordering_fields = ["start_date", "updated_at", "id"]
    ordering = ("-start_date", "-id")
    # Years of visits from every site: pages by cursor, without counting them all each time.
    pagination_class = CursorPagination

    def representation(self, instance):
        return SiteVisitSerializer(instance, context=self.get_serializer_context()).data

    def list(self, request, *args, **kwargs):
        """Visits read as rows (`.values()`) and written by `visit_representation`, which a
        test holds equal to the serializer's fields: a model instance for each visit, its site,
        liaison and user was a third of the list's time (docs/benchmarks.md). Core areas and
        next steps come in two queries for the whole page, in the prefetches' order."""
        # get_queryset() without the select_related and prefetch_related that rows do not need
        queryset = compiled_once(self.base_queryset().order_by(*self.ordering))
        queryset = self.filter_queryset(queryset)
        rows = self.paginate_queryset(queryset.values(*VISIT_ROW_FIELDS))
        visits_load_lists(rows)
        tz, notes = output_timezone(), reads_internal_notes(request.user)
        return self.get_paginated_response(
            [visit_representation(row, tz=tz, internal_notes=notes) for row in rows]
        )

    def _require_visit_logger(self) -> None:
        if not may_log_visits(self.request.user):
            raise PermissionDenied("Only Strategic Site Liaisons log site visits.")

    def _valid_body(self, *, partial: bool = False) -> SiteVisitWriteSerializer:
        serializer = SiteVisitWriteSerializer(
            data=self.request.data,
            partial=partial,
            # The sites the visit form offers; the services check the assignment again.
            sites=Site.objects.assigned_to(self.request.user, on=timezone.localdate()),
        )
        serializer.is_valid(raise_exception=True)
        return serializer

    @extend_schema(request=SiteVisitWriteSerializer, responses={201: SiteVisitSerializer})
    def create(self, request, *args, **kwargs):
        """Log a visit: saved as planned (dated in the future) or as a draft, never submitted."""
        self._require_visit_logger()
        body = self._valid_body()
        visit = visit_save_draft(data=body.visit_input(), actor=request.user)
        data = self.representation(self.get_queryset().get(pk=visit.pk))
        location = reverse("site-visit-detail", kwargs={"pk": visit.pk})
        return Response(
            data,
            status=status.HTTP_201_CREATED,
            headers={"ETag": etag_of(data), "Location": location},
        )

    @extend_schema(
        request=SiteVisitWriteSerializer,
        responses={200: SiteVisitSerializer, 409: VISIT_SUBMITTED},
    )
    def update(self, request, *args, **kwargs):
        """Save changes to your visit that is not submitted yet (it stays planned or draft)."""
        partial = kwargs.pop("partial", False)
        self.get_object()  # an invisible visit is a 404 before anything else
        self._require_visit_logger()
        body = self._valid_body(partial=partial)

        def save(visit):
            data = body.visit_input(current=visit_input_of(visit) if partial else None)
            with visit_write_errors():
                # The row is locked and If-Match checked: the version read now is current.
                visit_save_draft(data=data, actor=request.user, visit=visit, version=visit.version)

        return self.write_with_if_match(save)

    @extend_schema(
        request=SiteVisitWriteSerializer,
        responses={200: SiteVisitSerializer, 409: VISIT_SUBMITTED},
    )
    def partial_update(self, request, *args, **kwargs):
        """Change some fields of your visit that is not submitted yet."""
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(
        request=None,
        responses={
            200: SiteVisitSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Not complete: what is missing, per field, in `error.fields`.",
            ),
            409: VISIT_SUBMITTED,
        },
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit your visit as saved: checked completely (summary, core areas, a date that has
        passed, due dates of next steps) and then locked and shared with the site."""
        self.get_object()
        self._require_visit_logger()

        def apply(visit):
            with visit_write_errors():
                visit_submit(
                    data=visit_input_of(visit),
                    actor=request.user,
                    visit=visit,
                    version=visit.version,
                )

        return self.write_with_if_match(apply)
