"""A blast recipient and the planroom's staff in headless Chromium, against the dev server and the
local AWS stand-in: the recipient lands on the demo planroom page and a view is recorded; staff
find that recipient in the Activity tab with the right first-view time, sort, page, drill down,
and request a PDF report and download it; CORS preflights from an allowed and a refused origin."""

import json
import os
import re
import subprocess
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS, answer_as_s3_would, follow_once, shot

JOB = "job-demo"
JOB_ZONE = ZoneInfo("America/Chicago")
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"


def sign_in(page, server, who="staff"):
    page.goto(server.base + "/ui/")
    page.get_by_test_id(f"sign-in-{who}").click()


def individuals(server, until=lambda people: True):
    """The Activity tab's rows by e-mail, once `until` holds: the judge counts tracked-link hits
    from the table's stream, a moment after the click (10 s at most)."""
    for _ in range(100):
        status, body, _ = server.api.call("GET", f"/v1/jobs/{JOB}/activity/individuals?limit=500", server.staff)
        assert status == 200, body
        people = {person["email"]: person for person in body["items"]}
        if until(people):
            return people
        time.sleep(0.1)
    raise AssertionError(f"never settled: {people}")


def local_time(iso):
    """The instant as the Activity tab shows it: "Nov 25, 2026, 9:00:05 AM CST" in the job's zone."""
    at = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(JOB_ZONE)
    return f"{at:%b} {at.day}, {at.year}, {at.hour % 12 or 12}:{at:%M:%S} {at:%p} {at.tzname()}"


def plain(text):
    """Chromium's ICU puts narrow no-break spaces in times."""
    return re.sub(r"[\u202f\u00a0]", " ", text)


@pytest.fixture(scope="module")
def landed(server, browser):
    """Staff create the demo job and blast in the app; Zoë opens her tracked link in a tab of her own."""
    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    page = staff.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    sign_in(page, server)
    page.get_by_test_id("create-demo").click()
    links = page.get_by_test_id("tracked-link")
    expect(links).to_have_count(2)
    shot(page, "01-demo-blast-links")
    link = links.filter(has_text="zoe@bidder.test").get_attribute("href")
    staff.close()

    # A person's browser: headless Chromium's own user agent says "HeadlessChrome", which the
    # scanner rules rightly take for a robot.
    recipient = browser.new_context(viewport={"width": 1280, "height": 900}, user_agent=CHROME)
    tab = recipient.new_page()
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    tab.goto(link)
    expect(tab.get_by_test_id("tracking-status")).to_contain_text("Recorded your view")
    result = {
        "link": link,
        "url": tab.url,
        "title": tab.get_by_test_id("planroom-title").inner_text(),
        "stored_session": tab.evaluate("sessionStorage.getItem('planroom.contact_session')"),
        "errors": errors,
    }
    shot(tab, "02-recipient-landing")
    tab.get_by_test_id("download-file").click()
    expect(tab.get_by_test_id("tracking-status")).to_contain_text("Recorded your download")
    recipient.close()
    return result


def test_a_recipient_lands_on_the_planroom_page_and_the_view_is_recorded(landed, server):
    # The link went through the redirect to the demo planroom page of the file.
    assert landed["link"].startswith(server.base + "/r/")
    assert landed["url"].startswith(server.base + f"/ui/planroom/jobs/{JOB}/files/add-3"), landed["url"]
    assert landed["title"] == "Elm Street School — Addendum 3.pdf"
    # The session arrived in the fragment, was kept for the tab and taken out of the address bar.
    assert "contact_session" not in landed["url"]
    assert landed["stored_session"], "the page keeps the session for the tab's life"
    zoe = individuals(server, lambda people: "zoe@bidder.test" in people)["zoe@bidder.test"]
    assert zoe["name"] == "Zoë Ångström"
    assert zoe["files_viewed"] == 1 and zoe["downloads"] == 1
    assert zoe["first_at"] and zoe["automated_hits"] == 0
    status, detail, _ = server.api.call("GET", f"/v1/jobs/{JOB}/activity/individuals/{zoe['individual_id']}", server.staff)
    assert status == 200, detail
    view = next(r for r in detail["items"] if r["activity"] == "view")
    # The link's hit, then the page's own view on landing: one click is one view; the page's
    # script confirms the click was a person's.
    assert view["object"] == {"kind": "file", "id": "add-3", "name": "Addendum 3.pdf"}
    assert view["count"] == 1 and not view["automated"]
    assert view["first_at"] == zoe["first_at"]
    assert landed["errors"] == []


