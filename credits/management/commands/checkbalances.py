from django.core.management.base import BaseCommand, CommandError

from credits.selectors import balance_mismatches


class Command(BaseCommand):
    help = "Verify that every workspace's cached credit balance equals the sum of its ledger entries."

    def handle(self, *args, **options):
        mismatches = balance_mismatches()
        for workspace_id, cached, total in mismatches:
            self.stderr.write(f"workspace {workspace_id}: cached balance {cached}, ledger sum {total}")
        if mismatches:
            raise CommandError(f"{len(mismatches)} workspace(s) have a cached balance that differs from the ledger.")
        self.stdout.write(self.style.SUCCESS("Every cached balance equals the sum of its ledger entries."))
