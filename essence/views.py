import email
from email import policy as email_policy
from pathlib import Path

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpResponse
from django.shortcuts import render


def landing(request):
    return render(request, "pages/landing.html")


def pricing(request):
    return render(request, "pages/pricing.html")


def _outbox_files() -> list[Path]:
    folder = Path(settings.EMAIL_FILE_PATH)
    return sorted(folder.glob("*.eml"), reverse=True) if folder.is_dir() else []


def _parse(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=email_policy.default)


def _require_debug():
    if not settings.DEBUG:
        raise Http404


@staff_member_required
def dev_outbox(request):
    _require_debug()
    messages = []
    for path in _outbox_files()[:200]:
        parsed = _parse(path)
        messages.append({"name": path.stem, "to": parsed["To"], "subject": parsed["Subject"], "date": parsed["Date"]})
    return render(request, "dev/outbox.html", {"outbox": messages})


@staff_member_required
def dev_outbox_message(request, name):
    _require_debug()
    path = Path(settings.EMAIL_FILE_PATH) / f"{name}.eml"
    if "/" in name or not path.is_file():
        raise Http404
    parsed = _parse(path)
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    if request.GET.get("format") == "html" and html is not None:
        response = HttpResponse(html.get_content())
        # Show the email as the recipient would, but let it run nothing.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        return response
    return render(
        request,
        "dev/outbox_message.html",
        {
            "name": name,
            "message": parsed,
            "text": text.get_content() if text is not None else "",
            "has_html": html is not None,
        },
    )
