"""Rows that belong to a contact (emails, phones, addresses, tags, notes, timeline,
reminders) point at it with ONE foreign key, (workspace_id, contact_id) ->
contacts_contact (workspace_id, id), in place of Django's two single-column keys. The
database then refuses a row whose workspace is not its contact's, and a contact tag
whose tag is another workspace's; and a bulk import checks one key per row, not two.

The keys are deferred to commit like Django's own. Adding them checks every existing
row (a row that breaks the rule stops the migration, which is the point).

The single-column workspace_id indexes of contacts and tags go: the new (workspace_id, id)
unique constraints serve the same lookups. As in 0004, index and state change separately
so Django does not drop and re-create those tables' workspace foreign keys."""

import django.db.models.deletion
from django.db import migrations, models

CHILDREN = ["activity", "contactaddress", "contactemail", "contactphone", "contacttag", "note", "reminder"]
RELATED_NAME = {"activity": "activities", "contactaddress": "addresses", "contactemail": "emails",
                "contactphone": "phones", "contacttag": "+", "note": "notes", "reminder": "reminders"}
WORKSPACE_INDEXES = {"contact": ("contacts_contact", "contacts_contact_workspace_id_c425fb7f"),
                     "tag": ("contacts_tag", "contacts_tag_workspace_id_66d75845")}


def _composite_key(table: str, column: str, parent: str) -> migrations.RunSQL:
    name = f"{table}_ws_{column.removesuffix('_id')}_fk"
    return migrations.RunSQL(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY ("workspace_id", "{column}") '
        f'REFERENCES "{parent}" ("workspace_id", "id") DEFERRABLE INITIALLY DEFERRED',
        reverse_sql=f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"',
    )


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_usageevent"),
        ("contacts", "0004_drop_redundant_workspace_indexes"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.UniqueConstraint(fields=("workspace", "id"), name="contacts_contact_ws_id_unique"),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(fields=("workspace", "id"), name="contacts_tag_ws_id_unique"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name=model, name="workspace", field=models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                    to="accounts.workspace"))
                for model in WORKSPACE_INDEXES
            ],
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{index}"',
                                  reverse_sql=f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" ("workspace_id")')
                for table, index in WORKSPACE_INDEXES.values()
            ],
        ),
        *[_composite_key(f"contacts_{model}", "contact_id", "contacts_contact") for model in CHILDREN],
        _composite_key("contacts_contacttag", "tag_id", "contacts_tag"),
        # Django drops its single-column keys (the composite ones above replace them).
        *[migrations.AlterField(model_name=model, name="workspace", field=models.ForeignKey(
            db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
            to="accounts.workspace")) for model in CHILDREN],
        *[migrations.AlterField(model_name=model, name="contact", field=models.ForeignKey(
            db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name=RELATED_NAME[model],
            to="contacts.contact")) for model in CHILDREN],
        migrations.AlterField(model_name="contacttag", name="tag", field=models.ForeignKey(
            db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="contacts.tag")),
    ]
