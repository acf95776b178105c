"""Fixtures of the browser tests: a dev server of their own (own table and bucket) serving the built
web client, headless Debian Chromium driven by Playwright, and a small JSON client of the API."""

import http.server
import json
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "target" / "browser-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The dev server binary: target/debug/devserver unless DEVSERVER names another (a copy, say).
DEVSERVER = Path(os.environ.get("DEVSERVER") or ROOT / "target" / "debug" / "devserver")
# Without the background-networking flags Chromium keeps trying to reach Google's hosts, which this
# closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Api:
    """JSON over HTTP to the dev server, as a planroom's back office would call it."""

    def __init__(self, base):
        self.base = base

    def call(self, method, path, token=None, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=20) as res:
                raw = res.read()
                return res.status, (json.loads(raw) if raw else None), dict(res.headers)
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            return err.code, parsed, dict(err.headers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def follow_once(url, user_agent):
    """GET a tracked link without following the redirect: (status, Location)."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with opener.open(request, timeout=20) as res:
            return res.status, res.headers.get("Location")
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Location")


def answer_as_s3_would(route):
    """A route handler for the stand-in's presigned downloads: S3 answers with the
    `Content-Disposition` its URL asked for (`response-content-disposition`); the stand-in does not,
    so this adds it as S3 would."""
    response = route.fetch()
    headers = dict(response.headers)
    asked = parse_qs(urlsplit(route.request.url).query).get("response-content-disposition")
    if asked:
        headers["content-disposition"] = asked[0]
    route.fulfill(response=response, headers=headers)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, base, config):
        self.base = base
        self.config = config
        self.api = Api(base)
        self.staff = config["dev_tokens"]["staff"]
        self.customer = config["dev_tokens"]["customer"]


@pytest.fixture(scope="session")
def server():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        PORT=str(port),
        TABLE_NAME=f"planroom-activity-browser-{uuid.uuid4().hex[:12]}",
        BUCKET_NAME="planroom-activity-exports-browser",
        RUST_LOG=os.environ.get("RUST_LOG", "info"),
    )
    log = open(ARTIFACTS / "devserver.log", "w")
    process = subprocess.Popen([str(DEVSERVER)], env=env, stdout=log, stderr=log)
    config = None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(base + "/ui/config.json", timeout=2) as res:
                config = json.loads(res.read())
                break
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.3)
    if config is None:
        process.kill()
        raise RuntimeError(f"the dev server did not start; see {ARTIFACTS / 'devserver.log'}")
    try:
        yield Server(base, config)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Console:
    """What the page said on its console and which errors it threw."""

    def __init__(self):
        self.errors = []

    def watch(self, page):
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    def app_errors(self, expected_statuses=()):
        """Errors of the page itself: the browser's own note of a deliberately provoked HTTP error
        status ("Failed to load resource: ... status of 401") is not one."""
        provoked = [f"status of {status}" for status in expected_statuses]
        return [e for e in self.errors if not any(p in e for p in provoked)]


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    console = Console()
    console.watch(page)
    page.console = console
    yield page
    context.close()


def shot(page, name):
    """Saves a screenshot as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


PLANROOM_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Plans</title>
<link rel="icon" href="data:,"></head><body><p id="status">starting</p>
<button id="download">Download</button>
<script type="module">
  import { startTracking } from '/tracker.js';
  const tracker = startTracking({ apiBase: '%(api)s' });
  const file = location.pathname.split('/files/')[1];
  const show = (r) => { document.querySelector('#status').textContent = JSON.stringify(r); };
  tracker.view({ kind: 'file', id: file }).then(show);
  document.querySelector('#download').onclick = () => tracker.download({ kind: 'file', id: file }).then(show);
</script></body></html>"""

ELSEWHERE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Elsewhere</title>
<link rel="icon" href="data:,"></head><body><p>A page of another origin.</p></body></html>"""


class Site:
    """A planroom's own web site on this machine, apart from the API: the documented snippet
    (web/dist/tracker.js, as the planroom would copy it) on every page under /jobs/."""

    def __init__(self, api, host):
        tracker = (ROOT / "web" / "dist" / "tracker.js").read_bytes()
        page = (PLANROOM_PAGE % {"api": api}).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/tracker.js":
                    body, kind = tracker, "text/javascript"
                elif self.path.startswith("/jobs/"):
                    body, kind = page, "text/html; charset=utf-8"
                else:
                    body, kind = ELSEWHERE_PAGE.encode(), "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture(scope="session")
def sites(server):
    """The planroom's site at http://localhost:{port} (an allowed origin by default) and the same
    site at http://127.0.0.2:{port} (loopback too, but not an allowed origin)."""
    allowed, refused = Site(server.base, "127.0.0.1"), Site(server.base, "127.0.0.2")
    try:
        yield f"http://localhost:{allowed.port}", f"http://127.0.0.2:{refused.port}"
    finally:
        allowed.close()
        refused.close()
