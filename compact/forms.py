"""Forms of the office pages: they parse and check shape; services decide the rest."""

from django import forms

from employers.models import INDUSTRY_CHOICES, SIZE_BAND_CHOICES, Employer


class CycleForm(forms.Form):
    slug = forms.SlugField(label="Short name (used in links)", max_length=40, help_text="For example 2026")
    name = forms.CharField(label="Title", max_length=200)
    deadline = forms.DateTimeField(
        label="Deadline", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class InvitationForm(forms.Form):
    employer = forms.ModelChoiceField(
        queryset=Employer.objects.all(), required=False, label="For employer (optional)",
        help_text="Leave empty for a code any signed-in employer can use once.",
    )
    note = forms.CharField(max_length=200, required=False, label="Note for your records")
    valid_days = forms.IntegerField(
        min_value=1, max_value=365, initial=30, label="Valid for (days)",
        help_text="The first figure offered covers the cycle up to its deadline.",
    )

    @staticmethod
    def days_to_cover(deadline) -> int:
        """The whole days from now to a deadline, at least 1 and at most 365 (what the service takes)."""
        from django.utils import timezone

        seconds = (deadline - timezone.now()).total_seconds()
        return max(1, min(365, -int(-seconds // 86400)))


class EmployerForm(forms.Form):
    name = forms.CharField(max_length=200)
    industry = forms.ChoiceField(choices=INDUSTRY_CHOICES)
    size_band = forms.ChoiceField(choices=SIZE_BAND_CHOICES, label="Size band (employees)")


class PersonForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput, min_length=8)
    role = forms.ChoiceField(choices=[("employer", "Employer member"), ("analyst", "Equity-office analyst"), ("admin", "Administrator")])
    employer = forms.ModelChoiceField(queryset=Employer.objects.all(), required=False)


class ResubmissionWindowForm(forms.Form):
    """The office lets one enrolled employer of a closed cycle submit again, before the unmask."""

    employer = forms.ModelChoiceField(queryset=Employer.objects.none(), label="Employer")
    until = forms.DateTimeField(
        label="Window ends", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="In the city's time; at most 14 days ahead. Requesting the unmask ends it sooner.",
    )
    reason = forms.CharField(max_length=500, label="Why", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = Employer.objects.filter(enrollments__cycle=cycle).order_by("name")
