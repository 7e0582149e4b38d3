"""``manage.py demo``: a whole reporting cycle on the embedded default, with a printed summary.

Each stage calls the same services the pages and the API call; nothing is faked.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, call_command
from django.utils import timezone

from compact.demo import DemoRun


class Command(BaseCommand):
    help = "Run a demonstration cycle end to end and write its outputs to out/demo/."

    def add_arguments(self, parser):
        parser.add_argument("--employers", type=int, default=40, help="Employers of the realistic demo compact (default 40).")
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "out" / "demo"))
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options):
        call_command("migrate", verbosity=0)
        run = DemoRun(
            out=Path(options["out"]),
            employers=options["employers"],
            seed=options["seed"],
            deadline=timezone.now() + timedelta(days=14),
            say=self.stdout.write,
        )
        run.execute()
