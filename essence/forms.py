from django import forms

from essence.models import SupportRequest


class SupportForm(forms.ModelForm):
    class Meta:
        model = SupportRequest
        fields = ["name", "email", "topic", "message"]
        labels = {"name": "Your name", "email": "Your email", "message": "How can we help?"}
        widgets = {"message": forms.Textarea(attrs={"rows": 7})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", "Choose a topic")] + list(SupportRequest.Topic.choices)
        if user is not None and user.is_authenticated:
            # Signed in: we already know who is writing.
            del self.fields["name"]
            del self.fields["email"]

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if len(message) < 10:
            raise forms.ValidationError("Please tell us a little more (at least 10 characters).")
        return message
