"""Drop the single-column workspace_id indexes of contact children, tags, notes,
activities and reminders: each table has a composite index or unique constraint that
starts with workspace_id and serves the same lookups (and the workspace cascade), and
every extra index is written on every row a large import inserts.

Only the indexes go; the foreign keys stay as they are (Django would otherwise drop and
re-create each constraint, re-checking every row)."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "activity": ("contacts_activity", "contacts_activity_workspace_id_9743b054"),
    "contactaddress": ("contacts_contactaddress", "contacts_contactaddress_workspace_id_ac775c9f"),
    "contactemail": ("contacts_contactemail", "contacts_contactemail_workspace_id_f531da1a"),
    "contactphone": ("contacts_contactphone", "contacts_contactphone_workspace_id_4e61377c"),
    "contacttag": ("contacts_contacttag", "contacts_contacttag_workspace_id_d97078ca"),
    "note": ("contacts_note", "contacts_note_workspace_id_c72b54a5"),
    "reminder": ("contacts_reminder", "contacts_reminder_workspace_id_7d9d09b8"),
}


def _field():
    return models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                             to="accounts.workspace")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_usageevent"),
        ("contacts", "0003_import_and_export_jobs"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AlterField(model_name=model, name="workspace", field=_field())
                              for model in INDEXES],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" ("workspace_id")',
                )
                for table, index in INDEXES.values()
            ],
        ),
    ]
