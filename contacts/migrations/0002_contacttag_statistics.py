from django.db import migrations


class Migration(migrations.Migration):
    """A tag belongs to one workspace, so workspace_id and tag_id are not independent. Without
    this the planner multiplies their selectivities, guesses ~10x too few rows for a tag
    filter and picks "read every tagged contact, then sort" over walking the sort index
    (bench: 56 ms instead of <1 ms at 100k). Extended statistics are built into PostgreSQL."""

    dependencies = [("contacts", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE STATISTICS contacts_contacttag_ws_tag_stats (dependencies, ndistinct) "
            "ON workspace_id, tag_id FROM contacts_contacttag",
            "DROP STATISTICS IF EXISTS contacts_contacttag_ws_tag_stats",
        ),
    ]
