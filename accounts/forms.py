from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.core.exceptions import ValidationError

from accounts.models import User
from privacy.selectors import policy_current


class SignupForm(AllauthSignupForm):
    full_name = forms.CharField(
        max_length=150, label="Full name", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    is_16_or_older = forms.BooleanField(
        label="I am 16 or older",
        error_messages={"required": "You must be 16 or older to use Essence."},
    )
    accept_policy = forms.BooleanField(
        label="I have read and accept the privacy policy",
        error_messages={"required": "Please read and accept the privacy policy to create an account."},
    )
    policy_version = forms.IntegerField(widget=forms.HiddenInput)

    field_order = ["full_name", "email", "password1", "is_16_or_older", "accept_policy", "policy_version"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_policy = policy_current()
        if self.current_policy:
            self.fields["policy_version"].initial = self.current_policy.version
        self.fields["email"].widget.attrs.pop("placeholder", None)
        self.fields["password1"].widget.attrs.pop("placeholder", None)
        self.fields["password1"].help_text = "At least 10 characters; not a common password."

    def clean_full_name(self):
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise ValidationError("Please enter your name.")
        return name

    def clean_email(self):
        email = super().clean_email()
        # The form says so plainly; the password-reset form still reveals nothing.
        if self.account_already_exists:
            raise ValidationError("An account with this email address already exists. Log in or reset your password.")
        return email

    def clean_policy_version(self):
        shown = self.cleaned_data["policy_version"]
        if self.current_policy is None or shown != self.current_policy.version:
            raise ValidationError(
                "The privacy policy was updated while you were signing up. Please read the new version and accept it."
            )
        return self.current_policy

    def signup(self, request, user):
        pass  # the adapter's save_user stores the name, workspace and acceptance in one transaction


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name"]
        labels = {"full_name": "Full name"}
