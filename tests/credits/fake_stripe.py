"""A tiny local stand-in for the Stripe API endpoints Essence calls, plus the webhook
signing helper. Tests point the SDK at it with settings.STRIPE_API_BASE.

Endpoints: POST /v1/checkout/sessions, GET /v1/checkout/sessions/<id>,
GET /v1/payment_intents/<id> (latest_charge expanded, with a receipt_url), and
GET /checkout/<id>, the "Fake Stripe Checkout" page the session URL points at.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

WEBHOOK_SECRET = "whsec_test_essence_fake_secret"
SECRET_KEY = "sk_test_fake"


# --- Webhook signatures, exactly as Stripe builds them ----------------------------------------


def stripe_signature(payload: str | bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<payload>">."""
    if isinstance(payload, bytes):
        payload = payload.decode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def make_event(event_type: str, obj: dict, *, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
    }


def session_object(purchase, *, payment_status: str = "paid", payment_intent: str | None = None) -> dict:
    """A Checkout Session as Stripe sends it in checkout.session.* events."""
    return {
        "id": purchase.stripe_checkout_session_id,
        "object": "checkout.session",
        "mode": "payment",
        "amount_total": purchase.amount,
        "currency": purchase.currency,
        "client_reference_id": str(purchase.workspace_id),
        "metadata": {"pack": purchase.pack.code, "credits": str(purchase.credits)},
        "payment_intent": payment_intent or f"pi_{purchase.stripe_checkout_session_id[3:]}",
        "payment_status": payment_status,
        "status": "complete",
    }


def charge_object(purchase, *, amount_refunded: int, charge_id: str | None = None) -> dict:
    return {
        "id": charge_id or f"ch_{purchase.stripe_checkout_session_id[3:]}",
        "object": "charge",
        "amount": purchase.amount,
        "amount_refunded": amount_refunded,
        "currency": purchase.currency,
        "payment_intent": purchase.stripe_payment_intent_id,
        "refunded": amount_refunded >= purchase.amount,
    }


def dispute_object(purchase, *, amount: int, status: str = "needs_response", dispute_id: str = "dp_test_1") -> dict:
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount,
        "currency": purchase.currency,
        "charge": f"ch_{purchase.stripe_checkout_session_id[3:]}",
        "payment_intent": purchase.stripe_payment_intent_id,
        "status": status,
    }


def post_event(client, event: dict | str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None,
               signature: str | None = None):
    """POST an event to /stripe/webhook/ with a real signature (Django test client or similar)."""
    payload = event if isinstance(event, str) else json.dumps(event)
    header = signature if signature is not None else stripe_signature(payload, secret=secret, timestamp=timestamp)
    return client.post("/stripe/webhook/", data=payload, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=header)


# --- The fake API server ----------------------------------------------------------------------


class FakeStripe:
    def __init__(self):
        self.sessions: dict[str, dict] = {}
        self.requests: list[tuple[str, str, dict]] = []
        self.fail_with: int | None = None  # HTTP status to answer API calls with, to simulate outages
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def last_session_params(self) -> dict:
        return next(params for method, path, params in reversed(self.requests)
                    if method == "POST" and path == "/v1/checkout/sessions")

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body, content_type="application/json"):
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{uuid.uuid4().hex[:14]}")
                self.end_headers()
                self.wfile.write(data)

            def _api_error(self):
                status = fake.fail_with
                kind = "card_error" if status == 402 else "api_error"
                self._send(status, {"error": {"type": kind, "message": "Fake Stripe is failing on purpose."}})

            def do_POST(self):
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                params = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                with fake.lock:
                    fake.requests.append(("POST", path, params))
                if not self.headers.get("Authorization", "").startswith("Bearer sk_test_"):
                    return self._send(401, {"error": {"type": "invalid_request_error", "message": "No API key"}})
                if fake.fail_with:
                    return self._api_error()
                if path == "/v1/checkout/sessions":
                    session_id = f"cs_test_{uuid.uuid4().hex}"
                    session = {
                        "id": session_id,
                        "object": "checkout.session",
                        "mode": params.get("mode"),
                        "url": f"{fake.url}/checkout/{session_id}",
                        "amount_total": int(params.get("line_items[0][price_data][unit_amount]", 0)),
                        "currency": params.get("line_items[0][price_data][currency]"),
                        "client_reference_id": params.get("client_reference_id"),
                        "metadata": {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")},
                        "payment_intent": None,
                        "payment_status": "unpaid",
                        "status": "open",
                        "success_url": params.get("success_url"),
                        "cancel_url": params.get("cancel_url"),
                    }
                    with fake.lock:
                        fake.sessions[session_id] = session
                    return self._send(200, session)
                return self._send(404, {"error": {"type": "invalid_request_error", "message": f"No route {path}"}})

            def do_GET(self):
                parts = urlsplit(self.path)
                with fake.lock:
                    fake.requests.append(("GET", parts.path, dict(parse_qsl(parts.query))))
                if parts.path.startswith("/checkout/"):
                    session = fake.sessions.get(parts.path.rsplit("/", 1)[-1])
                    if session is None:
                        return self._send(404, "<h1>No such session</h1>", "text/html")
                    return self._send(200, (
                        "<!doctype html><html><head><title>Fake Stripe Checkout</title></head><body>"
                        f"<h1>Fake Stripe Checkout</h1><p id='amount'>{session['amount_total']} "
                        f"{session['currency']}</p><p id='session'>{session['id']}</p></body></html>"
                    ), "text/html")
                if not self.headers.get("Authorization", "").startswith("Bearer sk_test_"):
                    return self._send(401, {"error": {"type": "invalid_request_error", "message": "No API key"}})
                if fake.fail_with:
                    return self._api_error()
                if parts.path.startswith("/v1/checkout/sessions/"):
                    session = fake.sessions.get(parts.path.rsplit("/", 1)[-1])
                    return self._send(200, session) if session else self._send(404, {"error": {"message": "nope"}})
                if parts.path.startswith("/v1/payment_intents/"):
                    intent_id = parts.path.rsplit("/", 1)[-1]
                    charge_id = f"ch_{intent_id[3:]}"
                    return self._send(200, {
                        "id": intent_id,
                        "object": "payment_intent",
                        "status": "succeeded",
                        "latest_charge": {
                            "id": charge_id,
                            "object": "charge",
                            "receipt_url": f"{fake.url}/receipts/{charge_id}",
                        },
                    })
                return self._send(404, {"error": {"type": "invalid_request_error", "message": "No route"}})

        return Handler


@pytest.fixture
def fake_stripe(settings):
    """The fake Stripe API, with settings pointing the SDK and the webhook at it."""
    fake = FakeStripe().start()
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    yield fake
    fake.stop()


def start_checkout(client, pack_code: str = "pack-100"):
    """Click Buy through the real view; returns the pending Purchase it recorded."""
    from credits.models import Purchase

    before = set(Purchase.objects.values_list("id", flat=True))
    response = client.post(f"/billing/checkout/{pack_code}/")
    assert response.status_code == 303, response
    return Purchase.objects.exclude(id__in=before).get()
