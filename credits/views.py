import json
import logging

import stripe
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import workspace_required
from credits import charts, selectors, services, stripe_api
from credits.exceptions import CreditError

logger = logging.getLogger(__name__)

LEDGER_PAGE_SIZE = 25


@workspace_required
@require_GET
def billing(request):
    workspace = request.workspace
    ledger_page = Paginator(selectors.ledger_for(workspace=workspace).select_related("purchase"),
                            LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "credits/billing.html", {
        "balance": selectors.balance_for(workspace=workspace),
        "packs": selectors.packs_on_sale(),
        "purchases": selectors.purchases_for(workspace=workspace)[:50],
        "ledger_page": ledger_page,
        "chart": charts.spend_chart(selectors.spend_per_day(workspace=workspace, days=30)),
        "buying_enabled": stripe_api.buying_enabled(),
    })


@workspace_required
@require_POST
def checkout(request, pack_code):
    pack = get_object_or_404(selectors.packs_on_sale(), code=pack_code)
    try:
        _purchase, url = services.purchase_checkout_start(workspace=request.workspace, user=request.user, pack=pack)
    except CreditError as exc:
        messages.error(request, str(exc))
        return redirect("billing")
    return _see_other(url)


def _see_other(url: str) -> HttpResponse:
    response = HttpResponse(status=303)
    response["Location"] = url
    return response


def _return_context(request):
    session_id = request.GET.get("session_id", "")
    if not session_id:
        raise Http404("No session")
    purchase = selectors.purchase_get_for_workspace(workspace=request.workspace, session_id=session_id)
    return {"purchase": purchase, "balance": selectors.balance_for(workspace=request.workspace)}


@workspace_required
@require_GET
def checkout_return(request):
    """Shown after Stripe Checkout. It only reads: the webhook grants the credits."""
    return render(request, "credits/return.html", _return_context(request))


@workspace_required
@require_GET
def checkout_return_status(request):
    return render(request, "credits/_return_status.html", _return_context(request))


@csrf_exempt
@require_POST
def stripe_webhook(request):
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        logger.error("Stripe webhook received but STRIPE_WEBHOOK_SECRET is empty; rejected")
        return HttpResponseBadRequest("Webhook not configured")
    payload = request.body
    try:
        stripe.Webhook.construct_event(payload, request.headers.get("Stripe-Signature"), secret, tolerance=300)
        event = json.loads(payload)
        event_id, event_type, obj = event["id"], event["type"], event["data"]["object"]
        if not isinstance(event_id, str) or not isinstance(event_type, str) or not isinstance(obj, dict):
            raise ValueError("unexpected event shape")
        if services.stripe_event_is_handled(event_type) and not isinstance(obj.get("id"), str):
            raise ValueError("handled event without an object id")
    except stripe.SignatureVerificationError:
        return HttpResponseBadRequest("Bad signature")
    except (ValueError, KeyError, TypeError, AttributeError):
        return HttpResponseBadRequest("Malformed event")
    processed = services.stripe_event_process(event=event)
    return HttpResponse("ok" if processed else "duplicate", content_type="text/plain")
