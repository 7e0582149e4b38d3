"""Periodic tasks of the compact's domain. Thin: each calls one service."""

from celery import shared_task

from compact.services.cycles import cycle_close_overdue


@shared_task(name="compact.tasks.close_overdue_cycles")
def close_overdue_cycles() -> list[str]:
    """Close every open cycle whose deadline has passed (scheduled by beat every minute)."""
    return cycle_close_overdue()
