from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from liaisons.models import ActionItem, Assignment, Liaison, SiteVisit


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ["engagement", "role", "start_date", "end_date", "handoff_note"]
    autocomplete_fields = ["engagement"]


@admin.register(Liaison)
class LiaisonAdmin(SimpleHistoryAdmin):
    list_display = ["user", "former_title", "former_agency", "phone", "active"]
    list_filter = ["active"]
    search_fields = ["user__first_name", "user__last_name", "user__username", "former_agency"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    inlines = [AssignmentInline]


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["liaison", "engagement", "role", "start_date", "end_date"]
    list_filter = ["role", ("end_date", admin.EmptyFieldListFilter), "engagement__phase"]
    search_fields = ["liaison__user__last_name", "engagement__site__name"]
    list_select_related = ["liaison__user", "engagement__site"]
    autocomplete_fields = ["liaison", "engagement"]


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    autocomplete_fields = ["owner"]


@admin.register(SiteVisit)
class SiteVisitAdmin(SimpleHistoryAdmin):
    list_display = ["site", "start_date", "liaison", "mode", "status"]
    list_filter = ["status", "mode", "core_areas"]
    search_fields = ["site__name", "summary", "purpose", "liaison__user__last_name"]
    date_hierarchy = "start_date"
    list_select_related = ["site", "liaison__user"]
    autocomplete_fields = ["site", "engagement", "liaison"]
    filter_horizontal = ["core_areas"]
    inlines = [ActionItemInline]


@admin.register(ActionItem)
class ActionItemAdmin(SimpleHistoryAdmin):
    list_display = ["text", "visit", "owner", "owner_name", "due_date", "done_on"]
    list_filter = [("done_on", admin.EmptyFieldListFilter)]
    search_fields = ["text", "owner_name", "visit__site__name"]
    list_select_related = ["visit__site", "owner"]
    autocomplete_fields = ["visit", "owner"]
