from accounts.models import Membership, Workspace


def workspace_for_user(*, user) -> Workspace | None:
    """The workspace a signed-in user works in (their first membership)."""
    if not user.is_authenticated:
        return None
    membership = (
        # The credit account rides along: the navigation bar shows its balance on every page.
        Membership.objects.select_related("workspace", "workspace__credit_account")
        .filter(user=user)
        .order_by("created_at", "id")
        .first()
    )
    return membership.workspace if membership else None


def user_has_verified_email(*, user) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()
