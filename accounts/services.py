from django.db import transaction

from accounts.models import Membership, UsageEvent, User, Workspace
from credits import services as credit_services
from privacy import services as privacy_services
from privacy.models import PolicyVersion


@transaction.atomic
def workspace_create(*, owner: User, name: str = "") -> Workspace:
    workspace = Workspace.objects.create(name=name or f"{owner.full_name or owner.email}'s workspace")
    Membership.objects.create(workspace=workspace, user=owner, role=Membership.Role.OWNER)
    credit_services.signup_grant(workspace=workspace)
    return workspace


def usage_event_record(*, workspace: Workspace, action: str, user: User | None = None, credits: int = 0,
                       quantity: int = 1) -> UsageEvent:
    return UsageEvent.objects.create(
        workspace=workspace, user=user, action=action, credits=credits, quantity=quantity
    )


@transaction.atomic
def user_signup_complete(*, user: User, policy_version: PolicyVersion) -> Workspace:
    """Everything a new account needs besides the user row: its workspace and its policy acceptance."""
    privacy_services.policy_accept(user=user, version=policy_version)
    return workspace_create(owner=user)


def user_update_profile(*, user: User, full_name: str) -> User:
    user.full_name = full_name.strip()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name"])
    return user


def user_set_active(*, user: User, active: bool) -> bool:
    """Staff deactivate (sign-in refused, sessions no longer resolve) or reactivate an
    account. Returns whether anything changed."""
    return bool(User.objects.filter(pk=user.pk).exclude(is_active=active).update(is_active=active))


def user_resend_verification(*, user: User, request) -> bool:
    """Send a new verification link to the user's unverified primary address (allauth).
    Returns False when there is nothing to verify."""
    from allauth.account.models import EmailAddress

    address = (EmailAddress.objects.filter(user=user, verified=False, primary=True).first()
               or EmailAddress.objects.filter(user=user, verified=False).order_by("id").first())
    if address is None:
        return False
    address.send_confirmation(request)
    return True
