"""Importing: exactly-once per row, credits = contacts created, pause and resume, undo."""

import csv
import io
import sys
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from accounts.selectors import workspace_for_user
from contacts import selectors
from contacts.importing import services as import_services
from contacts.models import Activity, Contact, ContactEmail, ImportJob
from credits import services as credit_services
from credits.models import LedgerEntry
from credits.selectors import balance_for, balance_mismatches

FIXTURES = Path(__file__).parent / "fixtures"


def upload(workspace, user, name, content: bytes) -> ImportJob:
    return import_services.import_upload(workspace=workspace, user=user,
                                         uploaded=SimpleUploadedFile(name, content))


def run(job: ImportJob, **options) -> ImportJob:
    if options:
        job = import_services.import_configure(
            job=job, encoding=options.get("encoding", job.encoding), delimiter=options.get("delimiter", job.delimiter),
            mapping=options.get("mapping", job.mapping), duplicate_policy=options.get("duplicates", "skip"),
            default_region=options.get("region", ""),
        )
    ImportJob.objects.filter(pk=job.pk, status="uploaded").update(status="queued")
    return import_services.import_run(job_id=job.pk)


def people_csv(count: int, start: int = 0) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Name", "Email", "Phone", "Tags"])
    for i in range(start, start + count):
        writer.writerow([f"Person {i}", f"person{i}@example.com", f"+4420794{i:05d}", "Imported"])
    return buffer.getvalue().encode()


def spent_on_imports(workspace) -> int:
    return -(LedgerEntry.objects.filter(workspace=workspace, action="contact.import").aggregate(s=Sum("amount"))["s"]
             or 0)


@pytest.fixture
def ws(alice):
    return workspace_for_user(user=alice)


@pytest.fixture
def rich(ws):
    credit_services.grant(workspace=ws, amount=10_000, kind=LedgerEntry.Kind.PURCHASE, idempotency_key="rich")
    return ws


@pytest.mark.django_db
def test_a_google_export_becomes_contacts_and_costs_one_credit_each(ws, alice):
    job = run(upload(ws, alice, "google.csv", (FIXTURES / "google_contacts.csv").read_bytes()))

    assert job.status == "done" and (job.created_count, job.failed_count, job.rows_done) == (2, 0, 2)
    assert balance_for(workspace=ws) == 25 - 2
    ana = Contact.objects.get(workspace=ws, given_name="Ana")
    assert ana.family_name == "García" and ana.company == "Estudio Norte"
    assert sorted(ana.emails.values_list("value", flat=True)) == ["ana.garcia@gmail.com", "ana@estudionorte.es"]
    assert ana.primary_email == "ana@estudionorte.es"
    assert [str(p.number) for p in ana.phones.all()] == ["+34612345678", "+34911234567"]
    assert ana.addresses.get().city == "Madrid"
    assert list(ana.tags.values_list("name", flat=True)) == ["Clients"]
    assert ana.import_batch_id == job.pk
    assert Activity.objects.filter(contact=ana, kind="imported").exists()
    # The search documents are written too: found by a misspelt name and by phone digits.
    for q in ("Garcia", "Garcai", "612345"):
        page = selectors.contact_page(workspace=ws, filters=selectors.ContactFilters(q=q))
        assert ana in page.contacts, q
    assert balance_mismatches() == []


@pytest.mark.django_db
def test_importing_the_same_file_twice_with_skip_creates_and_spends_nothing_the_second_time(rich, alice):
    first = run(upload(rich, alice, "people.csv", people_csv(30)))
    balance_after_first = balance_for(workspace=rich)
    second = run(upload(rich, alice, "people.csv", people_csv(30)), duplicates="skip")

    assert first.created_count == 30
    assert (second.created_count, second.skipped_count, second.status) == (0, 30, "done")
    assert Contact.objects.filter(workspace=rich).count() == 30
    assert balance_for(workspace=rich) == balance_after_first
    assert spent_on_imports(rich) == 30


