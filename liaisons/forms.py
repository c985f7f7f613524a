"""The visit form: parses what the liaison typed; the rules live in `liaisons.services`."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from liaisons.choices import VisitMode
from liaisons.models import ActionItem, SiteVisit
from liaisons.services import ActionItemInput, VisitInput
from sites.models import CoreArea, Site

NOT_ASSIGNED = "You can only log visits for sites you are assigned to."


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class USWDSForm(forms.Form):
    """Gives each input the U.S. Web Design System class for its kind."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "usa-select")
            elif isinstance(widget, forms.Textarea):
                widget.attrs.setdefault("class", "usa-textarea")
            elif isinstance(widget, forms.widgets.Input) and not isinstance(
                widget, forms.HiddenInput | forms.CheckboxInput
            ):
                widget.attrs.setdefault("class", "usa-input")


class VisitForm(USWDSForm):
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(),
        label="Site",
        empty_label="- Select a site -",
        error_messages={"invalid_choice": NOT_ASSIGNED},
    )
    start_date = forms.DateField(
        label="Visit date",
        widget=DateInput(),
        help_text="A date in the future saves the visit as planned.",
    )
    end_date = forms.DateField(
        label="Last day (for visits of several days)", widget=DateInput(), required=False
    )
    mode = forms.ChoiceField(label="Visit type", choices=VisitMode.choices)
    purpose = forms.CharField(label="Purpose", max_length=300, required=False)
    core_areas = forms.ModelMultipleChoiceField(
        queryset=CoreArea.objects.none(),
        label="Core areas",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    people_met = forms.CharField(
        label="People and agencies met", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    goals = forms.CharField(
        label="Goals",
        help_text="What the site and PSP set out to achieve with this visit.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    lessons_learned = forms.CharField(
        label="What was learned",
        help_text="Lessons worth sharing with other sites; may appear in the quarterly report.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    summary = forms.CharField(
        label="Summary",
        help_text="Shared with the site once the visit is submitted.",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
    internal_notes = forms.CharField(
        label="DOJ-internal notes",
        help_text="Seen only by DOJ staff, never by the site.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["core_areas"].queryset = CoreArea.objects.filter(active=True)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date cannot be before the visit date.")
        return cleaned


class ActionItemForm(USWDSForm):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(label="Next step", max_length=500)
    owner_name = forms.CharField(
        label="Owner",
        max_length=150,
        required=False,
        help_text="Leave empty if it is yours.",
    )
    due_date = forms.DateField(label="Due date", widget=DateInput(), required=False)


ActionItemFormSet = forms.formset_factory(ActionItemForm, extra=1, can_delete=True)

ACTION_ITEMS_PREFIX = "items"


def visit_initial(visit: SiteVisit) -> dict:
    return {
        "site": visit.site_id,
        "start_date": visit.start_date,
        "end_date": visit.end_date,
        "mode": visit.mode,
        "purpose": visit.purpose,
        "core_areas": [area.pk for area in visit.core_areas.all()],
        "people_met": visit.people_met,
        "goals": visit.goals,
        "lessons_learned": visit.lessons_learned,
        "summary": visit.summary,
        "internal_notes": visit.internal_notes,
        "version": visit.version,
    }


def action_items_initial(items: list[ActionItem]) -> list[dict]:
    return [
        {"id": i.pk, "text": i.text, "owner_name": i.owner_name, "due_date": i.due_date}
        for i in items
    ]


def kept_action_item_forms(formset) -> list[forms.Form]:
    """The rows that will be saved: filled in and not marked for removal."""
    return [
        form
        for form in formset.forms
        if form.has_changed()
        and not (form.cleaned_data.get("DELETE"))
        and form.cleaned_data.get("text")
    ]


def visit_input(form: VisitForm, formset) -> VisitInput:
    data = form.cleaned_data
    return VisitInput(
        site=data["site"],
        start_date=data["start_date"],
        end_date=data.get("end_date"),
        mode=data["mode"],
        purpose=data.get("purpose", ""),
        core_areas=list(data.get("core_areas") or []),
        people_met=data.get("people_met", ""),
        goals=data.get("goals", ""),
        lessons_learned=data.get("lessons_learned", ""),
        summary=data.get("summary", ""),
        internal_notes=data.get("internal_notes", ""),
        action_items=[
            ActionItemInput(
                text=f.cleaned_data["text"],
                owner_name=f.cleaned_data.get("owner_name", ""),
                due_date=f.cleaned_data.get("due_date"),
                pk=f.cleaned_data.get("id"),
            )
            for f in kept_action_item_forms(formset)
        ],
    )


def apply_service_errors(error: ValidationError, form: VisitForm, formset) -> None:
    """Show a service's errors next to the fields they are about."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    rows = kept_action_item_forms(formset)
    for key, messages in error.message_dict.items():
        if key.startswith("action_items."):
            _, index, field = key.split(".")
            rows[int(index)].add_error(field, messages)
        elif key in form.fields:
            form.add_error(key, messages)
        else:
            form.add_error(None, messages)


def visit_comparison(data: VisitInput, saved: SiteVisit) -> list[dict]:
    """Rows of "your version / saved version" for the editing-conflict page."""

    def steps(items) -> str:
        return "\n".join(
            f"{i.text} ({i.owner_name or 'liaison'}, due {i.due_date or 'no date'})" for i in items
        )

    pairs = [
        ("Site", str(data.site), str(saved.site)),
        ("Visit date", str(data.start_date), str(saved.start_date)),
        ("Last day", str(data.end_date or ""), str(saved.end_date or "")),
        ("Visit type", dict(VisitMode.choices)[data.mode], saved.get_mode_display()),
        ("Purpose", data.purpose, saved.purpose),
        (
            "Core areas",
            ", ".join(a.name for a in data.core_areas),
            ", ".join(a.name for a in saved.core_areas.all()),
        ),
        ("People and agencies met", data.people_met, saved.people_met),
        ("Goals", data.goals, saved.goals),
        ("What was learned", data.lessons_learned, saved.lessons_learned),
        ("Summary", data.summary, saved.summary),
        ("DOJ-internal notes", data.internal_notes, saved.internal_notes),
        ("Next steps", steps(data.action_items), steps(saved.action_items.all())),
    ]
    return [
        {"label": label, "mine": mine, "saved": theirs, "differs": mine.strip() != theirs.strip()}
        for label, mine, theirs in pairs
    ]


def mark_invalid_fields(form: forms.Form) -> None:
    """Tie each error message to its input for screen readers (USWDS error pattern)."""
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            ids = [f"{form[name].auto_id}_error"]
            if form.fields[name].help_text:
                ids.append(f"{form[name].auto_id}_helptext")
            widget.attrs["aria-describedby"] = " ".join(ids)
