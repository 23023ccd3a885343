"""Import wizard and exports. Thin: parse, call contacts.importing / contacts.exporting, render."""

import csv
import io

import phonenumbers
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.decorators import workspace_required
from contacts.exporting import services as export_services
from contacts.exporting.scope import contacts_for_query, query_for_storage
from contacts.importing import services as import_services
from contacts.importing.decoding import COMMON_ENCODINGS
from contacts.importing.errors import ImportFileError
from contacts.importing.spreadsheet import escape_cell
from contacts.importing.tables import DELIMITERS
from contacts.models import ContactExport, ImportJob
from credits import selectors as credit_selectors

REGION_CHOICES = [("", "None: numbers must start with +country code")] + sorted(
    (region, f"{region} (+{phonenumbers.country_code_for_region(region)})")
    for region in phonenumbers.SUPPORTED_REGIONS if region != "001"
)


def _job(request, job_id) -> ImportJob:
    return get_object_or_404(ImportJob, pk=job_id, workspace=request.workspace)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV or vCard file",
        help_text="Exports from Google Contacts, Outlook, iPhone or Android, or any spreadsheet saved as CSV.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,.vcf,.vcard,text/csv,text/vcard"}),
    )


@workspace_required
def import_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_services.import_upload(workspace=request.workspace, user=request.user,
                                                uploaded=form.cleaned_data["file"])
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("contacts:import_map", job_id=job.pk)
    recent = ImportJob.objects.filter(workspace=request.workspace).order_by("-created_at")[:10]
    return render(request, "contacts/import_upload.html", {"form": form, "recent": recent},
                  status=400 if form.errors else 200)


class MappingForm(forms.Form):
    encoding = forms.ChoiceField(label="Text encoding", choices=COMMON_ENCODINGS)
    delimiter = forms.ChoiceField(label="Columns separated by", choices=list(DELIMITERS.items()), required=False)
    duplicate_policy = forms.ChoiceField(label="When a row matches a contact you have (same email or phone)",
                                         choices=ImportJob.Duplicates.choices, widget=forms.RadioSelect)
    default_region = forms.ChoiceField(label="Country of phone numbers written without +code",
                                       choices=REGION_CHOICES, required=False)

    def __init__(self, *args, job: ImportJob, field_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        if job.encoding not in dict(COMMON_ENCODINGS):
            self.fields["encoding"].choices = [(job.encoding, job.encoding)] + COMMON_ENCODINGS
        if job.kind == ImportJob.Kind.VCARD:
            del self.fields["delimiter"]
        for index, header in enumerate(job.headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(label=header or f"Column {index + 1}",
                                                            choices=field_choices, required=False)

    def column_fields(self):
        return [self[f"col_{index}"] for index in range(len(self.job.headers))]

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"col_{index}", "") for index in range(len(self.job.headers))]


@workspace_required
def import_map(request, job_id):
    job = _job(request, job_id)
    if job.status != ImportJob.Status.UPLOADED:
        return redirect("contacts:import_detail", job_id=job.pk)
    initial = {"encoding": job.encoding, "delimiter": job.delimiter, "duplicate_policy": job.duplicate_policy,
               "default_region": job.default_region,
               **{f"col_{i}": key for i, key in enumerate(job.mapping)}}
    form = MappingForm(request.POST or None, initial=initial, job=job,
                       field_choices=import_services.mapping_choices(request.workspace))
    if request.method == "POST" and form.is_valid():
        try:
            job = import_services.import_configure(
                job=job, encoding=form.cleaned_data["encoding"], delimiter=form.cleaned_data.get("delimiter", ""),
                mapping=form.mapping(), duplicate_policy=form.cleaned_data["duplicate_policy"],
                default_region=form.cleaned_data["default_region"],
            )
            if request.POST.get("action") == "start":
                import_services.import_confirm(job=job)
                return redirect("contacts:import_detail", job_id=job.pk)
            if job.mapping != form.mapping():
                messages.info(request, "The columns changed with the new separator; check the mapping again.")
            return redirect("contacts:import_map", job_id=job.pk)
        except (ImportFileError, import_services.ImportStateError) as exc:
            form.add_error(None, str(exc))
    preview = None
    if not form.errors:
        try:
            preview = import_services.import_preview(job=job)
        except ImportFileError as exc:
            form.add_error("encoding", str(exc))
    context = {"job": job, "form": form, "preview": preview, "delimiter_name": DELIMITERS.get(job.delimiter, ""),
               "balance": credit_selectors.balance_for(workspace=request.workspace)}
    return render(request, "contacts/import_map.html", context, status=400 if form.errors else 200)


