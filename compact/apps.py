from django.apps import AppConfig


class CompactConfig(AppConfig):
    name = "compact"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Load the Celery app so that shared tasks bind to its configuration in every process.
        from compact import celery  # noqa: F401
