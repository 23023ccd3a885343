"""Rows that belong to a contact (emails, phones, addresses, tags, notes, timeline,
reminders) point at it with ONE foreign key, (workspace_id, contact_id) ->
contacts_contact (workspace_id, id), in place of Django's two single-column keys. The
database then refuses a row whose workspace is not its contact's, and a contact tag
whose tag is another workspace's; and a bulk import checks one key per row, not two.

The single-column workspace_id indexes of contacts and tags go: the new (workspace_id, id)
unique constraints serve the same lookups. As in 0004, index and state change separately
so Django does not drop and re-create those tables' workspace foreign keys.

Written to run on a live database: not atomic, so the unique indexes are built
CONCURRENTLY (reads and writes go on) and attached as constraints in a moment, and the
new keys are added NOT VALID (no scan under lock) and validated afterwards, which checks
every existing row while only blocking schema changes. A row that breaks the rule stops
the migration at its VALIDATE, which is the point. Every step can run again after a run
that stopped halfway (an index build that was interrupted leaves an INVALID index: drop it
first). The keys are deferred to commit like Django's own."""

import django.db.models.deletion
from django.db import migrations, models

CHILDREN = ["activity", "contactaddress", "contactemail", "contactphone", "contacttag", "note", "reminder"]
RELATED_NAME = {"activity": "activities", "contactaddress": "addresses", "contactemail": "emails",
                "contactphone": "phones", "contacttag": "+", "note": "notes", "reminder": "reminders"}
PARENTS = {"contact": "contacts_contact", "tag": "contacts_tag"}
OLD_WORKSPACE_INDEXES = {"contact": "contacts_contact_workspace_id_c425fb7f", "tag": "contacts_tag_workspace_id_66d75845"}
# (child table, its column, parent table)
KEYS = [(f"contacts_{model}", "contact_id", "contacts_contact") for model in CHILDREN] + [
    ("contacts_contacttag", "tag_id", "contacts_tag")]


def _key_name(table: str, column: str) -> str:
    return f"{table}_ws_{column.removesuffix('_id')}_fk"


def _add_constraint(table: str, name: str, definition: str) -> str:
    """ADD CONSTRAINT, skipped when a run of this migration that stopped halfway added it."""
    return (f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = '{table}'::regclass "
            f"AND conname = '{name}') THEN ALTER TABLE \"{table}\" ADD CONSTRAINT \"{name}\" {definition}; "
            f"END IF; END $$")


def _unique_workspace_id(model: str) -> list:
    table, name = PARENTS[model], f"{PARENTS[model]}_ws_id_unique"
    return [
        migrations.RunSQL(f'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON "{table}" ("workspace_id", "id")',
                          reverse_sql=f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"'),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddConstraint(
                model_name=model, constraint=models.UniqueConstraint(fields=("workspace", "id"), name=name))],
            database_operations=[migrations.RunSQL(
                _add_constraint(table, name, f'UNIQUE USING INDEX "{name}"'),
                reverse_sql=f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AlterField(model_name=model, name="workspace", field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                to="accounts.workspace"))],
            database_operations=[migrations.RunSQL(
                f'DROP INDEX CONCURRENTLY IF EXISTS "{OLD_WORKSPACE_INDEXES[model]}"',
                reverse_sql=f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{OLD_WORKSPACE_INDEXES[model]}" '
                            f'ON "{table}" ("workspace_id")')],
        ),
    ]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0002_usageevent"),
        ("contacts", "0004_drop_redundant_workspace_indexes"),
    ]

    operations = [
        *_unique_workspace_id("contact"),
        *_unique_workspace_id("tag"),
        *[migrations.RunSQL(
            _add_constraint(table, _key_name(table, column),
                            f'FOREIGN KEY ("workspace_id", "{column}") REFERENCES "{parent}" ("workspace_id", "id") '
                            'DEFERRABLE INITIALLY DEFERRED NOT VALID'),
            reverse_sql=f'ALTER TABLE "{table}" DROP CONSTRAINT "{_key_name(table, column)}"',
        ) for table, column, parent in KEYS],
        # Django drops its single-column keys (the composite ones above replace them).
        *[migrations.AlterField(model_name=model, name="workspace", field=models.ForeignKey(
            db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
            to="accounts.workspace")) for model in CHILDREN],
        *[migrations.AlterField(model_name=model, name="contact", field=models.ForeignKey(
            db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name=RELATED_NAME[model],
            to="contacts.contact")) for model in CHILDREN],
        migrations.AlterField(model_name="contacttag", name="tag", field=models.ForeignKey(
            db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="contacts.tag")),
        *[migrations.RunSQL(f'ALTER TABLE "{table}" VALIDATE CONSTRAINT "{_key_name(table, column)}"',
                            reverse_sql=migrations.RunSQL.noop) for table, column, _ in KEYS],
    ]
