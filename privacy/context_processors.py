from privacy import selectors
from privacy.consent import consent_from_request, theme_from_request


def privacy(request):
    user = getattr(request, "user", None)
    consent = consent_from_request(request)
    to_acknowledge = selectors.policy_needs_acknowledgement(user=user) if user else None
    return {
        "consent": consent,
        "consent_banner": consent is None and not request.path.startswith("/privacy/consent/"),
        "policy_to_acknowledge": to_acknowledge,
        # "We updated…" only to people who accepted an earlier version (not e.g. staff made by createsuperuser).
        "policy_was_updated": bool(to_acknowledge) and user.policy_acceptances.exists(),
        "theme": theme_from_request(request),
    }
