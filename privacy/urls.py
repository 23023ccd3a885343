from django.urls import path

from privacy import views

urlpatterns = [
    path("", views.policy, name="privacy_policy"),
    path("versions/", views.policy_versions, name="privacy_versions"),
    path("versions/<int:version>/", views.policy_version_detail, name="privacy_version"),
    path("acknowledge/", views.policy_acknowledge, name="privacy_acknowledge"),
    path("consent/", views.consent, name="privacy_consent"),
    path("theme/", views.theme_set, name="privacy_theme"),
    path("center/", views.center, name="privacy_center"),
    path("center/switches/", views.center_switches, name="privacy_switches"),
    path("center/export/", views.export_start, name="privacy_export_start"),
    path("center/export/status/", views.export_status, name="privacy_export_status"),
    path("exports/<uuid:export_id>/download/", views.export_download, name="privacy_export_download"),
    path("center/delete/", views.delete_account, name="privacy_delete"),
    path("deletion/pending/", views.deletion_pending, name="privacy_deletion_pending"),
    path("deletion/pending/cancel/", views.deletion_cancel, name="privacy_deletion_cancel"),
    path("analytics/", views.analytics, name="privacy_analytics"),
]