def more_recipients(server, count):
    """A second blast of the demo job, sent an hour ago, whose recipients each open their link."""
    sent_at = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    recipients = [{"email": f"bidder{n:02}@bidders.test", "name": f"Bidder {n:02}", "company_name": "Bidders"}
                  for n in range(1, count + 1)]
    blast = {"name": "Bid day moved", "sent_at": sent_at, "recipients": recipients,
             "targets": [{"kind": "file", "id": "a-101", "name": "A-101 Site plan.pdf", "action": "view"}]}
    status, body, _ = server.api.call("POST", f"/v1/jobs/{JOB}/blasts", server.staff, blast)
    assert status == 201, body
    for link in body["links"]:
        status, location = follow_once(link["url"], CHROME)
        assert status == 302 and "#contact_session=" in location, (status, location)


def test_staff_see_the_recipient_sort_page_drill_down_and_download_a_pdf(landed, server, page):
    more_recipients(server, 11)
    people = individuals(server, lambda people: len(people) >= 12)
    assert len(people) == 12
    zoe = people["zoe@bidder.test"]

    sign_in(page, server)
    page.goto(server.base + f"/ui/#/jobs/{JOB}")
    # The job opens on its coverage; the Activity tab is one click away.
    expect(page.get_by_test_id("tab-coverage")).to_have_attribute("aria-current", "page")
    page.get_by_test_id("tab-activity").click()
    expect(page.get_by_test_id("tab-activity")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("job-title")).to_contain_text("Elm Street School")
    rows = page.get_by_test_id("individual-row")
    page.get_by_test_id("page-size").select_option("10")
    expect(rows).to_have_count(10)

    # Sorted by first access (keyboard: focus the header's button, Enter): Zoë came first.
    page.get_by_test_id("sort-first-at").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("sort-first-at").locator("xpath=..")).to_have_attribute("aria-sort", "ascending")
    expect(rows.first).to_contain_text("Zoë Ångström")
    first_view = rows.first.get_by_test_id("first-access").locator("time")
    expect(first_view).to_have_attribute("datetime", zoe["first_at"])
    assert plain(first_view.inner_text()) == local_time(zoe["first_at"])
    instants = [rows.nth(i).get_by_test_id("first-access").locator("time").get_attribute("datetime") for i in range(10)]
    assert instants == sorted(instants), instants
    shot(page, "03-activity-tab")

    # By name: the bidders first, Zoë on the second page; back to the first.
    page.get_by_test_id("sort-name").click()
    expect(rows.first).to_contain_text("Bidder 01")
    names = [rows.nth(i).locator("th").inner_text() for i in range(10)]
    assert names == [f"Bidder {n:02}" for n in range(1, 11)], names
    page.get_by_test_id("next-page").click()
    expect(rows).to_have_count(2)
    expect(rows.last).to_contain_text("Zoë Ångström")
    page.get_by_test_id("prev-page").click()
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text("Bidder 01")

    # The blasts' funnels and the file's "who opened it, who has not".
    funnels = page.get_by_test_id("blast-funnel")
    expect(funnels).to_have_count(2)
    expect(page.get_by_test_id("first-views-chart")).to_be_visible()
    page.goto(server.base + f"/ui/#/jobs/{JOB}/files/add-3")
    expect(page.get_by_test_id("file-opened")).to_contain_text("zoe@bidder.test")
    expect(page.get_by_test_id("file-not-opened")).to_contain_text("sam@builder.test")
    shot(page, "04-file-who-opened")

    # Drill down to Zoë.
    page.goto(server.base + f"/ui/#/jobs/{JOB}/activity")
    page.get_by_test_id("sort-first-at").click()
    expect(rows.first).to_contain_text("Zoë Ångström")
    rows.first.click()
    expect(page.get_by_test_id("individual-name")).to_have_text("Zoë Ångström")
    expect(page.get_by_test_id("individual-records")).to_contain_text("Addendum 3.pdf")
    shot(page, "05-individual")

    # A PDF summary of the job: progress until ready, then a download.
    page.goto(server.base + f"/ui/#/jobs/{JOB}/activity")
    page.get_by_test_id("report-pdf-summary").click()
    expect(page.get_by_test_id("export-status")).to_contain_text("PDF")
    download_link = page.get_by_test_id("export-download")
    expect(download_link).to_be_visible(timeout=60_000)
    shot(page, "06-report-ready")
    assert page.console.app_errors() == []
    # The presigned URL asks S3 for `Content-Disposition: attachment` (its
    # `response-content-disposition` parameter); S3 answers with that header, the stand-in does
    # not, so the test adds what the URL asked for, as S3 would.
    page.route(f"{os.environ['AWS_ENDPOINT_URL']}/**", answer_as_s3_would)
    with page.expect_download() as downloading:
        download_link.click()
    download = downloading.value
    # Named after the job, not an id (the day it was asked for, in the job's time zone).
    assert re.fullmatch(r"24-017 Elm Street School - activity summary \d{4}-\d{2}-\d{2}\.pdf", download.suggested_filename), (
        download.suggested_filename
    )
    pdf = ARTIFACTS / "summary.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = plain(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout)
    assert "Elm Street School" in text and "Zoë Ångström" in text and "Bidder 11" in text, text[:2000]


