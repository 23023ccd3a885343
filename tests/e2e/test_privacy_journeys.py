"""Browser journeys for the privacy center (issue 7 acceptance 1-3)."""

import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.db.models import Sum
from django.utils import timezone

from accounts.models import UsageEvent, User, Workspace
from accounts.selectors import workspace_for_user
from credits.models import CreditAccount, LedgerEntry, Purchase
from privacy import services
from privacy.models import ConsentRecord, DataExport, DataRequest, PageViewDaily
from tests.e2e.conftest import WorkerMail
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.privacy.helpers import make_purchase, make_usage


def _views() -> int:
    return PageViewDaily.objects.aggregate(total=Sum("count"))["total"] or 0


def _login(page, email, password=DEFAULT_PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def test_consent_banner_reject_accept_and_signup(page, e2e_db):
    shots = page.shots
    page.goto("/")
    banner = page.locator("#consent-banner")
    assert banner.is_visible()
    reject, accept = page.get_by_role("button", name="Reject all"), page.get_by_role("button", name="Accept all")
    assert reject.bounding_box()["width"] == accept.bounding_box()["width"]  # equally prominent
    assert reject.bounding_box()["height"] == accept.bounding_box()["height"]
    page.get_by_text("Customise").click()
    shots.take("banner-customise")
    reject.click()  # with JavaScript: saved in place, the banner goes
    banner.wait_for(state="detached")
    page.reload()
    assert not page.locator("#consent-banner").count()  # the choice survives reload
    page.goto("/pricing/")
    page.goto("/privacy/")
    assert _views() == 0
    shots.take("after-reject")

    page.get_by_role("link", name="Cookie settings").click()
    shots.take("cookie-settings")
    page.get_by_role("button", name="Accept all").click()
    page.wait_for_load_state()
    page.goto("/pricing/")
    page.goto("/pricing/")
    assert PageViewDaily.objects.get(path="/pricing/").count == 2

    page.goto("/accounts/signup/")
    page.get_by_label("Full name").fill("Vera Visitor")
    page.get_by_label("Email").fill("vera@example.com")
    page.get_by_label("Password").fill("journey passphrase 2026")
    page.get_by_label("I am 16 or older").check()
    page.locator("#id_accept_policy").check()
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/accounts/confirm-email/")
    record = ConsentRecord.objects.get(user__email="vera@example.com")
    assert record.analytics and record.preferences and record.source == "signup" and record.policy_version == 1


def test_consent_without_javascript(browser, live_server, e2e_db, request):
    from tests.e2e.conftest import Screenshots

    context = browser.new_context(base_url=live_server.url, java_script_enabled=False,
                                  viewport={"width": 1200, "height": 900})
    page = context.new_page()
    shots = Screenshots(page, request.node.name)
    page.goto("/pricing/")
    shots.take("banner")
    page.get_by_role("button", name="Reject all").click()
    page.wait_for_url("**/pricing/")
    assert not page.locator("#consent-banner").count()
    assert _views() == 0
    page.goto("/privacy/consent/")
    page.get_by_label("Analytics").check()
    page.get_by_role("button", name="Save my choices").click()
    page.wait_for_load_state()
    page.goto("/pricing/")
    assert PageViewDaily.objects.get(path="/pricing/").count == 1
    shots.take("after-custom")
    context.close()


@pytest.mark.slow
def test_download_my_data_with_a_real_worker(page, browser, live_server, celery_worker: WorkerMail):
    alice = make_user(email="alice@example.com", full_name="Alice Andersen")
    charlie = make_user(email="charlie@example.org", full_name="Charlie Chen")
    make_purchase(user=alice)
    make_usage(user=alice)
    make_purchase(user=charlie)
    make_usage(user=charlie, action="charlie_only_action")

    shots = page.shots
    _login(page, "alice@example.com")
    page.get_by_role("button", name="Accept all").click()
    page.locator("#consent-banner").wait_for(state="detached")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Privacy").click()
    page.wait_for_url("**/privacy/center/")
    shots.take("privacy-center")
    page.get_by_role("button", name="Download my data").click()
    page.get_by_text(re.compile("Preparing your data|Your data is ready")).first.wait_for()
    shots.take("export-progress")
    page.get_by_text("Your data is ready").wait_for(timeout=30_000)  # htmx polling picks up the worker's result
    shots.take("export-ready")

    message = celery_worker.wait_for("alice@example.com", "ready to download")
    link = re.search(r"https?://\S+/privacy/exports/\S+/download/", WorkerMail.text(message)).group(0)
    path = urlparse(link).path
    with page.expect_download() as download_info:
        page.evaluate("path => { const a = document.createElement('a'); a.href = path; document.body.append(a); "
                      "a.click(); }", path)
    archive = zipfile.ZipFile(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    names = set(archive.namelist())
    assert names == {"account.json", "contacts.csv", "contacts.vcf", "contacts.json", "ledger.csv",
                     "purchases.csv", "consents.json", "policy_acceptances.json",
                     "usage_events.csv", "access_log.csv", "data_requests.json", "support_requests.json",
                     "README.txt"}
    blob = "\n".join(archive.read(name).decode() for name in names)
    assert "alice@example.com" in blob and "Alice Andersen" in blob
    assert "charlie" not in blob.lower()

    for who in (None, "charlie@example.org"):  # a visitor, then another user
        context = browser.new_context(base_url=live_server.url)
        other = context.new_page()
        if who:
            _login(other, who)
        assert other.goto(path).status == 404
        context.close()

    export = DataExport.objects.get(user=alice)
    services.data_exports_purge_expired(now=timezone.now() + timedelta(days=7, minutes=1))
    assert page.goto(path).status == 404
    assert not (services.exports_root() / export.directory).exists()
    shots.take("after-expiry")


def test_delete_now(page, e2e_db):
    alice = make_user(email="alice@example.com", full_name="Alice Andersen")
    make_purchase(user=alice)
    make_usage(user=alice)
    services.data_export_request(user=alice, workspace=workspace_for_user(user=alice))  # eager: built at once
    export = DataExport.objects.get(user=alice)
    folder = services.exports_root() / export.directory
    assert folder.exists()
    workspace = workspace_for_user(user=alice)
    anonymous_id = CreditAccount.objects.get(workspace=workspace).anonymous_id

    shots = page.shots
    _login(page, "alice@example.com")
    page.get_by_role("button", name="Reject all").click()
    page.locator("#consent-banner").wait_for(state="detached")
    page.goto("/privacy/center/#delete")
    page.locator("input[name=when][value=now]").check()
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_text("That password is not right.").wait_for()
    page.locator("#delete").scroll_into_view_if_needed()
    shots.take("wrong-password")
    assert page.locator("input[name=when][value=now]").is_checked()  # the choice is kept
    page.get_by_label("Your password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_role("heading", name="Your account is being deleted").wait_for()
    shots.take("deleted")
    assert page.get_by_role("link", name="Log in").is_visible()  # logged out

    assert not User.objects.filter(email="alice@example.com").exists()
    assert not Workspace.objects.filter(pk=workspace.pk).exists()
    assert not DataExport.objects.exists() and not folder.exists()
    purchase = Purchase.objects.get(account_anonymous_id=anonymous_id)
    assert purchase.workspace_id is None and purchase.created_by_id is None and purchase.receipt_url == ""
    assert LedgerEntry.objects.filter(account_anonymous_id=anonymous_id, workspace__isnull=True).count() == 2
    assert UsageEvent.objects.filter(anonymised_at__isnull=False, user=None, workspace=None).count() == 2
    assert DataRequest.objects.get(type="erasure").status == "completed"
    assert any(m.to == ["alice@example.com"] and "was deleted" in m.subject for m in mail.outbox)


def test_delete_in_14_days_cancel_then_beat_job(page, e2e_db):
    make_user(email="bob@example.com", full_name="Bob Berg")
    shots = page.shots
    _login(page, "bob@example.com")
    page.get_by_role("button", name="Reject all").click()
    page.locator("#consent-banner").wait_for(state="detached")
    page.goto("/privacy/center/#delete")
    page.locator("input[name=when][value=later]").check()
    page.get_by_label("Your password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_url(re.compile(r"/privacy/deletion/pending/"))
    shots.take("pending")
    assert any("will be deleted" in m.subject for m in mail.outbox)

    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_load_state()
    _login(page, "bob@example.com")
    page.wait_for_url(re.compile(r"/privacy/deletion/pending/"))  # after login: only the cancel page
    page.goto("/app/")
    page.wait_for_url(re.compile(r"/privacy/deletion/pending/"))
    page.get_by_role("button", name="Cancel the deletion and keep my account").click()
    page.wait_for_url("**/app/")
    shots.take("cancelled")

    page.goto("/privacy/center/#delete")
    page.locator("input[name=when][value=later]").check()
    page.get_by_label("Your password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_url(re.compile(r"/privacy/deletion/pending/"))
    assert services.account_deletions_due(now=timezone.now() + timedelta(days=13)) == 0
    assert User.objects.filter(email="bob@example.com").exists()
    assert services.account_deletions_due(now=timezone.now() + timedelta(days=14, minutes=1)) == 1
    assert not User.objects.filter(email="bob@example.com").exists()
    page.goto("/app/")
    page.wait_for_url("**/accounts/login/**")


def test_policy_banner_until_acknowledged(page, e2e_db):
    import datetime

    from privacy.models import PolicyAcceptance, PolicyVersion

    make_user(email="alice@example.com", full_name="Alice Andersen")
    version = PolicyVersion.objects.create(version=2, text="1. Who we are\nSecond version.",
                                           summary="Shorter retention of exports.",
                                           last_updated=datetime.date(2026, 1, 1))
    services.policy_publish(version=version)  # eager Celery: the notices are sent at once
    assert any("updated our privacy policy" in m.subject and m.to == ["alice@example.com"] for m in mail.outbox)
    shots = page.shots
    _login(page, "alice@example.com")
    page.get_by_role("button", name="Reject all").click()
    page.locator("#consent-banner").wait_for(state="detached")
    assert page.get_by_text("We updated our privacy policy").is_visible()
    shots.take("policy-banner")
    page.get_by_role("button", name="I have read it").click()
    page.wait_for_load_state()
    assert not page.get_by_text("We updated our privacy policy").count()
    assert PolicyAcceptance.objects.filter(user__email="alice@example.com", version=version).exists()
    page.goto("/privacy/")
    assert page.get_by_text(f"Last Updated: {timezone.localdate():%B} {timezone.localdate().day}, "
                            f"{timezone.localdate().year}").is_visible()
    page.goto("/privacy/versions/")
    shots.take("versions")


def test_staff_page_view_chart(page, e2e_db):
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.create_superuser(email="staff@essencecrm.io", password=DEFAULT_PASSWORD,
                                                      full_name="Sam Staff")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    today = timezone.localdate()
    for offset, count in enumerate([3, 8, 0, 12, 5, 9, 14, 2]):
        PageViewDaily.objects.create(path="/pricing/" if offset % 2 else "/", day=today - timedelta(days=offset),
                                     count=count)
    _login(page, "staff@essencecrm.io")  # staff have no workspace: /app/ is a 404 for them
    page.goto("/privacy/analytics/")
    page.get_by_role("button", name="Reject all").click()
    page.locator("#consent-banner").wait_for(state="detached")
    assert page.locator("svg rect.bar").count() == 30
    page.shots.take("chart")
