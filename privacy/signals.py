from privacy import services
from privacy.consent import consent_from_request
from privacy.models import ConsentRecord


def carry_consent_over_at_signup(sender, request, user, **kwargs):
    """The cookie choice a visitor made before signing up becomes their first ConsentRecord."""
    consent = consent_from_request(request) if request is not None else None
    if consent is not None:
        services.consent_record(user=user, consent=consent, source=ConsentRecord.Source.SIGNUP)