def test_errors_and_a_customers_view_are_shown_clearly(landed, server, page):
    sign_in(page, server)
    page.goto(server.base + "/ui/#/jobs/no-such-job")
    expect(page.get_by_test_id("error").first).to_contain_text("No such job")
    shot(page, "07-not-found")

    # An expired or forged token: the app says so and offers to sign in again.
    page.evaluate("sessionStorage.setItem('activity.token', 'not-a-token')")
    page.goto(server.base + f"/ui/#/jobs/{JOB}")
    page.reload()
    expect(page.get_by_test_id("error").first).to_contain_text("sign in again")

    # A customer of the job's company sees its activity but not the planroom-wide chart.
    page.get_by_test_id("sign-in-customer").click()
    page.goto(server.base + f"/ui/#/jobs/{JOB}/activity")
    expect(page.get_by_test_id("individual-row").first).to_be_visible()
    expect(page.get_by_test_id("first-views-chart")).to_have_count(0)
    assert page.console.app_errors(expected_statuses=(401, 404)) == []


def test_a_job_without_activity_is_empty_and_a_busy_service_is_retried(landed, server, page):
    status, body, _ = server.api.call("PUT", "/v1/jobs/job-quiet", server.staff, {"name": "Quiet Job", "time_zone": "Europe/Paris"})
    assert status == 201, body
    sign_in(page, server)
    page.goto(server.base + "/ui/#/jobs/job-quiet")
    expect(page.get_by_test_id("job-title")).to_contain_text("Quiet Job")
    expect(page.get_by_test_id("empty").first).to_be_visible()

    # DynamoDB throttling as the API reports it (503 with Retry-After), injected once on the wire
    # in front of the dev server, as the end-to-end tests inject DynamoDB's own errors.
    busy = {"error": {"code": "unavailable", "message": "storage is busy; retry after the Retry-After seconds"}}
    answered = []

    def once_busy(route):
        if answered:
            route.continue_()
            return
        answered.append(route.request.url)
        route.fulfill(status=503, headers={"Retry-After": "1", "Cache-Control": "no-store"},
                      content_type="application/json", body=json.dumps(busy))

    page.route(lambda url: url.startswith(f"{server.base}/v1/jobs/{JOB}/activity/individuals?"), once_busy)
    page.goto(server.base + f"/ui/#/jobs/{JOB}/activity")
    error = page.get_by_test_id("error").first
    expect(error).to_contain_text("The service is busy, retry")
    expect(error).to_contain_text("wait 1 s")
    shot(page, "08-busy")
    error.get_by_role("button", name="Retry").click()
    expect(page.get_by_test_id("individual-row").first).to_be_visible()
    assert len(answered) == 1
    assert page.console.app_errors(expected_statuses=(503,)) == []


