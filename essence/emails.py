"""Every email Essence sends goes through here and then through a Celery task.

``send_templated_email`` renders ``templates/emails/<name>_subject.txt``,
``_body.txt`` and ``_body.html``; ``queue_message`` takes an already rendered
message (allauth's). Both record an EmailDelivery and hand the message to
``send_email_task`` once the current transaction commits, so a rolled-back
action never sends mail.

The privacy gate lives here, in ``queue_message``, the one path every email takes
(``email_suppressed``): MARKETING is not sent to a user who objected to it or
restricted processing; SERVICE is not sent while processing is restricted (or the
account awaits deletion); POLICY (policy-change notices) and TRANSACTIONAL always go.
A suppressed email is recorded as an EmailDelivery with status SUPPRESSED and never
reaches the send task.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from essence.models import EmailDelivery


class EmailCategory:
    # Needed to use the account (verification, reset, security notices, receipts).
    TRANSACTIONAL = "transactional"
    # About the service itself: policy changes, reminders the user set.
    SERVICE = "service"
    # Announcements and tips: only to people who have not objected.
    MARKETING = "marketing"
    # Privacy-policy change notices: a service message that reaches everyone, even
    # people who objected to announcements or restricted processing.
    POLICY = "policy"

    ALWAYS_SENT = (TRANSACTIONAL, POLICY)


def email_suppressed(*, category: str, user=None, to: list[str] | None = None) -> bool:
    """Whether the privacy settings of the recipient forbid this email (see module doc).

    Without ``user`` the recipient is looked up by address, so a caller that forgets
    to pass the user cannot bypass an objection.
    """
    if category in EmailCategory.ALWAYS_SENT:
        return False
    from accounts.models import User
    from privacy.selectors import marketing_allowed, processing_restricted

    if getattr(user, "pk", None):
        recipients = [user]
    else:
        recipients = list(User.objects.filter(email__in=[address.lower() for address in to or []]))
    for recipient in recipients:
        if processing_restricted(user=recipient):
            return True
        if category == EmailCategory.MARKETING and not marketing_allowed(user=recipient):
            return True
    return False


def email_context(context: dict | None = None) -> dict:
    """What every email template gets, plus ``context`` (also used by previews)."""
    return {"site_url": settings.SITE_URL, "support_email": settings.SUPPORT_EMAIL, **(context or {})}


def send_templated_email(
    *,
    template: str,
    to: list[str],
    context: dict | None = None,
    category: str = EmailCategory.TRANSACTIONAL,
    user=None,
    reply_to: list[str] | None = None,
) -> EmailDelivery:
    context = email_context(context)
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}_body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to,
    )
    message.attach_alternative(render_to_string(f"emails/{template}_body.html", context), "text/html")
    return queue_message(message, template=template, category=category, user=user)


def queue_message(
    message: EmailMultiAlternatives, *, template: str, category: str, user=None
) -> EmailDelivery:
    from essence.tasks import send_email_task

    if email_suppressed(category=category, user=user, to=list(message.to)):
        return EmailDelivery.objects.create(
            template=template[:100], category=category, user=user, status=EmailDelivery.Status.SUPPRESSED
        )
    delivery = EmailDelivery.objects.create(template=template[:100], category=category, user=user)
    payload = message_to_payload(message)
    transaction.on_commit(lambda: send_email_task.delay(str(delivery.id), payload))
    return delivery


def message_to_payload(message: EmailMultiAlternatives) -> dict:
    html = next(
        (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"),
        None,
    )
    return {
        "subject": message.subject,
        "body": message.body,
        "html": html,
        "from_email": message.from_email,
        "to": list(message.to),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
    }


def payload_to_message(payload: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        reply_to=payload.get("reply_to") or None,
        headers=payload.get("headers") or None,
    )
    if payload.get("html"):
        message.attach_alternative(payload["html"], "text/html")
    return message
