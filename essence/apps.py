from django.apps import AppConfig


class EssenceConfig(AppConfig):
    name = "essence"
    verbose_name = "Essence platform"
