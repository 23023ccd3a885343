from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"

    def ready(self):
        from allauth.account.signals import user_signed_up

        from privacy.signals import carry_consent_over_at_signup

        user_signed_up.connect(carry_consent_over_at_signup, dispatch_uid="privacy_consent_at_signup")
