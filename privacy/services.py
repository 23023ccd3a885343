from privacy.models import PolicyAcceptance, PolicyVersion


def policy_accept(*, user, version: PolicyVersion) -> PolicyAcceptance:
    acceptance, _ = PolicyAcceptance.objects.get_or_create(user=user, version=version)
    return acceptance
