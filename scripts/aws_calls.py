"""The AWS calls the local stand-in answered, by who made them, and the IAM actions they need.

The dev server gives each function's clients credentials whose access key id is the function's
logical id in the template (`CaptureFunction`, ...), as each Lambda function calls AWS with its own
role on AWS. The stand-in (`scripts/moto_server.py`) records every request it answers, reduced to
who sent it and what it touched (`Recorder`, one JSON line per distinct call when
`STAND_IN_CALL_LOG` names a file). `iam_requests` turns a recorded call into the IAM actions and
resources AWS authorises it against, which `scripts/deploy_rehearsal.py` checks against each
function's role in the deployed stack.
"""

import io
import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

# `Credential=AKID/20261204/us-east-1/dynamodb/aws4_request`, in a header or a presigned query.
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[0-9]{8}/([^/]+)/([^/]+)/aws4_request")

# JSON-protocol services: the fields of a body that name what the call touches.
_BODY_FIELDS = ("TableName", "IndexName", "StreamArn", "SecretId", "QueueUrl", "Name", "GroupName", "ScheduleName")


def principal_and_service(environ: dict[str, Any]) -> tuple[Optional[str], Optional[str]]:
    """The access key id and the service of a signed request (header or presigned URL)."""
    text = environ.get("HTTP_AUTHORIZATION", "") or urllib.parse.unquote(environ.get("QUERY_STRING", ""))
    found = _CREDENTIAL.search(text)
    return (found.group(1), found.group(3)) if found else (None, None)


def reduce_call(environ: dict[str, Any], body: bytes) -> Optional[dict[str, Any]]:
    """What a request shows of its caller, its operation and what it touches; `None` when unsigned."""
    principal, service = principal_and_service(environ)
    if principal is None:
        return None
    call: dict[str, Any] = {"principal": principal, "service": service}
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        call["operation"] = target.rsplit(".", 1)[-1]
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = {}
        if isinstance(payload, dict):
            call.update({k: payload[k] for k in _BODY_FIELDS if isinstance(payload.get(k), str)})
            if isinstance(payload.get("RequestItems"), dict):
                call["Tables"] = sorted(payload["RequestItems"])
            if isinstance(payload.get("TransactItems"), list):
                call["TransactItems"] = sorted(
                    {
                        (kind, part.get("TableName", ""))
                        for item in payload["TransactItems"]
                        if isinstance(item, dict)
                        for kind, part in item.items()
                        if isinstance(part, dict)
                    }
                )
        return call
    # REST services (S3): the method, the path and the query's names say the operation.
    call["method"] = environ.get("REQUEST_METHOD", "GET")
    call["path"] = environ.get("PATH_INFO", "/")
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    call["query"] = sorted(k for k in query if not k.lower().startswith("x-amz-") and not k.startswith("response-"))
    if query.get("prefix"):
        # A listing's prefix is a condition key of s3:ListBucket (`s3:prefix`).
        call["prefix"] = query["prefix"][0]
    return call


def _dedup_key(call: dict[str, Any]) -> str:
    """Calls that need the same permissions: an object key counts by its first segment only."""
    reduced = dict(call)
    if "path" in reduced:
        parts = reduced["path"].lstrip("/").split("/", 2)
        reduced["path"] = "/".join(parts[:2]) + ("/…" if len(parts) > 2 else "")
    if "prefix" in reduced:
        reduced["prefix"] = reduced["prefix"].split("/", 1)[0] + "/…"
    return json.dumps(reduced, sort_keys=True)


def condition_context(call: dict[str, Any]) -> dict[str, list[str]]:
    """The IAM condition keys a call carries that policies may test (`s3:prefix` of a listing)."""
    return {"s3:prefix": [call["prefix"]]} if "prefix" in call else {}


class Recorder:
    """WSGI middleware: records each distinct signed call to `path` (JSON lines), then serves it."""

    def __init__(self, app: Any, path: str):
        self.app = app
        self.path = path
        self.seen: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        call = reduce_call(environ, body)
        if call is not None:
            key = _dedup_key(call)
            with self.lock:
                if key not in self.seen:
                    self.seen.add(key)
                    with open(self.path, "a", encoding="utf-8") as log:
                        log.write(json.dumps(call, sort_keys=True) + "\n")
        return self.app(environ, start_response)


def read_log(path: str) -> list[dict[str, Any]]:
    """The recorded calls."""
    with open(path, encoding="utf-8") as log:
        return [json.loads(line) for line in log if line.strip()]


