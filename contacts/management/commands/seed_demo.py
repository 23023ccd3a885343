import time

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.selectors import workspace_for_user
from contacts.demo import seed_contacts
from contacts.services import contacts_after_bulk_load


class Command(BaseCommand):
    help = ("DEV/BENCH TOOL: fill a workspace with realistic random contacts (emails, phones, tags, search "
            "documents) using COPY. Spends NO credits and writes no timeline entries; never run it on a "
            "customer's workspace.")

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, required=True, help="how many contacts to add")
        parser.add_argument("--workspace", required=True, metavar="EMAIL",
                            help="email of the user whose workspace is filled")
        parser.add_argument("--seed", type=int, default=None, help="random seed for repeatable data")

    def handle(self, *args, contacts, workspace, seed, **options):
        if contacts <= 0:
            raise CommandError("--contacts must be positive")
        user = User.objects.filter(email__iexact=workspace).first()
        ws = workspace_for_user(user=user) if user else None
        if ws is None:
            raise CommandError(f"No user with a workspace for {workspace!r}")
        start = time.perf_counter()
        n = seed_contacts(workspace=ws, count=contacts, seed=seed)
        contacts_after_bulk_load(workspace_id=ws.id)
        self.stdout.write(self.style.SUCCESS(
            f"Added {n} contacts to {ws.name} in {time.perf_counter() - start:.1f}s (no credits spent)."))
