from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction

from accounts import services
from essence.emails import EmailCategory, queue_message


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.full_name = form.cleaned_data["full_name"].strip()
        if commit:
            with transaction.atomic():
                user.save()
                services.user_signup_complete(user=user, policy_version=form.cleaned_data["policy_version"])
        return user

    def send_mail(self, template_prefix, email, context):
        """allauth's messages go through the same Celery path as every other email."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        message = self.render_mail(template_prefix, email, ctx)
        user = ctx.get("user")
        queue_message(
            message,
            template=template_prefix.rsplit("/", 1)[-1],
            category=EmailCategory.TRANSACTIONAL,
            user=user if getattr(user, "pk", None) else None,
        )
