"""The cookie-consent cookie: the visitor's choice, signed so it cannot be forged.

Payload: ``{"id": anonymous id, "p": preferences, "a": analytics, "v": policy version,
"t": ISO time}``. Necessary cookies (session, CSRF, this one) need no consent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.utils import timezone

SALT = "essence.privacy.consent"


@dataclass(frozen=True)
class Consent:
    anonymous_id: str
    preferences: bool
    analytics: bool
    policy_version: int | None
    given_at: datetime | None

    @property
    def necessary(self) -> bool:
        return True

    def as_dict(self) -> dict:
        return {"necessary": True, "preferences": self.preferences, "analytics": self.analytics}


def consent_from_request(request) -> Consent | None:
    """The choice this browser made, or None (no cookie, or a tampered/garbled one)."""
    if hasattr(request, "_consent_cache"):
        return request._consent_cache
    consent = None
    raw = request.COOKIES.get(settings.CONSENT_COOKIE_NAME)
    if raw:
        try:
            data = signing.loads(raw, salt=SALT, max_age=settings.CONSENT_COOKIE_MAX_AGE)
            consent = Consent(
                anonymous_id=str(uuid.UUID(str(data["id"]))),
                preferences=data["p"] is True,
                analytics=data["a"] is True,
                policy_version=int(data["v"]) if data.get("v") is not None else None,
                given_at=datetime.fromisoformat(data["t"]),
            )
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            consent = None
    request._consent_cache = consent
    return consent


def consent_make(*, request, preferences: bool, analytics: bool, policy_version: int | None) -> Consent:
    previous = consent_from_request(request)
    return Consent(
        anonymous_id=previous.anonymous_id if previous else str(uuid.uuid4()),
        preferences=preferences,
        analytics=analytics,
        policy_version=policy_version,
        given_at=timezone.now(),
    )


def consent_set_cookie(response, consent: Consent) -> None:
    value = signing.dumps(
        {"id": consent.anonymous_id, "p": consent.preferences, "a": consent.analytics,
         "v": consent.policy_version, "t": consent.given_at.isoformat()},
        salt=SALT,
        compress=True,
    )
    response.set_cookie(
        settings.CONSENT_COOKIE_NAME, value, max_age=settings.CONSENT_COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
    )
    if not consent.preferences:
        # Withdrawn preferences consent: the preference cookies go too.
        response.delete_cookie(settings.THEME_COOKIE_NAME, samesite="Lax")


def analytics_consented(request) -> bool:
    consent = consent_from_request(request)
    return bool(consent and consent.analytics)


def preferences_consented(request) -> bool:
    consent = consent_from_request(request)
    return bool(consent and consent.preferences)


THEMES = ("light", "dark")


def theme_from_request(request) -> str:
    """The theme preference cookie, honoured only while preferences consent stands."""
    theme = request.COOKIES.get(settings.THEME_COOKIE_NAME, "light")
    return theme if theme in THEMES and preferences_consented(request) else "light"
