"""API representations of liaisons, assignments and site visits (explicit fields), and the
body of a visit write, parsed into the `VisitInput` the visit services take."""

from __future__ import annotations

import dataclasses

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from liaisons.choices import VisitMode
from liaisons.models import ActionItem, Assignment, Liaison, SiteVisit
from liaisons.services import ActionItemInput, VisitInput
from psp.accounts.roles import Role, roles_of
from psp.api.representation import date_repr, datetime_repr, output_timezone
from sites.api.serializers import SiteSummarySerializer
from sites.models import CoreArea, Site

# The free-text fields of a visit, taken from `VisitInput` so that a text field added to the
# visit form and its service is read and written by the API without a second list here.
VISIT_TEXT_FIELDS = tuple(
    f.name for f in dataclasses.fields(VisitInput) if f.type in ("str", str) and f.name != "mode"
)
# Longest text accepted where the model sets no limit (a TextField).
TEXT_LIMIT = 20000


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
            "core_areas",
            *VISIT_TEXT_FIELDS,  # purpose, people_met, summary, internal_notes, …
            "submitted_at",
            "created_at",
            "updated_at",
            "action_items",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_internal_notes(self, visit: SiteVisit) -> str | None:
        """DOJ-internal notes: null unless you are a coordinator or a liaison."""
        return visit.internal_notes if self._reads_internal_notes() else None

    def _reads_internal_notes(self) -> bool:
        request = self.context.get("request")
        return reads_internal_notes(request.user if request is not None else None)

    def to_representation(self, visit):
        """What the declared fields write, written out by hand (`visit_representation`):
        DRF's nested field machinery was most of the visits list's time (docs/benchmarks.md);
        a test holds the two equal. Expects `site`, `liaison__user`, `core_areas` and
        `action_items` loaded (the viewset's select_related and prefetch_related)."""
        if "_tz" not in self.__dict__:  # once per response, not once per visit
            self._tz = output_timezone()
            self._notes = self._reads_internal_notes()
        return visit_representation(visit_row_of(visit), tz=self._tz, internal_notes=self._notes)


def reads_internal_notes(user) -> bool:
    return bool(INTERNAL_NOTE_READERS & roles_of(user))


# A visit as the visits list reads it with `.values()` (liaisons.api.views), and as
# `visit_representation` writes it. The list adds `core_areas` (codes) and `action_items`
# (tuples of ACTION_ITEM_ROW_FIELDS).
VISIT_ROW_FIELDS = (
    "id",
    "site_id",
    "site__slug",
    "site__name",
    "site__state",
    "engagement_id",
    "liaison_id",
    "liaison__user__first_name",
    "liaison__user__last_name",
    "start_date",
    "end_date",
    "mode",
    "status",
    *VISIT_TEXT_FIELDS,
    "submitted_at",
    "created_at",
    "updated_at",
)
ACTION_ITEM_ROW_FIELDS = ("id", "text", "owner_id", "owner_name", "due_date", "done_on")
_VISIT_OWN_FIELDS = [name for name in VISIT_ROW_FIELDS if "__" not in name]


def visit_row_of(visit: SiteVisit) -> dict:
    """A visit instance (with `site`, `liaison__user`, `core_areas` and `action_items`
    loaded) as the row the visits list reads."""
    row = {name: getattr(visit, name) for name in _VISIT_OWN_FIELDS}
    site, user = visit.site, visit.liaison.user
    row["site__slug"], row["site__name"], row["site__state"] = site.slug, site.name, site.state
    row["liaison__user__first_name"] = user.first_name
    row["liaison__user__last_name"] = user.last_name
    row["core_areas"] = [area.code for area in visit.core_areas.all()]
    row["action_items"] = [
        tuple(getattr(item, name) for name in ACTION_ITEM_ROW_FIELDS)
        for item in visit.action_items.all()
    ]
    return row


