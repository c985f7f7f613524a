"""Generates a large synthetic portfolio for benchmarks (bulk inserts, no history rows).

At --scale 1: 500 sites, 2,000 engagements, 30,000 milestones, 150 liaisons, 50,000 visits,
20,000 TTA requests with 40,000 transitions and 30,000 deliveries. --scale 10 is ten times
that. Refuses to run on a database that already has sites, unless --flush is given.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psp.demo.bench_data import BenchPortfolio


class Command(BaseCommand):
    help = "Generate a large synthetic portfolio for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help="1 = 500 sites (default).")
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, default=None, help="YYYY-MM-DD"
        )
        parser.add_argument("--force", action="store_true", help="Run with DJANGO_DEBUG=False.")

    def handle(self, *args, scale: float, today, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to generate benchmark data with DJANGO_DEBUG=False.")
        from sites.models import Site

        if Site.objects.exists():
            raise CommandError(
                "The database already has sites; seed_bench needs an empty database "
                "(e.g. a fresh one created for the benchmark)."
            )
        portfolio = BenchPortfolio(scale=scale, today=today, log=self.stdout.write)
        counts = portfolio.generate()
        self.stdout.write(
            self.style.SUCCESS(
                "Generated " + ", ".join(f"{count:,} {name}" for name, count in counts.items())
            )
        )
