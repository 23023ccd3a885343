import pytest

from contacts.models import Contact, ImportJob
from tests.factories import DEFAULT_PASSWORD, make_user

# German column order and names, semicolons, one bad row.
CSV = (
    "Nachname;Vorname;E-Mail;Telefon;Firma;Notiz\n"
    "Müller;Jürgen;juergen@baeckerei.de;+49 89 1234567;Bäckerei Müller;Stammkunde\n"
    "Schön;Renée;keine-mail;+49 89 7654321;;\n"
    "Okafor;Chidi;chidi@example.ng;+234 803 123 4567;Kola Ltd;\n"
).encode()


def log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/app/")
    page.get_by_role("button", name="Reject all").click()  # the cookie banner, answered like a visitor would


@pytest.mark.slow
def test_import_a_csv_map_preview_watch_progress_download_failures_and_undo(page, celery_worker, tmp_path):
    user = make_user(email="ines@example.com", full_name="Inès Ferreira")
    shots = page.shots
    log_in(page, user)
    source = tmp_path / "kunden.csv"
    source.write_bytes(CSV)

    page.goto("/contacts/import/")
    page.get_by_label("CSV or vCard file").set_input_files(str(source))
    shots.take("upload")
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url("**/map/")

    # The columns mapped themselves from the German headers; we change one by hand.
    assert page.get_by_label("Nachname").input_value() == "family_name"
    assert page.get_by_label("Vorname").input_value() == "given_name"
    page.get_by_label("Notiz").select_option("notes")
    page.get_by_role("button", name="Update preview").click()
    page.wait_for_url("**/map/")
    preview = page.locator("#preview")
    assert "2 new contacts" in " ".join(preview.locator(".import-summary").inner_text().split())
    bad_row = preview.locator("tr.row-error")
    assert bad_row.count() == 1 and "keine-mail" in bad_row.inner_text()
    shots.take("preview-with-bad-row")

    page.get_by_role("button", name="Import 2 contacts for 2 credits").click()
    page.wait_for_url("**/contacts/import/*/")
    page.locator("progress[value='100']").wait_for(timeout=30_000)
    page.get_by_text("Done", exact=True).wait_for()
    shots.take("progress-done")
    assert "2 created" in page.locator(".progress-figures").inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the 1 failed row with reasons").click()
    failed = download_info.value.path().read_text(encoding="utf-8-sig")
    assert "keine-mail" in failed and "not a valid email address" in failed

    page.get_by_role("link", name="See your contacts").click()
    page.wait_for_url("**/contacts/")
    assert page.get_by_role("link", name="Jürgen Müller").is_visible()
    assert page.get_by_role("link", name="Chidi Okafor").is_visible()
    shots.take("imported-in-list")

    job = ImportJob.objects.get()
    page.goto(f"/contacts/import/{job.pk}/")
    page.get_by_role("button", name="Undo this import").click()
    page.get_by_text("Moved the 2 contacts this import created to the trash").wait_for()
    shots.take("undone")
    assert Contact.objects.filter(deleted_at__isnull=True).count() == 0
    assert Contact.objects.filter(import_batch_id=job.pk, deleted_at__isnull=False).count() == 2
