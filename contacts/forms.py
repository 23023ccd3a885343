from django import forms
from django.forms import formset_factory
from django.urls import reverse_lazy
from phonenumber_field.formfields import PhoneNumberField

from contacts.models import Contact, CustomField


class HttpsURLField(forms.URLField):
    def __init__(self, *, assume_scheme="https", **kwargs):
        super().__init__(assume_scheme=assume_scheme, **kwargs)


# Inline validation on blur (htmx posts the row's form; the answer fills the next .inline-error).
INLINE_VALIDATE = {"hx-post": reverse_lazy("contacts:validate"), "hx-trigger": "change",
                   "hx-target": "next .inline-error", "hx-swap": "innerHTML"}
LABEL_WIDGET = forms.TextInput(attrs={"placeholder": "work, home…", "class": "label-input"})


class ContactForm(forms.ModelForm):
    # The create form's one-time token: the idempotency key of the credit spend.
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Contact
        fields = ["given_name", "family_name", "display_name", "company", "job_title", "birthday", "website",
                  "notes_summary"]
        labels = {"given_name": "First name", "family_name": "Last name", "display_name": "Display name",
                  "notes_summary": "About"}
        field_classes = {"website": HttpsURLField}
        help_texts = {"display_name": "Leave empty to use first and last name."}
        widgets = {"birthday": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "notes_summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, custom_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.custom_fields = list(custom_fields)
        self.fields["display_name"].required = False  # derived from first and last name when empty
        for name in ("given_name", "family_name", "display_name"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        initial_values = (self.instance.custom_values or {}) if self.instance and self.instance.pk else {}
        for cf in self.custom_fields:
            self.fields[f"cf_{cf.id}"] = _custom_form_field(cf, initial_values.get(cf.key))

    def clean(self):
        data = super().clean()
        if not any((data.get(f) or "").strip() for f in ("given_name", "family_name", "display_name")):
            self.add_error("given_name", "Give the contact a name: first, last or display name.")
        return data

    def custom_values(self) -> dict:
        return {cf.key: self.cleaned_data.get(f"cf_{cf.id}") for cf in self.custom_fields}

    def custom_bound_fields(self):
        return [self[f"cf_{cf.id}"] for cf in self.custom_fields]

    def scalar_data(self) -> dict:
        return {f: self.cleaned_data.get(f) for f in self.Meta.fields}


def _custom_form_field(cf: CustomField, initial):
    common = {"label": cf.name, "required": False, "initial": initial}
    if cf.kind == CustomField.Kind.NUMBER:
        return forms.DecimalField(**common)
    if cf.kind == CustomField.Kind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if cf.kind == CustomField.Kind.CHOICE:
        return forms.ChoiceField(choices=[("", "—")] + [(c, c) for c in cf.choices], **common)
    return forms.CharField(max_length=500, **common)


class EmailRowForm(forms.Form):
    label = forms.CharField(max_length=30, required=False, widget=LABEL_WIDGET)
    value = forms.EmailField(label="Email", required=False, max_length=254,
                             widget=forms.EmailInput(attrs={"placeholder": "name@example.com", **INLINE_VALIDATE}))
    is_primary = forms.BooleanField(label="Primary", required=False)


class PhoneRowForm(forms.Form):
    label = forms.CharField(max_length=30, required=False, widget=LABEL_WIDGET)
    number = PhoneNumberField(label="Phone", required=False,
                              widget=forms.TextInput(attrs={"type": "tel", "placeholder": "+44 20 7946 0958",
                                                           **INLINE_VALIDATE}),
                              error_messages={"invalid": "Enter a valid phone number in international format, "
                                                         "e.g. +44 20 7946 0958."})
    is_primary = forms.BooleanField(label="Primary", required=False)


class AddressRowForm(forms.Form):
    label = forms.CharField(max_length=30, required=False, widget=LABEL_WIDGET)
    street = forms.CharField(max_length=200, required=False)
    city = forms.CharField(max_length=100, required=False)
    region = forms.CharField(max_length=100, required=False)
    postal_code = forms.CharField(max_length=20, required=False, label="Postal code")
    country = forms.CharField(max_length=100, required=False)
    is_primary = forms.BooleanField(label="Primary", required=False)


EmailFormSet = formset_factory(EmailRowForm, extra=1, can_delete=True, max_num=20, validate_max=True)
PhoneFormSet = formset_factory(PhoneRowForm, extra=1, can_delete=True, max_num=20, validate_max=True)
AddressFormSet = formset_factory(AddressRowForm, extra=1, can_delete=True, max_num=10, validate_max=True)


def formset_rows(formset) -> list[dict]:
    return [f.cleaned_data for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")]


class NoteForm(forms.Form):
    body = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)


class TagForm(forms.Form):
    name = forms.CharField(label="Tag name", max_length=60)


class ReminderForm(forms.Form):
    due_at = forms.DateTimeField(label="When", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                 input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
    message = forms.CharField(label="Remind me to", max_length=500)


class CustomFieldForm(forms.Form):
    name = forms.CharField(max_length=60)
    kind = forms.ChoiceField(choices=CustomField.Kind.choices)
    choices = forms.CharField(required=False, help_text="For a choice field: the options, separated by commas.")

    def choice_list(self) -> list[str]:
        return [c.strip() for c in (self.cleaned_data.get("choices") or "").split(",") if c.strip()]


class FilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    tag = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    company = forms.CharField(required=False, max_length=200)
    has_email = forms.BooleanField(required=False, label="Has email")
    has_phone = forms.BooleanField(required=False, label="Has phone")
    created_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    updated_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    updated_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    custom_field = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Custom field")
    custom_value = forms.CharField(required=False, max_length=200, label="Value")
    sort = forms.ChoiceField(required=False, choices=[("name", "Name"), ("company", "Company"),
                                                      ("created", "Newest"), ("updated", "Recently updated")])
    after = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args, tags=(), custom_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", "Any tag")] + [(t.id, t.name) for t in tags]
        self.fields["custom_field"].choices = [("", "—")] + [(f.id, f.name) for f in custom_fields]


class MergeForm(forms.Form):
    def __init__(self, *args, keep, other, **kwargs):
        super().__init__(*args, **kwargs)
        from contacts.services import MERGE_FIELDS

        self.rows = []
        for name in MERGE_FIELDS:
            a, b = getattr(keep, name), getattr(other, name)
            if a == b or not b or name == "display_name":
                continue  # the display name follows the chosen first and last names
            label = Contact._meta.get_field(name).verbose_name.capitalize()
            self.fields[name] = forms.ChoiceField(
                label=label, widget=forms.RadioSelect, initial="keep" if a else "other", required=False,
                choices=[("keep", a or "(empty)"), ("other", b)],
            )
            self.rows.append(self[name])

    def choices(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v}


def contact_filters(form: "FilterForm"):
    """The list's filter form as ContactFilters (invalid values ignored), with the values given."""
    from contacts.selectors import ContactFilters

    form.is_valid()
    data = {k: v for k, v in (getattr(form, "cleaned_data", {}) or {}).items() if v not in (None, "")}
    known = ContactFilters.__annotations__
    return ContactFilters(**{k: v for k, v in data.items() if k in known}), data