def preflights_seen(server):
    log = (ARTIFACTS / "devserver.log").read_text(errors="replace")
    return len(re.findall(r'"method":"OPTIONS"', log))


def test_preflights_from_an_allowed_origin_pass_and_from_a_refused_one_fail(landed, server, page, sites):
    api = server.base
    fetch = """async ([url, token]) => {
        try {
            const res = await fetch(url, {headers: {authorization: 'Bearer ' + token}});
            return {ok: true, status: res.status, body: await res.json()};
        } catch (err) { return {ok: false, error: String(err)}; }
    }"""
    url = f"{api}/v1/jobs/{JOB}"
    allowed_site, refused_site = sites
    # A page of another origin on this machine (localhost): allowed by default.
    before = preflights_seen(server)
    page.goto(allowed_site)
    allowed = page.evaluate(fetch, [url, server.staff])
    assert allowed["ok"] and allowed["status"] == 200 and allowed["body"]["name"] == "Elm Street School", allowed
    assert preflights_seen(server) > before, "the browser asked first (an Authorization header is not simple)"

    # A page of an origin that is not allowed (127.0.0.2, loopback too): the browser refuses the answer.
    before = preflights_seen(server)
    page.goto(refused_site)
    refused = page.evaluate(fetch, [url, server.staff])
    assert not refused["ok"] and "Failed to fetch" in refused["error"], refused
    assert preflights_seen(server) > before, "refused after asking, not before"
    assert any("blocked by CORS policy" in e and "Access-Control-Allow-Origin" in e for e in page.console.errors), page.console.errors

    # What the browser got, asked directly.
    for origin, allowed_origin in ((allowed_site, True), (refused_site, False)):
        status, _, headers = server.api.call("OPTIONS", f"/v1/jobs/{JOB}", headers={
            "Origin": origin, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})
        headers = {k.lower(): v for k, v in headers.items()}
        assert status == 204
        if allowed_origin:
            assert headers["access-control-allow-origin"] == origin
            assert "authorization" in headers["access-control-allow-headers"]
        else:
            assert "access-control-allow-origin" not in headers


def test_the_snippet_on_a_planroom_site_of_another_origin_records_the_recipient(landed, server, browser, sites):
    """The documented snippet on the planroom's own site (another origin than the API): it takes
    the session from the fragment, clears it from the address, keeps it for the tab, and posts
    through CORS with X-Contact-Session."""
    site, _ = sites
    sent_at = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    status, body, _ = server.api.call("POST", f"/v1/jobs/{JOB}/blasts", server.staff, {
        "name": "Snippet check", "sent_at": sent_at,
        "recipients": [{"email": "ines@snippet.test", "name": "Inès Snippet"}],
        "targets": [{"kind": "file", "id": "e-201", "name": "E-201 Lighting.pdf", "action": "view"}]})
    assert status == 201, body
    status, location = follow_once(body["links"][0]["url"], CHROME)
    assert status == 302
    session = location.split("#contact_session=", 1)[1]

    context = browser.new_context(user_agent=CHROME)
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    tab.goto(f"{site}/jobs/{JOB}/files/e-201#contact_session={session}")
    expect(tab.locator("#status")).to_contain_text('"ok":true')
    assert tab.url == f"{site}/jobs/{JOB}/files/e-201", "the session is taken out of the address"
    tab.locator("#download").click()
    expect(tab.locator("#status")).to_contain_text('"first":true')
    # Another page of the site in the same tab, without the fragment: the session was kept.
    tab.goto(f"{site}/jobs/{JOB}/files/e-201")
    expect(tab.locator("#status")).to_contain_text('"count":2')
    context.close()
    assert errors == []

    ines = individuals(server, lambda people: "ines@snippet.test" in people)["ines@snippet.test"]
    assert (ines["files_viewed"], ines["downloads"], ines["automated_hits"]) == (1, 1, 0), ines
    status, detail, _ = server.api.call("GET", f"/v1/jobs/{JOB}/activity/individuals/{ines['individual_id']}", server.staff)
    view = next(r for r in detail["items"] if r["activity"] == "view")
    assert view["count"] == 2, "the link's hit (its landing page's view is the same view), then a second page view"
