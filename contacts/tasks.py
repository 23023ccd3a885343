from celery import shared_task

from contacts import services


@shared_task(acks_late=True, ignore_result=True)
def reminders_send_due_task() -> dict:
    """Every minute: email the reminders that are due. Each is claimed before it is sent,
    so overlapping ticks (or a redelivered task) never send one twice."""
    return services.reminders_send_due()


@shared_task(bind=True, acks_late=True, ignore_result=True, autoretry_for=(Exception,), retry_backoff=10,
             retry_backoff_max=300, max_retries=5)
def import_run_task(self, job_id: str) -> None:
    """Run an import. acks_late + batches that commit with their progress: a worker killed
    midway leaves the task to be redelivered, and the rerun resumes at the first unfinished row."""
    from contacts.importing import services as import_services

    try:
        import_services.import_run(job_id=job_id)
    except Exception:
        if self.request.retries >= self.max_retries:
            import_services.import_fail(job_id=job_id)
        raise
    finally:
        _import_changed_tags(job_id)


def _import_changed_tags(job_id: str) -> None:
    """An import inserts its new tags in bulk (no model signals): the list's cached tags go."""
    from contacts.models import ImportJob
    from contacts.selectors import invalidate_list_choices

    workspace_id = ImportJob.objects.filter(pk=job_id).values_list("workspace_id", flat=True).first()
    if workspace_id is not None:
        invalidate_list_choices(workspace_id)


@shared_task(bind=True, acks_late=True, ignore_result=True, autoretry_for=(Exception,), retry_backoff=10,
             max_retries=3)
def contact_export_build_task(self, export_id: str) -> None:
    from contacts.exporting import services as export_services

    export_services.export_build(export_id=export_id)


@shared_task(ignore_result=True)
def imports_resume_paused_task(workspace_id: int) -> int:
    from contacts.importing import services as import_services

    return import_services.imports_resume_paused(workspace_id=workspace_id)