@pytest.mark.django_db
def test_update_policy_fills_the_contact_you_have_for_free(rich, alice):
    run(upload(rich, alice, "people.csv", people_csv(3)))
    balance = balance_for(workspace=rich)
    content = b"Name,Email,Phone,Company\nPerson 1,PERSON1@example.com,+442079412345,Acme\n"
    job = run(upload(rich, alice, "more.csv", content), duplicates="update")

    assert (job.created_count, job.updated_count) == (0, 1)
    person = Contact.objects.get(workspace=rich, primary_email="person1@example.com")
    assert person.company == "Acme"
    assert "+442079412345" in [str(p.number) for p in person.phones.all()]
    assert balance_for(workspace=rich) == balance


@pytest.mark.django_db
def test_create_policy_makes_a_second_contact(rich, alice):
    run(upload(rich, alice, "people.csv", people_csv(2)))
    job = run(upload(rich, alice, "people.csv", people_csv(2)), duplicates="create")
    assert job.created_count == 2
    assert ContactEmail.objects.filter(workspace=rich, value_normalised="person0@example.com").count() == 2


@pytest.mark.django_db
def test_repeated_rows_in_one_file_are_one_contact(rich, alice):
    content = b"Name,Email\nAda,ada@example.com\nAda L.,ADA@example.com\n"
    job = run(upload(rich, alice, "dupes.csv", content))
    assert (job.created_count, job.skipped_count) == (1, 1)


@pytest.mark.django_db
def test_a_worker_killed_midway_resumes_without_duplicates_or_double_charges(rich, alice, settings, monkeypatch):
    settings.IMPORT_BATCH_SIZE = 10
    job = upload(rich, alice, "people.csv", people_csv(55))
    batches = []

    def killed_after_two_batches(job):
        batches.append(job.rows_done)
        if len(batches) == 2:
            raise SystemExit("worker killed")

    monkeypatch.setattr(import_services, "after_batch", killed_after_two_batches)
    with pytest.raises(SystemExit):
        run(job)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created_count) == ("running", 20, 20)

    # A crash inside a batch keeps nothing of that batch.
    original_create = import_services._create_contacts

    def crash_after_copy(job, drafts, now):
        original_create(job, drafts, now)
        raise RuntimeError("connection lost")

    monkeypatch.setattr(import_services, "after_batch", lambda job: None)
    monkeypatch.setattr(import_services, "_create_contacts", crash_after_copy)
    with pytest.raises(RuntimeError):
        import_services.import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.rows_done == 20 and Contact.objects.filter(workspace=rich).count() == 20

    monkeypatch.setattr(import_services, "_create_contacts", original_create)
    job = import_services.import_run(job_id=job.pk)  # the redelivered task
    assert (job.status, job.rows_done, job.created_count) == ("done", 55, 55)
    assert Contact.objects.filter(workspace=rich).count() == 55
    assert ContactEmail.objects.filter(workspace=rich).values("value_normalised").distinct().count() == 55
    assert spent_on_imports(rich) == 55
    assert balance_mismatches() == []
    # Running it again (a duplicate delivery) changes nothing.
    assert import_services.import_run(job_id=job.pk).created_count == 55
    assert spent_on_imports(rich) == 55


def read_ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "import-read-ahead"]


@pytest.mark.django_db
def test_rows_read_ahead_are_dropped_when_another_worker_moved_the_job_on(rich, alice, settings, monkeypatch):
    """The engine reads batches ahead; when a redelivered task imports the next batch in the
    meantime, the engine starts reading again from where that one stopped."""
    settings.IMPORT_BATCH_SIZE = 10
    job = upload(rich, alice, "people.csv", people_csv(45))
    calls = []

    def other_worker_takes_one_batch(job):
        calls.append(job.rows_done)
        if len(calls) == 1:
            def stop(job):
                raise SystemExit("the other worker is killed after one batch")

            monkeypatch.setattr(import_services, "after_batch", stop)
            with pytest.raises(SystemExit):
                import_services.import_run(job_id=job.pk)
            monkeypatch.setattr(import_services, "after_batch", other_worker_takes_one_batch)

    monkeypatch.setattr(import_services, "after_batch", other_worker_takes_one_batch)
    switch_interval = sys.getswitchinterval()
    job = run(job)

    assert (job.status, job.rows_done, job.created_count) == ("done", 45, 45)
    assert Contact.objects.filter(workspace=rich).count() == 45
    assert ContactEmail.objects.filter(workspace=rich).values("value_normalised").distinct().count() == 45
    assert spent_on_imports(rich) == 45
    assert read_ahead_threads() == []
    assert sys.getswitchinterval() == switch_interval  # the engine's setting does not outlive it


