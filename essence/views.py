import email
from email import policy as email_policy
from pathlib import Path

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from essence import ratelimit, services
from essence.forms import SupportForm


def landing(request):
    return render(request, "pages/landing.html")


def pricing(request):
    return render(request, "pages/pricing.html")


SUPPORT_LIMITS = [("ip", 5, 3600), ("sender", 3, 3600)]


def support(request):
    form = SupportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        sender = request.user.email if request.user.is_authenticated else form.cleaned_data["email"].lower()
        keys = {"ip": ratelimit.client_ip(request), "sender": sender}
        if not all(
            ratelimit.allow(key=f"support:{kind}:{keys[kind]}", limit=limit, window_seconds=window)
            for kind, limit, window in SUPPORT_LIMITS
        ):
            form.add_error(
                None,
                "You have sent several messages in the last hour, so this one was not sent. "
                "Please try again later, or write to us directly by email.",
            )
            return render(request, "support/form.html", {"form": form}, status=429)
        services.support_request_create(
            user=request.user,
            name=form.cleaned_data.get("name", ""),
            email=form.cleaned_data.get("email", ""),
            topic=form.cleaned_data["topic"],
            message=form.cleaned_data["message"],
        )
        return redirect("support_sent")
    return render(request, "support/form.html", {"form": form})


def support_sent(request):
    return render(request, "support/sent.html")


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


@login_required
@require_POST
def announcement_dismiss(request, announcement_id: int):
    """The banner's Dismiss button: a plain form POST (no JS), then back where the user was."""
    services.announcement_dismiss(user=request.user, announcement_id=announcement_id)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = "/app/"
    return redirect(next_url)
