"""Webhook deliveries verified by a receiver that uses the Standard Webhooks specification's own
Python library (PyPI `standardwebhooks`), against the dev server the browser tests run: what any
receiver written to the specification accepts. (In this suite for its dev server and venv; no
browser is involved.)"""

import http.server
import json
import threading
import time
import uuid

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


class Receiver:
    """An HTTP endpoint on a loopback port that keeps what it receives."""

    def __init__(self):
        self.received = []
        received = self.received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count, within=20):
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return self.received
            time.sleep(0.1)
        raise AssertionError(f"got {len(self.received)} of {count} deliveries")


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def first_access(server, job, file_id):
    status, body, _ = server.api.call(
        "POST", "/v1/events", server.staff,
        {"events": [{"job_id": job, "activity": "view", "object": {"kind": "file", "id": file_id, "name": f"{file_id}.pdf"}}]},
    )
    assert status == 200, body


def test_deliveries_verify_with_the_specifications_library_before_and_during_a_rotation(server, receiver):
    job = f"hooks-{uuid.uuid4().hex[:8]}"
    status, body, _ = server.api.call("PUT", f"/v1/jobs/{job}", server.staff, {"name": "Harbor Pier", "number": "24-020"})
    assert status in (200, 201), body
    status, endpoint, _ = server.api.call(
        "POST", "/v1/webhooks", server.staff, {"url": receiver.url, "events": ["access.first"], "job_id": job}
    )
    assert status == 201, endpoint
    secret = endpoint["secret"]

    first_access(server, job, "add-3")
    headers, body = receiver.wait_for(1)[0]
    payload = Webhook(secret).verify(body, headers)
    assert payload["type"] == "access.first"
    assert payload["data"]["object"]["id"] == "add-3"
    assert payload["data"]["job_id"] == job
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=").verify(body, headers)
    tampered = body.replace(b"add-3", b"add-4")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, headers)

    status, rotated, _ = server.api.call("POST", f"/v1/webhooks/{endpoint['webhook_id']}/rotate", server.staff, {})
    assert status == 200, rotated
    first_access(server, job, "add-4")
    headers, body = receiver.wait_for(2)[1]
    # Both the new secret and, for the rotation's 24 hours, the old one verify.
    assert Webhook(rotated["secret"]).verify(body, headers)["data"]["object"]["id"] == "add-4"
    assert Webhook(secret).verify(body, headers)["data"]["object"]["id"] == "add-4"

    status, listed, _ = server.api.call("GET", f"/v1/webhooks/{endpoint['webhook_id']}/deliveries", server.staff)
    assert status == 200, listed
    assert {d["message_id"] for d in listed["items"]} == {h["webhook-id"] for h, _ in receiver.received}
    assert all(d["status"] == "delivered" for d in listed["items"]), json.dumps(listed)
