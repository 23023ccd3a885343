from django.core.management.base import BaseCommand, CommandError

from essence import retention


class Command(BaseCommand):
    help = "Run retention jobs now (all, or the ones named). Each run is recorded as a RetentionRun."

    def add_arguments(self, parser):
        parser.add_argument("jobs", nargs="*", help="job names (default: all)")

    def handle(self, *args, jobs, **options):
        unknown = set(jobs) - set(retention.JOBS)
        if unknown:
            known = ", ".join(sorted(retention.JOBS))
            raise CommandError(f"Unknown job(s): {', '.join(sorted(unknown))}. Known: {known}.")
        for name in jobs or sorted(retention.JOBS):
            run = retention.run(name)
            self.stdout.write(f"{name}: {run.get_status_display()} {run.counts or ''}")
