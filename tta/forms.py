"""Forms of the TTA pages: parse and label input; the rules are in `tta.services`."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from sites.models import CoreArea, Site
from tta.choices import DeliveryMode, Priority, RequestStatus
from tta.models import TTAProvider
from tta.selectors import sites_requestable_by
from tta.transitions import ACTIONS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _uswds(form: forms.Form) -> None:
    """USWDS classes on every widget, so the pages pick up the design system's styles."""
    for field in form.fields.values():
        widget = field.widget
        css = {
            forms.Select: "usa-select",
            forms.Textarea: "usa-textarea",
        }.get(type(widget), "usa-input")
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
            continue
        widget.attrs.setdefault("class", css)


class TTARequestForm(forms.Form):
    """The intake form (accessible names from DESIGN.md §5)."""

    site = forms.ModelChoiceField(queryset=Site.objects.none(), label="Site")
    core_area = forms.ModelChoiceField(queryset=CoreArea.objects.none(), label="Core area")
    title = forms.CharField(label="Title", max_length=200)
    description = forms.CharField(
        label="Description",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the site needs, for whom, and what good help would look like.",
    )
    needed_by = forms.DateField(label="Needed by", required=False, widget=DateInput())
    priority = forms.ChoiceField(label="Priority", choices=Priority.choices, initial="normal")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        sites = sites_requestable_by(user=user, today=timezone.localdate())
        self.fields["site"].queryset = sites
        self.fields["core_area"].queryset = CoreArea.objects.filter(active=True)
        _uswds(self)


class TransitionForm(forms.Form):
    """One press of an action button on the request page."""

    action = forms.ChoiceField(choices=[(name, a.label) for name, a in ACTIONS.items()])
    expected_status = forms.ChoiceField(choices=RequestStatus.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    provider = forms.ModelChoiceField(
        queryset=TTAProvider.objects.filter(active=True), required=False, to_field_name="slug"
    )


class BulkTransitionForm(forms.Form):
    """The triage queue's bulk actions: one action on the selected requests."""

    BULK_ACTIONS = ["review", "approve", "hold", "resume", "assign"]

    requests = forms.TypedMultipleChoiceField(coerce=int, choices=[], label="Requests")
    action = forms.ChoiceField(
        label="Bulk action", choices=[(n, ACTIONS[n].label) for n in BULK_ACTIONS]
    )
    provider = forms.ModelChoiceField(
        label="Provider (for Assign provider)",
        queryset=TTAProvider.objects.filter(active=True),
        required=False,
        to_field_name="slug",
    )
    note = forms.CharField(label="Note", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is accepted here; the view loads only the ones the user may see.
        submitted = self.data.getlist("requests") if hasattr(self.data, "getlist") else []
        self.fields["requests"].choices = [(v, v) for v in submitted]


class DeliveryForm(forms.Form):
    date = forms.DateField(label="Date delivered", widget=DateInput())
    mode = forms.ChoiceField(label="Mode", choices=DeliveryMode.choices)
    hours = forms.DecimalField(label="Hours", min_value=0.1, max_digits=6, decimal_places=1)
    participants = forms.IntegerField(label="Number of participants", min_value=0)
    host_site = forms.ModelChoiceField(
        label="Host site (peer exchange only)",
        queryset=Site.objects.all(),
        required=False,
        to_field_name="slug",
    )
    summary = forms.CharField(label="Summary", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        _uswds(self)


class SummitForm(forms.Form):
    year = forms.IntegerField(label="Year", min_value=2017, max_value=2100)
    title = forms.CharField(label="Title", max_length=200)
    start_date = forms.DateField(label="First day", widget=DateInput())
    end_date = forms.DateField(label="Last day", widget=DateInput())
    location = forms.CharField(label="Place", max_length=200)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        _uswds(self)


class SummitSessionForm(forms.Form):
    core_area = forms.ModelChoiceField(
        label="Core area", queryset=CoreArea.objects.filter(active=True)
    )
    title = forms.CharField(label="Session title", max_length=200)
    description = forms.CharField(
        label="Session description", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _uswds(self)


class SummitAttendanceForm(forms.Form):
    site = forms.ModelChoiceField(
        label="Attending site", queryset=Site.objects.all(), to_field_name="slug"
    )
    attendees = forms.IntegerField(label="People attending", min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _uswds(self)
