from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cse_portal.accounts.models import User
from cse_portal.accounts.services import api_token_issue


class Command(BaseCommand):
    help = "Issue a new API token for USERNAME (replacing any previous one); prints it last."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user called {options['username']!r}")
        try:
            key = api_token_issue(user=user)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"API token for {user.username} (use as 'Authorization: Token <token>'):")
        self.stdout.write(key)
