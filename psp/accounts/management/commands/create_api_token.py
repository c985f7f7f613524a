"""`create_api_token USERNAME [--read-only] [--expires-in-days N]`: prints a key once."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from psp.accounts.models import User
from psp.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user (e.g. a service account) and print its key once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--read-only", action="store_true", help="Only allow reads.")
        parser.add_argument("--expires-in-days", type=int, default=None, metavar="N")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args, username, read_only, expires_in_days, name, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user named “{username}”.") from exc
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be at least 1.")
        expires_at = (
            timezone.now() + datetime.timedelta(days=expires_in_days)
            if expires_in_days is not None
            else None
        )
        try:
            token, key = api_token_create(
                user=user,
                name=name or f"created by create_api_token on {timezone.localdate()}",
                read_only=read_only,
                expires_at=expires_at,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        scope = "read-only" if token.read_only else "read-write"
        expiry = (
            f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "no expiry"
        )
        self.stderr.write(f"Created a {scope} token for {user.username} ({expiry}).")
        self.stderr.write("Store the key now: it is not shown again.")
        self.stdout.write(key)