@workspace_required
def import_detail(request, job_id):
    job = _job(request, job_id)
    template = "contacts/_import_progress.html" if request.htmx else "contacts/import_detail.html"
    can_undo = import_services.import_undo_refusal(job) is None
    return render(request, template, {"job": job, "can_undo": can_undo})


@workspace_required
def import_undo(request, job_id):
    job = _job(request, job_id)  # another workspace's id is a 404 whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        count = import_services.import_undo(job=job, user=request.user)
        messages.success(request, f"Moved the {count:,} contacts this import created to the trash.")
    except import_services.ImportStateError as exc:
        messages.error(request, str(exc))
    return redirect("contacts:import_detail", job_id=job.pk)


@workspace_required
def import_resume(request, job_id):
    job = _job(request, job_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if import_services.import_resume(job=job):
        messages.success(request, "The import goes on from where it stopped.")
    return redirect("contacts:import_detail", job_id=job.pk)


@workspace_required
def import_failures(request, job_id):
    job = _job(request, job_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(["Row", "Problem", *(job.headers if job.kind == ImportJob.Kind.CSV else ["Contact"])])
    for failure in job.failures.all():
        writer.writerow([failure.row_number, failure.reason, *[escape_cell(c) for c in failure.cells]])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-failed-rows.csv"'
    return response


# --- export --------------------------------------------------------------------------

@workspace_required
def export(request):
    fmt = request.POST.get("format") or request.GET.get("format") or "csv"
    if fmt not in export_services.FORMATS:
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    contacts = contacts_for_query(workspace=request.workspace, query=source)
    if request.method == "POST":
        export_job = export_services.export_start(
            workspace=request.workspace, user=request.user, fmt=fmt, query=query_for_storage(source),
            total=contacts.count(),
        )
        return redirect("contacts:export_detail", export_id=export_job.pk)
    if request.GET.get("download"):
        generator, content_type, _ = export_services.FORMATS[fmt]
        response = StreamingHttpResponse(generator(workspace=request.workspace, contacts=contacts),
                                         content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{export_services.export_filename(fmt)}"'
        return response
    count = contacts.count()
    query = request.GET.copy()
    for key in ("format", "download"):
        query.pop(key, None)
    context = {"count": count, "query": query, "query_string": query.urlencode(), "format": fmt,
               "large": count > settings.EXPORT_BACKGROUND_THRESHOLD,
               "recent": ContactExport.objects.filter(workspace=request.workspace)[:5]}
    return render(request, "contacts/export.html", context)


@workspace_required
def export_detail(request, export_id):
    export_job = get_object_or_404(ContactExport, pk=export_id, workspace=request.workspace)
    template = "contacts/_export_progress.html" if request.htmx else "contacts/export_detail.html"
    return render(request, template, {"export": export_job})


@workspace_required
def export_download(request, export_id):
    export_job = get_object_or_404(ContactExport, pk=export_id, workspace=request.workspace,
                                   status=ContactExport.Status.READY)
    if export_job.expires_at and export_job.expires_at < timezone.now() or not export_job.file:
        raise Http404("This export has expired.")
    return FileResponse(export_job.file.open("rb"), as_attachment=True,
                        filename=export_services.export_filename(export_job.format, export_job.finished_at))
