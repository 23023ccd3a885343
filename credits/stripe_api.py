"""The only module that talks to Stripe's API. Tests point it at a local fake
through settings.STRIPE_API_BASE (see tests/credits/fake_stripe.py)."""

from __future__ import annotations

import stripe
from django.conf import settings


def buying_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def client() -> stripe.StripeClient:
    options = {"max_network_retries": 2}
    if settings.STRIPE_API_BASE:
        options["base_addresses"] = {"api": settings.STRIPE_API_BASE.rstrip("/")}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **options)


def checkout_session_create(
    *, workspace_id: int, pack_code: str, pack_name: str, credits: int, amount: int, currency: str,
    customer_email: str, idempotency_key: str,
) -> stripe.checkout.Session:
    return client().v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency,
                        "unit_amount": amount,
                        "product_data": {"name": f"Essence CRM — {pack_name}"},
                    },
                }
            ],
            "client_reference_id": str(workspace_id),
            "customer_email": customer_email,
            "metadata": {"pack": pack_code, "credits": str(credits), "workspace": str(workspace_id)},
            "payment_intent_data": {"metadata": {"pack": pack_code, "workspace": str(workspace_id)}},
            "success_url": f"{settings.SITE_URL}/billing/return/?session_id={{CHECKOUT_SESSION_ID}}",
            "cancel_url": f"{settings.SITE_URL}/billing/",
        },
        options={"idempotency_key": idempotency_key},
    )


def payment_intent_retrieve(*, payment_intent_id: str) -> stripe.PaymentIntent:
    return client().v1.payment_intents.retrieve(payment_intent_id, params={"expand": ["latest_charge"]})
