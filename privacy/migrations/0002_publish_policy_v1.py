"""Publish Essence's privacy policy as version 1.

The text is read from privacy/policy_texts/v1.txt, a file that is never
edited: later versions are new files published through the admin.
"""

import datetime
from pathlib import Path

from django.db import migrations

V1_TEXT = Path(__file__).resolve().parent.parent / "policy_texts" / "v1.txt"
V1_DATE = datetime.date(2026, 11, 26)


def publish_v1(apps, schema_editor):
    PolicyVersion = apps.get_model("privacy", "PolicyVersion")
    PolicyVersion.objects.get_or_create(
        version=1,
        defaults={
            "text": V1_TEXT.read_text(encoding="utf-8"),
            "summary": "First version.",
            "last_updated": V1_DATE,
            "published_at": datetime.datetime(2026, 11, 26, tzinfo=datetime.UTC),
        },
    )


def unpublish_v1(apps, schema_editor):
    apps.get_model("privacy", "PolicyVersion").objects.filter(version=1, acceptances__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(publish_v1, unpublish_v1)]
