from django.contrib import admin
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from tta.models import (
    SummitAttendance,
    SummitSession,
    TrainingSummit,
    TTADelivery,
    TTAProvider,
    TTARequest,
    TTATransition,
)
from tta.services import open_request_tally_key, open_request_tally_move


@admin.register(TTAProvider)
class TTAProviderAdmin(SimpleHistoryAdmin):
    list_display = ["name", "email", "active"]
    list_filter = ["active"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["staff"]


class TransitionInline(admin.TabularInline):
    """Read-only: the log is written only by the transition service."""

    model = TTATransition
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "at", "note"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    model = TTADelivery
    fk_name = "request"
    extra = 0
    autocomplete_fields = ["host_site"]


@admin.register(TTARequest)
class TTARequestAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "site",
        "core_area",
        "status",
        "priority",
        "provider",
        "needed_by",
        "created_at",
    ]
    list_filter = ["status", "priority", "core_area", "provider"]
    search_fields = ["title", "description", "site__name"]
    date_hierarchy = "created_at"
    list_select_related = ["site", "core_area", "provider"]
    autocomplete_fields = ["site", "requested_by", "provider"]
    # Status moves only through the state machine, which records every transition.
    readonly_fields = ["status", "status_changed_at", "decline_reason", "outcome"]
    inlines = [TransitionInline, DeliveryInline]

    # Adding, editing (a core area) and deleting here go around the services: each keeps the
    # dashboard's open-request tallies, as the services do.
    @transaction.atomic
    def save_model(self, request, obj, form, change):
        before = TTARequest.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        open_request_tally_move(
            before=before and open_request_tally_key(before), after=open_request_tally_key(obj)
        )

    @transaction.atomic
    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        open_request_tally_move(before=open_request_tally_key(obj), after=None)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        keys = [open_request_tally_key(obj) for obj in queryset]
        super().delete_queryset(request, queryset)
        for key in keys:
            open_request_tally_move(before=key, after=None)


@admin.register(TTADelivery)
class TTADeliveryAdmin(SimpleHistoryAdmin):
    list_display = ["request", "date", "mode", "hours", "participants", "host_site"]
    list_filter = ["mode"]
    search_fields = ["request__title", "request__site__name", "summary"]
    date_hierarchy = "date"
    list_select_related = ["request__site", "host_site"]
    autocomplete_fields = ["request", "host_site"]


@admin.register(TTATransition)
class TTATransitionAdmin(admin.ModelAdmin):
    list_display = ["request", "from_status", "to_status", "actor", "at"]
    list_filter = ["to_status"]
    search_fields = ["request__title", "note"]
    list_select_related = ["request", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SummitSessionInline(admin.TabularInline):
    model = SummitSession
    extra = 0


class SummitAttendanceInline(admin.TabularInline):
    """Read-only: attendance is recorded on the summit page, which also completes the site's
    yearly milestone (`tta.services.summit_attendance_record`)."""

    model = SummitAttendance
    extra = 0
    readonly_fields = ["site", "attendees", "recorded_by", "recorded_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TrainingSummit)
class TrainingSummitAdmin(SimpleHistoryAdmin):
    list_display = ["year", "title", "start_date", "end_date", "location"]
    search_fields = ["title", "location"]
    inlines = [SummitSessionInline, SummitAttendanceInline]
