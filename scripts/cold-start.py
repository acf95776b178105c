"""Cold start of each function, locally: a stand-in for the Lambda Runtime API hands one event to a
freshly started release binary and times start -> response. Figures go to BENCHMARKS.md.

Usage (after `cargo build --release -p capture -p redirect -p query -p export` and with the local
AWS stand-in running, `. scripts/env.sh` sourced): python3 scripts/cold-start.py
"""
import http.server
import json
import os
import subprocess
import threading
import time

CLAIMS = {"sub": "u1", "email": "pat@planroom.test", "name": "Pat", "planroom_id": "cold", "role": "staff", "approved": "true"}


def http_event(route, path, claims=True, body=None):
    method, _ = route.split(" ", 1)
    context = {"routeKey": route, "http": {"method": method, "path": path, "sourceIp": "127.0.0.1", "userAgent": "cold"},
               "requestId": "r1", "accountId": "local", "apiId": "local", "stage": "$default", "timeEpoch": 0}
    if claims:
        context["authorizer"] = {"jwt": {"claims": CLAIMS, "scopes": None}}
    params = {k: v for k, v in [("job_id", "job-1"), ("export_id", "e-none"), ("token", "x.y.z")] if "{" + k + "}" in route}
    return {"version": "2.0", "routeKey": route, "rawPath": path, "rawQueryString": "", "headers": {"content-type": "application/json"},
            "pathParameters": params or None, "requestContext": context, "body": body, "isBase64Encoded": False}


FUNCTIONS = [
    ("capture", http_event("POST /v1/events", "/v1/events", body=json.dumps(
        {"events": [{"job_id": "job-1", "activity": "view", "object": {"kind": "file", "id": "f1"}}]}))),
    ("redirect", http_event("GET /r/{token}", "/r/x.y.z", claims=False)),
    ("query", http_event("GET /v1/jobs/{job_id}/activity/individuals", "/v1/jobs/job-1/activity/individuals")),
    ("export", http_event("GET /v1/exports/{export_id}", "/v1/exports/e-none")),
    ("export-worker", {"Records": []}),
]


def measure(binary, event):
    done = threading.Event()
    result = {}

    class RuntimeApi(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if "served" in result:
                time.sleep(5)
            result["served"] = True
            body = json.dumps(event).encode()
            self.send_response(200)
            self.send_header("Lambda-Runtime-Aws-Request-Id", "req-1")
            self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
            self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:cold")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            result["answer"] = self.rfile.read(length).decode()[:120]
            result["elapsed"] = time.perf_counter() - result["started"]
            result["kind"] = self.path.rsplit("/", 1)[-1]
            self.send_response(202)
            self.end_headers()
            done.set()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}", AWS_LAMBDA_FUNCTION_NAME=binary,
               AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256", AWS_LAMBDA_FUNCTION_VERSION="1", AWS_LAMBDA_LOG_STREAM_NAME="cold",
               AWS_LAMBDA_LOG_GROUP_NAME="cold", SIGNING_KEYS="dev:ZGV2LW9ubHktc2lnbmluZy1rZXktZG8tbm90LWRlcGxveS0wMDAw")
    result["started"] = time.perf_counter()
    process = subprocess.Popen([f"target/release/{binary}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done.wait(30)
    process.kill()
    server.shutdown()
    return result


def main():
    for binary, event in FUNCTIONS:
        runs = [measure(binary, event) for _ in range(5)]
        times = sorted(r.get("elapsed", float("nan")) * 1000 for r in runs)
        size = os.path.getsize(f"target/release/{binary}")
        print(f"{binary:14} start->first response: median {times[2]:6.1f} ms (min {times[0]:.1f}, max {times[-1]:.1f})"
              f"  answer: {runs[0].get('kind')} {runs[0].get('answer', '')[:60]!r}  x86_64 release binary {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
