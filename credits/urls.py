from django.urls import path

from credits import views

urlpatterns = [
    path("", views.billing, name="billing"),
    path("checkout/<slug:pack_code>/", views.checkout, name="billing_checkout"),
    path("return/", views.checkout_return, name="billing_return"),
    path("return/status/", views.checkout_return_status, name="billing_return_status"),
]

webhook_urlpatterns = [
    path("", views.stripe_webhook, name="stripe_webhook"),
]
