def credit_balance(request):
    """``nav_credit_balance`` for the navigation bar: one cheap query, run only when a
    template reads it (a callable the template engine calls), and at most once per request."""
    cache = {}

    def balance():
        if "value" not in cache:
            cache["value"] = _load(request)
        return cache["value"]

    return {"nav_credit_balance": balance}


def _load(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    workspace = getattr(request, "workspace", None)
    if not workspace:
        return None
    from credits.models import CreditAccount

    try:
        return workspace.credit_account.balance  # loaded with the workspace (accounts.selectors)
    except CreditAccount.DoesNotExist:
        return 0
