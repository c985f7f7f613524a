import datetime

from django import forms
from django.utils import timezone


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Name", help_text="What the token is for.")
    read_only = forms.BooleanField(
        required=False, initial=True, label="Read-only", help_text="Only allow reading data."
    )
    expires_in_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label="Expires in (days)",
        help_text="Leave empty for a token that does not expire.",
    )

    def expires_at(self) -> datetime.datetime | None:
        days = self.cleaned_data.get("expires_in_days")
        return timezone.now() + datetime.timedelta(days=days) if days else None
