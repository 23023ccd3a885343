"""Retention jobs: each deletes or anonymises, in batches, only what is older than its
period, holds a PostgreSQL advisory lock so two runs at once do no double work, and
records a RetentionRun with its counts.

Jobs register themselves with ``@retention_job(name, period_setting)``; a job function
takes (cutoff, batch_size) and returns the counts of ONE batch (an empty dict or all
zeros when nothing was left). The runner repeats it until a batch comes back empty.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from essence.models import RetentionRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionJob:
    name: str
    period_setting: str  # name of a setting holding the period in days
    run_batch: Callable[[datetime.datetime, int], dict]

    @property
    def period(self) -> datetime.timedelta:
        return datetime.timedelta(days=getattr(settings, self.period_setting))


JOBS: dict[str, RetentionJob] = {}


def retention_job(name: str, *, period_setting: str):
    def register(func):
        JOBS[name] = RetentionJob(name=name, period_setting=period_setting, run_batch=func)
        return func

    return register


def _lock_key(name: str) -> int:
    # A stable signed 64-bit key per job name for pg_try_advisory_lock.
    return int.from_bytes(hashlib.sha256(f"retention:{name}".encode()).digest()[:8], "big", signed=True)


def run(name: str, *, now: datetime.datetime | None = None, batch_size: int | None = None) -> RetentionRun:
    job = JOBS[name]
    cutoff = (now or timezone.now()) - job.period
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    key = _lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        locked = cursor.fetchone()[0]
    if not locked:
        return RetentionRun.objects.create(
            job=name, status=RetentionRun.Status.SKIPPED, cutoff=cutoff, finished_at=timezone.now()
        )
    record = RetentionRun.objects.create(job=name, cutoff=cutoff)
    totals: Counter = Counter()
    try:
        while True:
            counts = job.run_batch(cutoff, batch_size)
            totals.update(counts)
            if not any(counts.values()):
                break
        record.status = RetentionRun.Status.DONE
    except Exception as exc:
        logger.exception("retention job %s failed", name)
        record.status = RetentionRun.Status.FAILED
        record.error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        record.counts = {key: value for key, value in totals.items()}
        record.finished_at = timezone.now()
        record.save(update_fields=["status", "counts", "finished_at", "error"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    logger.info("retention job %s: %s", name, dict(totals) or "nothing to do")
    return record
