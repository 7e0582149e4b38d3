from django import forms


class EnrolForm(forms.Form):
    cycle = forms.SlugField(label="Cycle", max_length=40, help_text="As given in your invitation, for example 2026")
    code = forms.CharField(label="Invitation code", max_length=64, help_text="TC-XXXXX-XXXXX-XXXXX-XXXXX")


class ApiKeyForm(forms.Form):
    name = forms.CharField(label="Key name", max_length=100, help_text="Where the key is used, e.g. 'payroll export job'")
