from django import forms

from psp.notifications.choices import Delivery
from psp.notifications.registry import NotificationKind


class PreferencesForm(forms.Form):
    """One radio group per notification kind the user can receive."""

    def __init__(self, *args, kinds: list[NotificationKind], current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        for kind in kinds:
            self.fields[kind.key] = forms.ChoiceField(
                label=kind.label,
                help_text=kind.description,
                choices=[(value, Delivery(value).label) for value in kind.deliveries],
                initial=current.get(kind.key, kind.default_delivery),
                widget=forms.RadioSelect,
            )

    def groups(self):
        """(kind, bound field) pairs for the template."""
        return [(kind, self[kind.key]) for kind in self.kinds]