def visit_representation(row: dict, *, tz, internal_notes: bool) -> dict:
    """What SiteVisitSerializer's declared fields write for a visit, from its row (see
    VISIT_ROW_FIELDS); `tz` is `output_timezone()`, `internal_notes` whether the reader may see
    them (`reads_internal_notes`)."""
    data = {
        "id": row["id"],
        "site": row["site_id"],
        "site_summary": {
            "id": row["site_id"],
            "slug": row["site__slug"],
            "name": row["site__name"],
            "state": row["site__state"],
        },
        "engagement": row["engagement_id"],
        "liaison": row["liaison_id"],
        "liaison_summary": {
            "id": row["liaison_id"],
            # User.get_full_name()
            "name": f"{row['liaison__user__first_name']} {row['liaison__user__last_name']}".strip(),
        },
        "start_date": date_repr(row["start_date"]),
        "end_date": date_repr(row["end_date"]),
        "mode": _text(row["mode"]),
        "status": _text(row["status"]),
        "core_areas": row["core_areas"],
    }
    for name in VISIT_TEXT_FIELDS:
        if name == "internal_notes":
            data[name] = row[name] if internal_notes else None
        else:
            data[name] = _text(row[name])
    data["submitted_at"] = datetime_repr(row["submitted_at"], tz)
    data["created_at"] = datetime_repr(row["created_at"], tz)
    data["updated_at"] = datetime_repr(row["updated_at"], tz)
    data["action_items"] = [
        {
            "id": pk,
            "text": _text(text),
            "owner": owner,
            "owner_name": _text(owner_name),
            "due_date": date_repr(due_date),
            "done_on": date_repr(done_on),
        }
        for pk, text, owner, owner_name, due_date, done_on in row["action_items"]
    ]
    return data


def _text(value) -> str | None:
    """A CharField's or ChoiceField's output for a stored string (or a TextChoices member)."""
    return None if value is None else str(value)


NOT_ASSIGNED = "You can only log visits for sites you are assigned to."


class ActionItemWriteSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The id of a next step already on the visit, to keep it (and its done date).",
    )
    text = serializers.CharField(max_length=500)
    owner_name = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        default="",
        help_text="Leave empty if it is yours.",
    )
    due_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Required to submit the visit."
    )


class SiteVisitWriteSerializer(serializers.Serializer):
    """A visit as the liaison writes it. `site` is the slug of a site you are assigned to now;
    `core_areas` are codes; `action_items` replaces the visit's next steps (send `id` to keep
    one). A `start_date` in the future saves the visit as planned, otherwise as a draft."""

    site = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Site.objects.none(),
        error_messages={"does_not_exist": NOT_ASSIGNED},
    )
    start_date = serializers.DateField(help_text="The visit date (first day).")
    end_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="For visits of several days."
    )
    mode = serializers.ChoiceField(choices=VisitMode.choices, default=VisitMode.ON_SITE)
    core_areas = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=CoreArea.objects.filter(active=True),
        required=False,
        default=list,
        help_text="Codes of core areas (at least one to submit).",
    )
    action_items = ActionItemWriteSerializer(many=True, required=False, default=list)

    def __init__(self, *args, sites=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sites is not None:
            self.fields["site"].queryset = sites

    def get_fields(self):
        fields = super().get_fields()
        for name in VISIT_TEXT_FIELDS:
            model_field = SiteVisit._meta.get_field(name)
            fields.setdefault(
                name,
                serializers.CharField(
                    max_length=getattr(model_field, "max_length", None) or TEXT_LIMIT,
                    required=False,
                    allow_blank=True,
                    default="",
                    help_text=_sentence(model_field.help_text or model_field.verbose_name),
                ),
            )
        return fields

    def visit_input(self, *, current: VisitInput | None = None) -> VisitInput:
        """The validated body as the services' input; on PATCH, `current` fills what was not
        sent."""
        changes = dict(self.validated_data)
        if "action_items" in changes:
            changes["action_items"] = [
                ActionItemInput(
                    text=row["text"],
                    owner_name=row.get("owner_name", ""),
                    due_date=row.get("due_date"),
                    pk=row.get("id"),
                )
                for row in changes["action_items"]
            ]
        if current is None:
            return VisitInput(**changes)
        return dataclasses.replace(current, **changes)


def _sentence(text) -> str:
    text = str(text)
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else f"{text}."


def visit_input_of(visit: SiteVisit) -> VisitInput:
    """The visit as stored, as the services' input: what PATCH starts from and what `submit`
    validates. Action items keep the order of the representation, so an error on
    `action_items.<n>` names the n-th item the client read."""
    values = {
        f.name: getattr(visit, f.name)
        for f in dataclasses.fields(VisitInput)
        if f.name not in {"core_areas", "action_items"}
    }
    return VisitInput(
        **values,
        core_areas=list(visit.core_areas.all()),
        action_items=[
            ActionItemInput(
                text=item.text, owner_name=item.owner_name, due_date=item.due_date, pk=item.pk
            )
            for item in visit.action_items.all()
        ],
    )
