import datetime

from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from accounts.models import Workspace
from credits.models import CreditAccount, CreditPack, LedgerEntry, Price, Purchase


def balance_for(*, workspace: Workspace) -> int:
    account = CreditAccount.objects.filter(workspace=workspace).only("balance").first()
    return account.balance if account else 0


def ledger_for(*, workspace: Workspace):
    return LedgerEntry.objects.filter(workspace=workspace).order_by("-created_at", "-id")


def purchases_for(*, workspace: Workspace):
    return Purchase.objects.filter(workspace=workspace).select_related("pack").order_by("-created_at")


def purchase_get_for_workspace(*, workspace: Workspace, session_id: str) -> Purchase:
    """The one gate for a purchase by Checkout Session id: another workspace's id is a 404."""
    purchase = Purchase.objects.filter(workspace=workspace, stripe_checkout_session_id=session_id).first()
    if purchase is None:
        raise Http404("No such purchase")
    return purchase


def spend_per_day(*, workspace: Workspace, days: int = 30) -> list[tuple[datetime.date, int]]:
    """Credits spent on each of the last ``days`` days (today included), oldest first, zeros filled in."""
    today = timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    rows = (
        LedgerEntry.objects.filter(workspace=workspace, kind=LedgerEntry.Kind.SPEND, created_at__gte=start)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(total=Sum("amount"))
        .values_list("day", "total")
    )
    spent = {day: -total for day, total in rows}
    return [(first + datetime.timedelta(days=i), spent.get(first + datetime.timedelta(days=i), 0))
            for i in range(days)]


def price_list():
    return Price.objects.order_by("action")


def packs_on_sale():
    return CreditPack.objects.filter(active=True).order_by("sort_order", "credits")


def balance_mismatches() -> list[tuple[int, int, int]]:
    """(workspace id, cached balance, sum of entries) for every account where they differ."""
    sums = dict(
        LedgerEntry.objects.filter(workspace__isnull=False)
        .values_list("workspace_id")
        .annotate(total=Sum("amount"))
        .values_list("workspace_id", "total")
    )
    mismatches = []
    for workspace_id, cached in CreditAccount.objects.values_list("workspace_id", "balance"):
        total = sums.pop(workspace_id, 0) or 0
        if cached != total:
            mismatches.append((workspace_id, cached, total))
    mismatches.extend((workspace_id, 0, total) for workspace_id, total in sums.items() if total)
    return mismatches
