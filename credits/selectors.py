from django.db.models import Sum

from accounts.models import Workspace
from credits.models import CreditAccount, CreditPack, LedgerEntry, Purchase


def balance_for(*, workspace: Workspace) -> int:
    account = CreditAccount.objects.filter(workspace=workspace).only("balance").first()
    return account.balance if account else 0


def ledger_for(*, workspace: Workspace):
    return LedgerEntry.objects.filter(workspace=workspace).order_by("-created_at", "-id")


def purchases_for(*, workspace: Workspace):
    return Purchase.objects.filter(workspace=workspace).select_related("pack").order_by("-created_at")


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