@pytest.mark.django_db
def test_an_error_while_reading_ahead_stops_the_import_and_keeps_the_batches_done(rich, alice, settings, monkeypatch):
    settings.IMPORT_BATCH_SIZE = 10
    job = upload(rich, alice, "people.csv", people_csv(35))
    original = import_services.draft_from_cells

    def breaks_on_row_26(row, mapping, **options):
        if row.number == 26:  # in the third batch, read while the second is written
            raise RuntimeError("bug while reading row 26")
        return original(row, mapping, **options)

    monkeypatch.setattr(import_services, "draft_from_cells", breaks_on_row_26)
    with pytest.raises(RuntimeError, match="row 26"):
        run(job)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created_count) == ("running", 20, 20)
    assert spent_on_imports(rich) == 20
    assert read_ahead_threads() == []

    monkeypatch.setattr(import_services, "draft_from_cells", original)
    job = import_services.import_run(job_id=job.pk)  # the task's retry
    assert (job.status, job.rows_done, job.created_count) == ("done", 35, 35)
    assert spent_on_imports(rich) == 35


@pytest.mark.django_db
def test_running_out_of_credits_pauses_and_a_purchase_resumes(ws, alice, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_BATCH_SIZE = 10
    job = run(upload(ws, alice, "people.csv", people_csv(40)))

    assert job.status == "paused"
    assert (job.created_count, job.rows_done) == (25, 25)
    assert "Buy credits to continue" in job.message
    assert read_ahead_threads() == []  # the rows read ahead are dropped; a resume reads them again
    assert balance_for(workspace=ws) == 0
    assert spent_on_imports(ws) == 25

    # Buying credits resumes the import by itself (credits_added -> resume task).
    with django_capture_on_commit_callbacks(execute=True):
        credit_services.grant(workspace=ws, amount=100, kind=LedgerEntry.Kind.PURCHASE, idempotency_key="pack")
    job.refresh_from_db()
    assert (job.status, job.created_count, job.rows_done) == ("done", 40, 40)
    assert Contact.objects.filter(workspace=ws).count() == 40
    assert spent_on_imports(ws) == 40 == job.created_count
    assert balance_for(workspace=ws) == 100 - 15


@pytest.mark.django_db
def test_undo_moves_the_imported_contacts_to_the_trash_without_refund(rich, alice):
    kept = Contact.objects.create(workspace=rich, display_name="Made by hand")
    job = run(upload(rich, alice, "people.csv", people_csv(5)))
    balance = balance_for(workspace=rich)

    assert import_services.import_undo(job=job, user=alice) == 5
    job.refresh_from_db()
    assert job.status == "undone"
    assert Contact.objects.filter(workspace=rich, import_batch_id=job.pk, deleted_at__isnull=False).count() == 5
    assert Contact.objects.get(pk=kept.pk).deleted_at is None
    assert balance_for(workspace=rich) == balance
    with pytest.raises(import_services.ImportStateError):
        import_services.import_undo(job=job, user=alice)


@pytest.mark.django_db
def test_failed_rows_are_kept_with_their_reason(rich, alice):
    content = b"Name,Email,Phone\nGood,good@example.com,\nBad,not-an-email,\nWorse,,12\n"
    job = run(upload(rich, alice, "mixed.csv", content))
    assert (job.created_count, job.failed_count) == (1, 2)
    reasons = dict(job.failures.values_list("row_number", "reason"))
    assert "not a valid email" in reasons[2] and "not a valid phone" in reasons[3]
    assert job.failures.get(row_number=2).cells == ["Bad", "not-an-email", ""]


@pytest.mark.django_db
def test_iphone_and_android_vcards_import(rich, alice):
    iphone = run(upload(rich, alice, "iphone.vcf", (FIXTURES / "iphone.vcf").read_bytes()))
    android = run(upload(rich, alice, "android.vcf", (FIXTURES / "android.vcf").read_bytes()))
    assert (iphone.kind, iphone.created_count, android.created_count) == ("vcard", 2, 2)
    hiro = Contact.objects.get(workspace=rich, family_name="Nakamura")
    assert hiro.company == "Kawa Design" and hiro.birthday.isoformat() == "1990-07-21"
    assert set(hiro.tags.values_list("name", flat=True)) == {"Clients", "Japan"}
    assert str(Contact.objects.get(workspace=rich, family_name="Öztürk").phones.get(is_primary=True).number) == (
        "+905321234567")


@pytest.mark.django_db
def test_a_paused_import_completes_after_a_purchase_through_the_signed_webhook(
    ws, alice, alice_client, client, settings, fake_stripe, django_capture_on_commit_callbacks
):
    from tests.credits.fake_stripe import make_event, post_event, session_object, start_checkout

    settings.IMPORT_BATCH_SIZE = 10
    job = run(upload(ws, alice, "people.csv", people_csv(60)))
    assert (job.status, job.created_count) == ("paused", 25)

    purchase = start_checkout(alice_client)  # Buy: 100 credits through (fake) Stripe Checkout
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, make_event("checkout.session.completed", session_object(purchase)))
    assert response.status_code == 200

    job.refresh_from_db()
    assert (job.status, job.created_count, job.rows_done) == ("done", 60, 60)
    assert spent_on_imports(ws) == 60 == Contact.objects.filter(workspace=ws).count()
    assert balance_for(workspace=ws) == 25 + 100 - 60
    assert balance_mismatches() == []


