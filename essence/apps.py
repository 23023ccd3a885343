from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class EssenceConfig(AppConfig):
    default = True
    name = "essence"
    verbose_name = "Essence platform"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Each app's retention.py registers its jobs with essence.retention.
        autodiscover_modules("retention")


class EssenceAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with a site that demands a two-factor session."""

    default = False
    default_site = "essence.admin_site.EssenceAdminSite"
