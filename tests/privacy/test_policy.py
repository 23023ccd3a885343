import html
import re
from pathlib import Path

import pytest
from django.conf import settings

from privacy.selectors import policy_current

SEED = Path(settings.BASE_DIR) / "privacy" / "policy_texts" / "v1.txt"


@pytest.mark.django_db
def test_the_data_migration_publishes_v1_word_for_word(policy_v1):
    current = policy_current()
    assert current.version == 1
    assert current.text == SEED.read_text(encoding="utf-8")
    assert "support@essencecrm.io" in current.text


@pytest.mark.django_db
def test_privacy_page_shows_every_line_and_last_updated(client, policy_v1):
    response = client.get("/privacy/")
    assert response.status_code == 200
    page = html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))
    assert "Last Updated: November 26, 2026" in page
    for line in SEED.read_text(encoding="utf-8").splitlines():
        line = line.strip().removeprefix("- ")
        if line:
            assert line in page, line