@pytest.mark.django_db
def test_the_uploaded_file_is_deleted_when_the_import_is_over(rich, alice):
    job = upload(rich, alice, "people.csv", people_csv(3))
    path = Path(job.source.path)
    assert path.exists()
    job = run(job)
    assert job.status == "done" and not job.source and not path.exists()
    assert job.failures.count() == 0 and import_services.import_undo(job=job, user=alice) == 3  # undo still works


@pytest.mark.django_db(transaction=True)
def test_deleting_the_account_deletes_its_import_and_export_files(alice):
    from django.core.files.base import ContentFile

    from contacts.models import ContactExport
    from privacy import services as privacy_services
    from tests.factories import ensure_seed_data

    ensure_seed_data()
    ws = workspace_for_user(user=alice)
    pending = upload(ws, alice, "never-imported.csv", people_csv(2))
    export = ContactExport.objects.create(workspace=ws, format="csv", status="ready")
    export.file.save("contacts.csv", ContentFile(b"Ada,ada@example.com"))
    paths = [Path(pending.source.path), Path(export.file.path)]
    assert all(p.exists() for p in paths)

    privacy_services.account_delete_now(user=alice)

    assert not ImportJob.objects.exists() and not ContactExport.objects.exists()
    assert not any(p.exists() for p in paths)


@pytest.mark.django_db
def test_retention_deletes_uploads_left_unimported(rich, alice, settings):
    import datetime

    from essence import retention

    settings.IMPORT_UNDO_DAYS = 30
    stale = upload(rich, alice, "old.csv", people_csv(2))
    fresh = upload(rich, alice, "new.csv", people_csv(2))
    ImportJob.objects.filter(pk=stale.pk).update(created_at=stale.created_at - datetime.timedelta(days=31))
    path = Path(stale.source.path)
    run_record = retention.run("import_files")
    assert run_record.counts == {"import_files_deleted": 1}
    stale.refresh_from_db()
    assert (stale.status, bool(stale.source), path.exists()) == ("failed", False, False)
    assert "Upload it again" in stale.message
    assert ImportJob.objects.get(pk=fresh.pk).source


@pytest.mark.django_db
def test_update_policy_adds_the_rows_tags(rich, alice):
    run(upload(rich, alice, "people.csv", people_csv(2)))
    content = b"Name,Email,Tags\nPerson 0,person0@example.com,VIP;imported\nPerson 1,person1@example.com,VIP\n"
    job = run(upload(rich, alice, "tags.csv", content), duplicates="update")
    assert job.updated_count == 2
    for i in (0, 1):
        contact = Contact.objects.get(workspace=rich, primary_email=f"person{i}@example.com")
        assert "VIP" in contact.tags.values_list("name", flat=True)
    assert Contact.objects.get(primary_email="person0@example.com").tags.filter(name__iexact="imported").count() == 1
