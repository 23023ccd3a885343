from django.core.management.base import BaseCommand

from credits import services
from credits.tasks import purchase_receipt_task


class Command(BaseCommand):
    help = "Queue the receipt email for paid purchases that never got one (safe to repeat)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=10, help="Minutes since payment (default 10).")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options):
        pending = services.purchase_receipts_pending(older_than_minutes=options["older_than"])
        for purchase_id in pending:
            if not options["dry_run"]:
                purchase_receipt_task.delay(purchase_id)
        verb = "would queue" if options["dry_run"] else "queued"
        self.stdout.write(f"{verb} {len(pending)} receipt(s)")
