from django.apps import AppConfig


class AggregationConfig(AppConfig):
    name = "aggregation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Register the tasks, so that services can queue them by name (aggregation.dispatch)
        # in every process, not only in a worker that imported them.
        from aggregation import tasks  # noqa: F401
