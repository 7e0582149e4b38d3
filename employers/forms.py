from datetime import datetime, time

from django import forms
from django.utils import timezone

from employers.models import api_key_expiry_check


class EnrolForm(forms.Form):
    cycle = forms.SlugField(label="Cycle", max_length=40, help_text="As given in your invitation, for example 2026")
    code = forms.CharField(label="Invitation code", max_length=64, help_text="TC-XXXXX-XXXXX-XXXXX-XXXXX")


class ApiKeyForm(forms.Form):
    name = forms.CharField(label="Key name", max_length=100, help_text="Where the key is used, e.g. 'payroll export job'")
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional: the key stops working at the start of this day. Leave empty for a key that does not expire.",
    )

    def clean_expires_on(self):
        """The start of the chosen day in the service's time zone, checked like the API's expiry."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        moment = timezone.make_aware(datetime.combine(day, time.min))
        api_key_expiry_check(moment)
        return moment


class JoinForm(forms.Form):
    """The first account of an invited organisation (see ``invitation_sign_up``)."""

    cycle = forms.SlugField(label="Cycle", max_length=40, help_text="As given in your invitation, for example 2026")
    code = forms.CharField(label="Invitation code", max_length=64, help_text="TC-XXXXX-XXXXX-XXXXX-XXXXX")
    username = forms.CharField(label="Choose a username", max_length=150,
                               help_text="Letters, digits and @ . + - _ only")
    password = forms.CharField(label="Choose a password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text="At least 8 characters, not only digits, not a common password, not like your username", strip=False)
    password_again = forms.CharField(label="The password again", strip=False,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", "The two passwords differ.")
        return data
