"""Loads the demo portfolio: the real PSP sites with synthetic people, visits and TTA.

Idempotent: each site is loaded with everything that belongs to it in one transaction, and a
site that already exists is left alone, so a second run changes nothing.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from psp.demo.loader import DemoPortfolio
from tta.services import open_request_tallies_rebuild


class Command(BaseCommand):
    help = "Load the demo portfolio (real PSP sites, synthetic people) and the demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default="psp-demo-2026",
            help="Password for the demo accounts when they are created (default: psp-demo-2026).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DJANGO_DEBUG=False (never on a production database).",
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="Compute phases relative to this date (YYYY-MM-DD) instead of today.",
        )

    def handle(self, *args, password: str, force: bool, today: datetime.date | None, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo data with DJANGO_DEBUG=False; pass --force if this "
                "really is a demo database."
            )
        portfolio = DemoPortfolio(today=today or timezone.localdate(), password=password)
        with transaction.atomic():
            portfolio.load_people()
        created = 0
        for row in portfolio.site_rows():
            with transaction.atomic():
                created += portfolio.load_site(row)
        with transaction.atomic():
            portfolio.load_summits()
        open_request_tallies_rebuild()  # the loader backdates requests around the services
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo portfolio ready: {created} site(s) added, "
                f"{portfolio.site_count()} in all. Demo accounts: "
                + ", ".join(portfolio.DEMO_ACCOUNTS)
                + "."
            )
        )
