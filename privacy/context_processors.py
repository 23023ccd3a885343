from privacy import selectors
from privacy.consent import consent_from_request, theme_from_request


def privacy(request):
    user = getattr(request, "user", None)
    consent = consent_from_request(request)
    return {
        "consent": consent,
        "consent_banner": consent is None and not request.path.startswith("/privacy/consent/"),
        "policy_to_acknowledge": selectors.policy_needs_acknowledgement(user=user) if user else None,
        "theme": theme_from_request(request),
    }
