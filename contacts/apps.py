from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"

    def ready(self):
        from credits.signals import credits_added

        credits_added.connect(_resume_paused_imports, dispatch_uid="contacts-resume-imports")


def _resume_paused_imports(sender, workspace_id, **kwargs):
    from contacts.models import ImportJob
    from contacts.tasks import imports_resume_paused_task

    if ImportJob.objects.filter(workspace_id=workspace_id, status=ImportJob.Status.PAUSED).exists():
        imports_resume_paused_task.delay(workspace_id)
