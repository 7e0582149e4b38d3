from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def _cache_table_create(sender, using, **kwargs):
    """Create the database cache's table, if the cache is configured so and it is missing."""
    call_command("createcachetable", database=using, verbosity=0)


class CompactConfig(AppConfig):
    name = "compact"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from axes.signals import user_locked_out

        # Load the Celery app so that shared tasks bind to its configuration in every process.
        from compact import celery  # noqa: F401
        from compact.lockout import on_locked_out

        user_locked_out.connect(on_locked_out, dispatch_uid="compact.lockout.on_locked_out")
        # Every `migrate` (the demo's, a test database's, a deployment's) leaves the database
        # cache usable; createcachetable does nothing when the table exists or Redis is used.
        post_migrate.connect(_cache_table_create, sender=self, dispatch_uid="compact.cache_table")
