"""Staff views of one customer's contacts, reached from the Workspace admin page.

Every page needs a reason (privacy.staff_access) and writes an AccessLog entry that the
customer sees in their privacy center. Read-only: list, detail and export accept GET only;
the one POST stores the reason in the staff member's session. Each view reads exactly one
workspace, through the contacts selectors that are scoped to it.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Workspace
from contacts import selectors as contact_selectors
from contacts.exporting import services as export_services
from privacy import services
from privacy.staff_access import REASON_MINUTES, AccessReasonForm, reason_for, reason_remember

PAGE_SIZE = 50


def _workspace_for_staff(request, workspace_id: int) -> Workspace:
    if not request.user.has_perm("accounts.view_workspace"):
        raise PermissionDenied
    return get_object_or_404(Workspace, pk=workspace_id)


def _context(admin_site, request, workspace, title, **extra):
    return {**admin_site.each_context(request), "title": title, "workspace": workspace,
            "opts": Workspace._meta, "reason_minutes": REASON_MINUTES, **extra}


def _with_reason(view):
    """A look at one workspace's contacts: the view gets the workspace (404 if none, 403
    without the permission) and the reason given for it; without a reason, the staff member
    is sent to give one first, then back here."""
    @wraps(view)
    def wrapper(request, workspace_id, *args, **kwargs):
        workspace = _workspace_for_staff(request, workspace_id)
        reason = reason_for(session=request.session, workspace_id=workspace.pk)
        if not reason:
            access_url = reverse("admin:accounts_workspace_contacts_access", args=[workspace.pk])
            return redirect(f"{access_url}?{urlencode({'next': request.get_full_path()})}")
        return view(request, workspace, reason, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
def contacts_access(request, workspace_id, *, admin_site):
    """Ask for the reason; on a valid one, remember it and go on to the page asked for."""
    workspace = _workspace_for_staff(request, workspace_id)
    form = AccessReasonForm(request.POST or None)
    list_url = reverse("admin:accounts_workspace_contacts", args=[workspace.pk])
    next_url = request.POST.get("next") or request.GET.get("next") or list_url
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}) or \
            not next_url.startswith(list_url):
        next_url = list_url
    if request.method == "POST":
        if form.is_valid():
            reason_remember(session=request.session, workspace_id=workspace.pk, reason=form.cleaned_data["reason"])
            return redirect(next_url)
        messages.error(request, "Access refused: a reason is required to open a customer's contacts.")
    return TemplateResponse(request, "admin/accounts/workspace/contacts_access.html", _context(
        admin_site, request, workspace, f"Why do you need to see the contacts of {workspace}?",
        form=form, next_url=next_url,
    ), status=400 if request.method == "POST" else 200)


@require_GET
@_with_reason
def contacts_list(request, workspace, reason, *, admin_site):
    q = request.GET.get("q", "").strip()[:100]
    contacts = contact_selectors.contact_list(workspace=workspace)
    if q:
        contacts = contacts.filter(Q(display_name__icontains=q) | Q(primary_email__icontains=q)
                                   | Q(company__icontains=q) | Q(primary_phone__icontains=q))
    page = Paginator(contacts.order_by("sort_name", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    what = "contact list"
    if q:
        what += f" (search “{q}”)"
    if page.number > 1:
        what += f", page {page.number}"
    services.access_log_record(staff_user=request.user, workspace=workspace, what=what, reason=reason)
    return TemplateResponse(request, "admin/accounts/workspace/contacts_list.html", _context(
        admin_site, request, workspace, f"Contacts of {workspace} (read-only)",
        page=page, q=q, reason=reason,
    ))


@require_GET
@_with_reason
def contact_detail(request, workspace, reason, contact_id, *, admin_site):
    contact = contact_selectors.contact_get_for_workspace(workspace=workspace, contact_id=contact_id)
    detail = contact_selectors.contact_detail(workspace=workspace, contact=contact)
    services.access_log_record(staff_user=request.user, workspace=workspace,
                               what=f"contact #{contact.pk} ({contact.display_name})", reason=reason)
    return TemplateResponse(request, "admin/accounts/workspace/contact_detail.html", _context(
        admin_site, request, workspace, f"{contact.display_name} (read-only)",
        contact=contact, reason=reason, **detail,
    ))


@require_GET
@_with_reason
def contacts_export(request, workspace, reason, *, admin_site):
    """All live contacts of the workspace as CSV; logged like any other look."""
    iterator, content_type, _ = export_services.FORMATS["csv"]
    services.access_log_record(staff_user=request.user, workspace=workspace,
                               what="export of all contacts (CSV download by staff)", reason=reason)
    response = StreamingHttpResponse(
        iterator(workspace=workspace, contacts=contact_selectors.contact_list(workspace=workspace)),
        content_type=content_type,
    )
    filename = f"workspace-{workspace.pk}-{export_services.export_filename('csv')}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
