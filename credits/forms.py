import uuid

from django import forms


class AdjustCreditsForm(forms.Form):
    amount = forms.IntegerField(
        help_text="Credits to add (positive) or remove (negative). Never 0.",
        min_value=-1_000_000, max_value=1_000_000,
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=1000,
                             help_text="Required. Shown to the customer in their billing history.")
    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError("An adjustment must change the balance; 0 does nothing.")
        return amount

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason for the adjustment.")
        return reason
