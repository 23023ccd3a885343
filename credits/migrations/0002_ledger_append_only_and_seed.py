"""The ledger is append-only in the database too, and the price list and packs are seeded.

The trigger allows exactly one kind of UPDATE: clearing workspace_id / created_by_id
when a workspace or staff user is deleted (the entry stays, anonymised). Everything
else — editing an amount, deleting a row — raises.
"""

from django.db import migrations

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION credits_ledger_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'credits_ledgerentry is append-only: entries cannot be deleted';
    END IF;
    IF (NEW.workspace_id IS NULL OR NEW.workspace_id = OLD.workspace_id)
       AND (NEW.created_by_id IS NULL OR NEW.created_by_id IS NOT DISTINCT FROM OLD.created_by_id)
       AND (to_jsonb(NEW) - 'workspace_id' - 'created_by_id') = (to_jsonb(OLD) - 'workspace_id' - 'created_by_id')
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'credits_ledgerentry is append-only: entries cannot be edited';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER credits_ledgerentry_append_only
BEFORE UPDATE OR DELETE ON credits_ledgerentry
FOR EACH ROW EXECUTE FUNCTION credits_ledger_append_only();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS credits_ledgerentry_append_only ON credits_ledgerentry;
DROP FUNCTION IF EXISTS credits_ledger_append_only();
"""

PRICES = [
    ("contact.create", 1, "Creating a contact by hand"),
    ("contact.import", 1, "Each contact created by an import"),
    ("reminder.email", 1, "Each reminder email sent"),
]
PACKS = [
    ("pack-100", "100 credits", 100, 500, 1),
    ("pack-500", "500 credits", 500, 2000, 2),
    ("pack-2000", "2,000 credits", 2000, 6000, 3),
]


def seed(apps, schema_editor):
    Price = apps.get_model("credits", "Price")
    CreditPack = apps.get_model("credits", "CreditPack")
    for action, credits, description in PRICES:
        Price.objects.get_or_create(action=action, defaults={"credits": credits, "description": description})
    for code, name, credits, amount, order in PACKS:
        CreditPack.objects.get_or_create(
            code=code,
            defaults={"name": name, "credits": credits, "price_amount": amount, "currency": "eur", "sort_order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("credits", "0001_initial")]

    operations = [
        migrations.RunSQL(APPEND_ONLY_SQL, DROP_SQL),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