@dataclass(frozen=True)
class Resources:
    """Where the deployed stack's resources are, to name a recorded call's resources as AWS would."""

    partition: str
    region: str
    account: str
    table: str
    table_stream_arn: str
    bucket: str
    queue_arn: str
    secret_name: str
    # The queue each function's SQS calls touch, when not `queue_arn` (the webhook function's
    # delivery queue); locally every test has a queue of its own, named apart.
    queue_by_principal: dict[str, str] = field(default_factory=dict)
    bus_arn: str = ""
    schedule_group: str = ""
    scheduler_role_arn: str = ""

    def table_arn(self, index: Optional[str] = None) -> str:
        arn = f"arn:{self.partition}:dynamodb:{self.region}:{self.account}:table/{self.table}"
        return f"{arn}/index/{index}" if index else arn

    def secret_arn(self) -> str:
        # Secrets Manager appends six random characters to a secret's name in its ARN.
        return f"arn:{self.partition}:secretsmanager:{self.region}:{self.account}:secret:{self.secret_name}-AbCdEf"


# DynamoDB operations whose IAM action is their own name on the table (or index).
_DYNAMODB_OWN = {
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "DescribeTable",
    "ConditionCheckItem", "DescribeTimeToLive",
}
# What each part of a TransactWriteItems / TransactGetItems is authorised as.
_TRANSACT_ACTIONS = {
    "Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def iam_requests(call: dict[str, Any], where: Resources) -> list[tuple[str, str]]:
    """The (action, resource ARN) pairs AWS authorises `call` against (an empty list for a call no
    function's role is asked about, such as the test harness's own)."""
    service, op = call.get("service"), call.get("operation")
    if service == "dynamodb" and op in ("DescribeStream", "GetShardIterator", "GetRecords", "ListStreams"):
        # DynamoDB Streams signs with the service name dynamodb too.
        return [(f"dynamodb:{op}", where.table_stream_arn if op != "ListStreams" else "*")]
    if service == "dynamodb":
        if op in _DYNAMODB_OWN:
            return [(f"dynamodb:{op}", where.table_arn(call.get("IndexName")))]
        if op in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{op}", where.table_arn())]
        if op in ("TransactWriteItems", "TransactGetItems"):
            return [(f"dynamodb:{_TRANSACT_ACTIONS[kind]}", where.table_arn()) for kind, _ in call["TransactItems"]]
        return [(f"dynamodb:{op}", where.table_arn())]
    if service == "secretsmanager":
        return [(f"secretsmanager:{op}", where.secret_arn())]
    if service == "sqs":
        return [(f"sqs:{op}", where.queue_by_principal.get(call.get("principal", ""), where.queue_arn))]
    if service == "events":
        return [(f"events:{op}", where.bus_arn)]
    if service == "scheduler":
        return _scheduler_requests(call, where)
    if service == "s3":
        return [_s3_request(call, where)]
    return [(f"{service}:{op or call.get('method')}", "*")]


def _scheduler_requests(call: dict[str, Any], where: Resources) -> list[tuple[str, str]]:
    """EventBridge Scheduler is a REST service: `/schedules/{name}`, the method says the operation;
    creating or moving a schedule passes its role (iam:PassRole on the role)."""
    parts = call.get("path", "").strip("/").split("/")
    if len(parts) != 2 or parts[0] != "schedules":
        return [(f"scheduler:{call.get('method')}", "*")]
    action = {"POST": "CreateSchedule", "PUT": "UpdateSchedule", "DELETE": "DeleteSchedule"}.get(call["method"], "GetSchedule")
    arn = f"arn:{where.partition}:scheduler:{where.region}:{where.account}:schedule/{where.schedule_group}/{parts[1]}"
    requests = [(f"scheduler:{action}", arn)]
    if action in ("CreateSchedule", "UpdateSchedule"):
        requests.append(("iam:PassRole", where.scheduler_role_arn))
    return requests


def _s3_request(call: dict[str, Any], where: Resources) -> tuple[str, str]:
    path = call["path"].lstrip("/")
    _bucket, _, key = path.partition("/")
    method, query = call["method"], set(call.get("query", []))
    bucket_arn = f"arn:{where.partition}:s3:::{where.bucket}"
    if not key:
        action = {"GET": "s3:ListBucket", "HEAD": "s3:ListBucket", "PUT": "s3:CreateBucket"}.get(method, f"s3:{method}")
        return action, bucket_arn
    if method == "DELETE":
        action = "s3:AbortMultipartUpload" if "uploadId" in query else "s3:DeleteObject"
    elif method in ("GET", "HEAD"):
        action = "s3:ListMultipartUploadParts" if "uploadId" in query else "s3:GetObject"
    else:
        # PutObject, CreateMultipartUpload (?uploads), UploadPart, CompleteMultipartUpload.
        action = "s3:PutObject"
    return action, f"{bucket_arn}/{key}"


def principals(calls: Iterable[dict[str, Any]]) -> set[str]:
    """Who made the recorded calls."""
    return {c["principal"] for c in calls}
