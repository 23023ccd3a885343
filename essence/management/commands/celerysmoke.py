import time
import uuid

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError

from essence.tasks import celery_smoke_task


class Command(BaseCommand):
    help = "Send a task to the Celery worker and wait until it has run."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=60.0)

    def handle(self, *args, timeout, **options):
        token = uuid.uuid4().hex
        celery_smoke_task.delay(token)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cache.get(f"celery-smoke:{token}") == "done":
                self.stdout.write(self.style.SUCCESS("A Celery worker ran the smoke task."))
                return
            time.sleep(0.2)
        raise CommandError(f"No Celery worker ran the smoke task within {timeout:.0f}s.")
