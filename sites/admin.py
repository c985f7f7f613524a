from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from sites.models import (
    CoreArea,
    Engagement,
    EngagementExtension,
    FederalPartner,
    Milestone,
    MilestoneTemplate,
    Site,
    SiteContact,
)


@admin.register(CoreArea)
class CoreAreaAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["name", "code"]


class SiteContactInline(admin.TabularInline):
    model = SiteContact
    extra = 0
    autocomplete_fields = ["user"]


class FederalPartnerInline(admin.TabularInline):
    model = FederalPartner
    extra = 0


class EngagementInline(admin.TabularInline):
    model = Engagement
    extra = 0
    fields = ["phase", "status", "start_date", "planned_end", "actual_end"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Engagements start through the service so milestones are generated with them.
        return False


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    list_display = ["name", "state", "program", "cohort_year", "announced_on", "lead_agency"]
    list_filter = ["program", "cohort_year", "state"]
    search_fields = ["name", "state", "lead_agency", "slug"]
    prepopulated_fields = {"slug": ["name", "state"]}
    inlines = [SiteContactInline, FederalPartnerInline, EngagementInline]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title", "due_date", "completed_on", "owner", "notes"]
    autocomplete_fields = ["owner"]


class ExtensionInline(admin.TabularInline):
    model = EngagementExtension
    extra = 0
    readonly_fields = [
        "previous_planned_end",
        "new_planned_end",
        "reason",
        "extended_by",
        "extended_at",
    ]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Engagement)
class EngagementAdmin(SimpleHistoryAdmin):
    list_display = ["site", "phase", "status", "start_date", "planned_end", "actual_end"]
    list_filter = ["phase", "status", "site__cohort_year", "site__program"]
    search_fields = ["site__name", "site__state"]
    date_hierarchy = "start_date"
    list_select_related = ["site"]
    autocomplete_fields = ["site", "previous"]
    inlines = [MilestoneInline, ExtensionInline]


@admin.register(MilestoneTemplate)
class MilestoneTemplateAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "phase",
        "key",
        "offset_months",
        "offset_days",
        "repeats_yearly",
        "order",
        "active",
    ]
    list_filter = ["phase", "repeats_yearly", "active"]
    search_fields = ["title", "key"]


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ["title", "engagement", "due_date", "completed_on", "owner"]
    list_filter = [
        "engagement__phase",
        "engagement__status",
        ("completed_on", admin.EmptyFieldListFilter),
    ]
    search_fields = ["title", "engagement__site__name"]
    date_hierarchy = "due_date"
    list_select_related = ["engagement__site", "owner"]
    autocomplete_fields = ["engagement", "owner", "completed_by"]
