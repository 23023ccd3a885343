"""Thin views: parse input, call a selector or service, render. Every object is reached
through a selector that takes ``request.workspace``, so another workspace's id is a 404."""

import logging
import re
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from accounts.decorators import workspace_required
from contacts import selectors, services
from contacts.exceptions import ContactError
from contacts.forms import (
    AddressFormSet,
    ContactForm,
    CustomFieldForm,
    EmailFormSet,
    EmailRowForm,
    FilterForm,
    MergeForm,
    NoteForm,
    PhoneFormSet,
    PhoneRowForm,
    ReminderForm,
    TagForm,
    contact_filters,
    formset_rows,
)
from contacts.models import Reminder
from credits.exceptions import InsufficientCredits

logger = logging.getLogger(__name__)


def _ids(request) -> list[int]:
    return [int(i) for i in request.POST.getlist("ids") if i.isdigit()][:1000]


def _digits(value) -> list[int]:
    return [int(value)] if value and value.isdigit() else []


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- list ------------------------------------------------------------------------

@workspace_required
def contact_list(request):
    ws = request.workspace
    # Cached per workspace; a tag or field the URL names but the cache lacks reloads it.
    tags, fields = selectors.list_choices(workspace=ws, tag_ids=_digits(request.GET.get("tag")),
                                          field_ids=_digits(request.GET.get("custom_field")))
    form = FilterForm(request.GET or None, tags=tags, custom_fields=fields)
    filters, data = contact_filters(form)
    page = selectors.contact_page(workspace=ws, filters=filters, tags=tags)
    if page.tags is not None:
        tags = page.tags
    query = request.GET.copy()
    query.pop("after", None)
    context = {"form": form, "page": page, "tags": tags, "custom_fields": fields,
               "sort_choices": FilterForm.base_fields["sort"].choices,
               "filters_query": query.urlencode(), "filtering": bool(set(data) - {"sort", "after"})}
    if request.htmx and request.htmx.target == "results":
        return render(request, "contacts/_results.html", context)
    return render(request, "contacts/list.html", context)


