from django import forms


class ConsentForm(forms.Form):
    ACTIONS = ("accept_all", "reject_all", "custom")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    preferences = forms.BooleanField(required=False, label="Preferences",
                                     help_text="Remember choices such as the light or dark theme.")
    analytics = forms.BooleanField(required=False, label="Analytics",
                                   help_text="Count page views anonymously (no user id, no IP address) "
                                             "so we learn which pages help.")
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def choices(self) -> tuple[bool, bool]:
        action = self.cleaned_data["action"]
        if action == "accept_all":
            return True, True
        if action == "reject_all":
            return False, False
        return self.cleaned_data["preferences"], self.cleaned_data["analytics"]


class PrivacySwitchesForm(forms.Form):
    analytics_objected = forms.BooleanField(
        required=False, label="Object to product analytics",
        help_text="Your page views are never counted, whatever this browser's cookie choice.")
    marketing_objected = forms.BooleanField(
        required=False, label="Object to product announcements and tips",
        help_text="We will not email you announcements or tips.")
    processing_restricted = forms.BooleanField(
        required=False, label="Restrict processing",
        help_text="Freeze your data: no analytics, no emails except those about your account's security and "
                  "the law, and your contacts become read-only. Stays on until you lift it.")


class DeleteAccountForm(forms.Form):
    WHEN = [("later", "In 14 days — your account is deactivated now and can be restored until then"),
            ("now", "Now — everything is deleted right away, this cannot be undone")]

    when = forms.ChoiceField(choices=WHEN, widget=forms.RadioSelect, label="When")
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                               label="Your password")
    code = forms.CharField(required=False, max_length=20, label="Authentication code",
                           help_text="From your authenticator app (or a recovery code).",
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))

    def __init__(self, *args, grace_days: int = 14, needs_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["when"].choices = [
            ("later", f"In {grace_days} days — your account is deactivated now and can be restored until then"),
            self.WHEN[1],
        ]
        if not needs_code:
            del self.fields["code"]


class ThemeForm(forms.Form):
    theme = forms.ChoiceField(choices=[("light", "Light"), ("dark", "Dark")])
    next = forms.CharField(required=False)


class AcknowledgeForm(forms.Form):
    version = forms.IntegerField()
    next = forms.CharField(required=False)
