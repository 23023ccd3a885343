"""Staff look at a customer's contacts only after giving a reason.

The reason is kept in the staff member's session for ``REASON_MINUTES`` per workspace, so
every page they open (list, detail, export) is written to the AccessLog with it; after
that they are asked again.
"""

from __future__ import annotations

import time

from django import forms

REASON_MINUTES = 30
SESSION_KEY = "staff_access_reasons"


class AccessReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500, strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Why you need to see this customer's contacts (e.g. the support request number). "
                  "The customer sees this in their privacy center.",
        error_messages={"required": "Give a reason: looking at a customer's contacts is logged and shown to them."},
    )


def reason_remember(*, session, workspace_id: int, reason: str) -> None:
    reasons = dict(session.get(SESSION_KEY) or {})
    now = time.time()
    reasons = {key: value for key, value in reasons.items() if value.get("until", 0) > now}
    reasons[str(workspace_id)] = {"reason": reason, "until": now + REASON_MINUTES * 60}
    session[SESSION_KEY] = reasons


def reason_for(*, session, workspace_id: int) -> str | None:
    """The reason given for this workspace in the last REASON_MINUTES, or None."""
    entry = (session.get(SESSION_KEY) or {}).get(str(workspace_id))
    if not entry or entry.get("until", 0) <= time.time() or not str(entry.get("reason", "")).strip():
        return None
    return entry["reason"]


def reason_forget(*, session, workspace_id: int) -> None:
    reasons = dict(session.get(SESSION_KEY) or {})
    if reasons.pop(str(workspace_id), None) is not None:
        session[SESSION_KEY] = reasons
