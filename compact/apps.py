from django.apps import AppConfig


class CompactConfig(AppConfig):
    name = "compact"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from axes.signals import user_locked_out

        # Load the Celery app so that shared tasks bind to its configuration in every process.
        from compact import celery  # noqa: F401
        from compact.sign_in import on_locked_out

        user_locked_out.connect(on_locked_out, dispatch_uid="compact.sign_in.on_locked_out")