@workspace_required
@require_POST
def contact_bulk(request):
    ws, ids, action = request.workspace, _ids(request), request.POST.get("action", "")
    back = request.POST.get("next") or reverse("contacts:list")
    if not back.startswith("/contacts/"):
        back = reverse("contacts:list")
    if not ids:
        messages.error(request, "Select at least one contact first.")
        return redirect(back)
    if action == "export":
        return redirect(f"{reverse('contacts:export')}?{urlencode([('ids', i) for i in ids])}")
    try:
        if action == "trash":
            n = services.contacts_bulk_trash(workspace=ws, contact_ids=ids, user=request.user)
            messages.success(request, f"Moved {n} contact{'s' if n != 1 else ''} to the trash.")
        elif action == "tag":
            n = services.contacts_bulk_tag(workspace=ws, contact_ids=ids, tag_name=request.POST.get("tag_name", ""),
                                           user=request.user)
            messages.success(request, f"Tagged {n} contact{'s' if n != 1 else ''}.")
        elif action == "untag":
            tag_id = request.POST.get("tag_id", "")
            if not tag_id.isdigit():
                messages.error(request, "Pick the tag to remove.")
                return redirect(back)
            tag = selectors.tag_get_for_workspace(workspace=ws, tag_id=int(tag_id))
            n = services.contacts_bulk_untag(workspace=ws, contact_ids=ids, tag=tag, user=request.user)
            messages.success(request, f"Removed “{tag.name}” from {n} contact{'s' if n != 1 else ''}.")
        else:
            messages.error(request, "Pick an action.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(back)


# --- create / edit -------------------------------------------------------------------

def _formsets(data=None, contact=None):
    if contact is not None and data is None:
        initial_e = [{"label": e.label, "value": e.value, "is_primary": e.is_primary} for e in contact.emails.all()]
        initial_p = [{"label": p.label, "number": p.number, "is_primary": p.is_primary} for p in contact.phones.all()]
        initial_a = [{f: getattr(a, f) for f in services.ADDRESS_FIELDS} for a in contact.addresses.all()]
        return (EmailFormSet(prefix="emails", initial=initial_e), PhoneFormSet(prefix="phones", initial=initial_p),
                AddressFormSet(prefix="addresses", initial=initial_a))
    return (EmailFormSet(data, prefix="emails"), PhoneFormSet(data, prefix="phones"),
            AddressFormSet(data, prefix="addresses"))


def _with_extra_row(post, prefix):
    """'Add another' without JavaScript: the same data with one more empty row."""
    data = post.copy()
    key = f"{prefix}-TOTAL_FORMS"
    data[key] = str(min(int(data.get(key, "0") or 0) + 1, 20))
    return data


def _contact_form_page(request, *, contact=None):
    ws = request.workspace
    fields = list(selectors.custom_fields_for(workspace=ws))
    template = "contacts/form.html"
    if request.method != "POST":
        form = ContactForm(instance=contact, custom_fields=fields, initial={"token": uuid.uuid4().hex})
        emails, phones, addresses = _formsets(contact=contact)
        return render(request, template, {"form": form, "emails": emails, "phones": phones, "addresses": addresses,
                                          "contact": contact})
    data = request.POST
    add = data.get("add_row")
    if add in ("emails", "phones", "addresses"):
        data = _with_extra_row(data, add)
    form = ContactForm(data, instance=contact, custom_fields=fields)
    emails, phones, addresses = _formsets(data)
    context = {"form": form, "emails": emails, "phones": phones, "addresses": addresses, "contact": contact,
               "focus_row": add}
    if add:
        return render(request, template, context)
    valid = all([form.is_valid(), emails.is_valid(), phones.is_valid(), addresses.is_valid()])
    if not valid:
        return render(request, template, context, status=400)
    kwargs = dict(fields=form.scalar_data(), emails=formset_rows(emails), phones=formset_rows(phones),
                  addresses=formset_rows(addresses), custom_values=form.custom_values())
    try:
        if contact is None:
            token = form.cleaned_data.get("token") or uuid.uuid4().hex
            contact = services.contact_create(workspace=ws, user=request.user, idempotency_key=token[:40], **kwargs)
            messages.success(request, f"{contact.display_name} was added.")
        else:
            services.contact_update(contact=contact, user=request.user, **kwargs)
            messages.success(request, "Changes saved.")
    except InsufficientCredits as exc:
        form.add_error(None, str(exc))
        context["credits_needed"] = True
        return render(request, template, context, status=402)
    except ContactError as exc:
        form.add_error(None, str(exc))
        return render(request, template, context, status=400)
    except ValidationError as exc:
        _add_errors(form, exc)
        return render(request, template, context, status=400)
    return redirect("contacts:detail", contact_id=contact.id)


@workspace_required
def contact_create(request):
    return _contact_form_page(request)


@workspace_required
def contact_edit(request, contact_id):
    contact = selectors.contact_get_for_workspace(workspace=request.workspace, contact_id=contact_id)
    return _contact_form_page(request, contact=contact)


ROW_FIELD = re.compile(r"^(emails-\d+-value|phones-\d+-number)$")


@workspace_required
@require_POST
def validate_field(request):
    """Inline validation on blur (htmx): the error for one email or phone row, or nothing.
    The full form is validated again on submit; this only answers sooner."""
    name = (request.htmx.trigger_name if request.htmx else "") or request.POST.get("field", "")
    if not ROW_FIELD.match(name or ""):
        return HttpResponse("")
    value = request.POST.get(name, "")
    form_class = EmailRowForm if name.startswith("emails-") else PhoneRowForm
    field_name = "value" if name.startswith("emails-") else "number"
    form = form_class({field_name: value})
    errors = form.errors.get(field_name) if value.strip() else None
    if not errors:
        return HttpResponse("")
    return HttpResponse(format_html('<div class="field-errors" role="alert">{}</div>', errors[0]))


# --- detail and its small forms ---------------------------------------------------------

def _render_detail(request, contact, status=200, **forms):
    context = {
        "contact": contact,
        "note_form": forms.get("note_form") or NoteForm(),
        "tag_form": forms.get("tag_form") or TagForm(),
        "reminder_form": forms.get("reminder_form") or ReminderForm(),
        **selectors.contact_detail(workspace=request.workspace, contact=contact),
    }
    return render(request, "contacts/detail.html", context, status=status)


@workspace_required
def contact_detail(request, contact_id):
    contact = selectors.contact_get_for_workspace(workspace=request.workspace, contact_id=contact_id, trashed=None)
    return _render_detail(request, contact)


@workspace_required
def note_add(request, contact_id):
    contact = selectors.contact_get_for_workspace(workspace=request.workspace, contact_id=contact_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_add(contact=contact, user=request.user, body=form.cleaned_data["body"])
            return redirect(reverse("contacts:detail", args=[contact.id]) + "#notes")
        except ValidationError as exc:
            _add_errors(form, exc)
    return _render_detail(request, contact, status=400, note_form=form)


@workspace_required
def contact_tag_add(request, contact_id):
    contact = selectors.contact_get_for_workspace(workspace=request.workspace, contact_id=contact_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            services.contact_tag_add(contact=contact, tag_name=form.cleaned_data["name"], user=request.user)
            return redirect(reverse("contacts:detail", args=[contact.id]) + "#tags")
        except ValidationError as exc:
            _add_errors(form, exc)
    return _render_detail(request, contact, status=400, tag_form=form)


@workspace_required
def contact_tag_remove(request, contact_id, tag_id):
    contact = selectors.contact_get_for_workspace(workspace=request.workspace, contact_id=contact_id)
    tag = selectors.tag_get_for_workspace(workspace=request.workspace, tag_id=tag_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.contact_tag_remove(contact=contact, tag=tag, user=request.user)
    return redirect(reverse("contacts:detail", args=[contact.id]) + "#tags")


@workspace_required
def reminder_add(request, contact_id):
    contact = selectors.contact_get_for_workspace(workspace=request.workspace, contact_id=contact_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ReminderForm(request.POST)
    if form.is_valid():
        try:
            services.reminder_create(contact=contact, user=request.user, **form.cleaned_data)
            messages.success(request, "Reminder set. It costs 1 credit when the email is sent.")
            return redirect(reverse("contacts:detail", args=[contact.id]) + "#reminders")
        except ValidationError as exc:
            _add_errors(form, exc)
    return _render_detail(request, contact, status=400, reminder_form=form)


@workspace_required
def reminder_done(request, contact_id, reminder_id):
    contact = selectors.contact_get_for_workspace(workspace=request.workspace, contact_id=contact_id)
    reminder = selectors.reminder_get_for_workspace(workspace=request.workspace, contact=contact,
                                                    reminder_id=reminder_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.reminder_mark_done(reminder=reminder, user=request.user)
    return redirect(reverse("contacts:detail", args=[contact.id]) + "#reminders")


@workspace_required
def reminder_list(request):
    reminders = (Reminder.objects.filter(workspace=request.workspace, done=False, contact__deleted_at__isnull=True)
                 .select_related("contact").order_by("due_at", "id")[:200])
    return render(request, "contacts/reminders.html", {"reminders": reminders})


# --- trash ------------------------------------------------------------------------------

@workspace_required
def contact_trash(request, contact_id):
    contact = selectors.contact_get_for_workspace(workspace=request.workspace, contact_id=contact_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.contact_trash(contact=contact, user=request.user)
    messages.success(request, f"{contact.display_name} was moved to the trash. You can restore it for "
                              f"{settings.CONTACTS_TRASH_DAYS} days.")
    return redirect("contacts:detail", contact_id=contact.id)


@workspace_required
def contact_restore(request, contact_id):
    contact = selectors.contact_get_for_workspace(workspace=request.workspace, contact_id=contact_id, trashed=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.contact_restore(contact=contact, user=request.user)
    messages.success(request, f"{contact.display_name} was restored.")
    return redirect("contacts:detail", contact_id=contact.id)


@workspace_required
def contact_delete_forever(request, contact_id):
    contact = selectors.contact_get_for_workspace(workspace=request.workspace, contact_id=contact_id, trashed=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    name = contact.display_name
    services.contact_delete_forever(contact=contact, user=request.user)
    messages.success(request, f"{name} was deleted for good.")
    return redirect("contacts:trash")


@workspace_required
def trash(request):
    from django.conf import settings

    return render(request, "contacts/trash.html", {
        "contacts": selectors.trash_list(workspace=request.workspace), "days": settings.CONTACTS_TRASH_DAYS})


# --- tags and custom fields ----------------------------------------------------------------

@workspace_required
def tag_list(request):
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tag = services.tag_create(workspace=request.workspace, name=form.cleaned_data["name"])
            messages.success(request, f"Tag “{tag.name}” created.")
            return redirect("contacts:tags")
        except ValidationError as exc:
            _add_errors(form, exc)
    status = 400 if request.method == "POST" else 200
    return render(request, "contacts/tags.html",
                  {"form": form, "tags": selectors.tags_with_counts(workspace=request.workspace)}, status=status)


@workspace_required
def tag_rename(request, tag_id):
    tag = selectors.tag_get_for_workspace(workspace=request.workspace, tag_id=tag_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.tag_rename(tag=tag, name=request.POST.get("name", ""))
        messages.success(request, "Tag renamed.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("contacts:tags")


@workspace_required
def tag_delete(request, tag_id):
    tag = selectors.tag_get_for_workspace(workspace=request.workspace, tag_id=tag_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.tag_delete(tag=tag)
    messages.success(request, f"Tag “{tag.name}” deleted; the contacts keep everything else.")
    return redirect("contacts:tags")


@workspace_required
def field_list(request):
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.custom_field_create(workspace=request.workspace, name=form.cleaned_data["name"],
                                         kind=form.cleaned_data["kind"], choices=form.choice_list())
            messages.success(request, "Field added. It now shows on every contact's form.")
            return redirect("contacts:fields")
        except ValidationError as exc:
            _add_errors(form, exc)
    status = 400 if request.method == "POST" else 200
    return render(request, "contacts/fields.html",
                  {"form": form, "fields": selectors.custom_fields_for(workspace=request.workspace)}, status=status)


@workspace_required
def field_delete(request, field_id):
    field = selectors.custom_field_get_for_workspace(workspace=request.workspace, field_id=field_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.custom_field_delete(field=field)
    messages.success(request, f"Field “{field.name}” deleted.")
    return redirect("contacts:fields")


# --- duplicates and merge --------------------------------------------------------------------

@workspace_required
def duplicates(request):
    return render(request, "contacts/duplicates.html",
                  {"groups": selectors.duplicate_groups(workspace=request.workspace)})


@workspace_required
def merge(request, keep_id, other_id):
    ws = request.workspace
    if keep_id == other_id:
        raise Http404("Pick two different contacts")
    keep = selectors.contact_get_for_workspace(workspace=ws, contact_id=keep_id)
    other = selectors.contact_get_for_workspace(workspace=ws, contact_id=other_id)
    form = MergeForm(request.POST or None, keep=keep, other=other)
    if request.method == "POST" and form.is_valid():
        services.contact_merge(workspace=ws, keep=keep, other=other, choices=form.choices(), user=request.user)
        messages.success(request, f"Merged {other.display_name} into {keep.display_name}. "
                                  f"The merged-away contact is in the trash if you need it back.")
        return redirect("contacts:detail", contact_id=keep.id)
    context = {"form": form, "keep": keep, "other": other,
               "keep_detail": selectors.contact_detail(workspace=ws, contact=keep),
               "other_detail": selectors.contact_detail(workspace=ws, contact=other)}
    return render(request, "contacts/merge.html", context)
