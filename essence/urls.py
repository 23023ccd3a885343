from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from credits import urls as credits_urls
from essence import health, views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("pricing/", views.pricing, name="pricing"),
    path("healthz", health.healthz, name="healthz"),
    path("support/", views.support, name="support"),
    path("support/sent/", views.support_sent, name="support_sent"),
    path("announcements/<int:announcement_id>/dismiss/", views.announcement_dismiss, name="announcement_dismiss"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("app/", include("accounts.app_urls")),
    path("privacy/", include("privacy.urls")),
    path("billing/", include("credits.urls")),
    path("stripe/webhook/", include(credits_urls.webhook_urlpatterns)),
    path("contacts/", include("contacts.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += [
        path("dev/outbox/", views.dev_outbox, name="dev_outbox"),
        path("dev/outbox/<str:name>/", views.dev_outbox_message, name="dev_outbox_message"),
    ]
