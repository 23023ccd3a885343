from django.conf import settings
from django.db import models


class PolicyVersion(models.Model):
    """One published (or drafted) version of the privacy policy. Never rewritten once published."""

    version = models.PositiveIntegerField(unique=True)
    text = models.TextField()
    summary = models.TextField(blank=True, help_text="What changed since the previous version.")
    last_updated = models.DateField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self):
        return f"Privacy policy v{self.version}"


class PolicyAcceptance(models.Model):
    """A user accepted (at signup) or acknowledged (later) a policy version."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="policy_acceptances")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="privacy_policyacceptance_unique"),
        ]

    def __str__(self):
        return f"{self.user} accepted v{self.version.version}"
