"""Conformance of the patched stand-in: the same DynamoDB calls against stock moto and against
moto with `scripts/moto_patches.py` give identical answers, table contents and stream records.

The calls are the ones the service makes (conditional puts, counter updates, transactions of a
first access, batch writes, index Queries paged with Limit and ExclusiveStartKey in both
directions, filters, projections), plus what breaks naive indexes: transactions that fail half
way, conditional writes that fail, items moving between index partitions or leaving a sparse
index, deletes. A seeded random walk adds a few thousand more of the same kinds. A last check shows
the one intended difference: a TransactWriteItems retried with its ClientRequestToken is applied
once by the patched stand-in, as by DynamoDB.

Usage: .venv/bin/python scripts/moto_conformance.py [--ops N] [--seed S]
"""

import argparse
import copy
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any, Callable

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

TABLE = "conformance"
SCRIPTS = os.path.dirname(os.path.abspath(__file__))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A stand-in process on a port of its own."""

    def __init__(self, stock: bool):
        self.port = free_port()
        args = [sys.executable, os.path.join(SCRIPTS, "moto_server.py"), "127.0.0.1", str(self.port)]
        if stock:
            args.append("--stock")
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1)
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.1)
        else:
            raise SystemExit(f"stand-in on {url} did not start")
        session = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1")
        config = Config(retries={"max_attempts": 1})
        self.db = session.client("dynamodb", endpoint_url=url, config=config)
        self.streams = session.client("dynamodbstreams", endpoint_url=url, config=config)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def s(v: str) -> dict:
    return {"S": v}


def create_table(db: Any) -> None:
    attrs = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"]
    db.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in attrs],
        GlobalSecondaryIndexes=[
            {
                "IndexName": name,
                "KeySchema": [{"AttributeName": h, "KeyType": "HASH"}, {"AttributeName": r, "KeyType": "RANGE"}],
                "Projection": projection,
            }
            for name, h, r, projection in [
                ("gsi1", "gsi1pk", "gsi1sk", {"ProjectionType": "ALL"}),
                ("gsi2", "gsi2pk", "gsi2sk", {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["name"]}),
            ]
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )


def call(db: Any, op: str, **kwargs: Any) -> Any:
    """The answer, or the error as DynamoDB describes it, without what varies between runs."""
    try:
        answer = getattr(db, op)(**kwargs)
    except ClientError as e:
        error = e.response.get("Error", {})
        return {"error": error.get("Code"), "message": error.get("Message"), "reasons": e.response.get("CancellationReasons")}
    answer.pop("ResponseMetadata", None)
    return answer


def contents(db: Any) -> list:
    items, start = [], None
    while True:
        page = db.scan(TableName=TABLE, **({"ExclusiveStartKey": start} if start else {}))
        items.extend(page["Items"])
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    return sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


def raw_stream_pages(server: Server) -> list:
    """GetRecords answers as sent on the wire, without what differs between runs (random
    iterator ids, the time of each record) — the SDK parses these bytes, not boto3's view."""
    import json as jsonlib

    arn = server.db.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    shard = server.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = server.streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    pages = []
    while iterator and len(pages) < 50:
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/",
            data=jsonlib.dumps({"ShardIterator": iterator, "Limit": 100}).encode(),
            headers={"X-Amz-Target": "DynamoDBStreams_20120810.GetRecords", "Content-Type": "application/x-amz-json-1.0",
                     "Authorization": "AWS4-HMAC-SHA256 Credential=local/20261126/us-east-1/dynamodb/aws4_request, "
                                      "SignedHeaders=host, Signature=0"},
        )
        page = jsonlib.loads(urllib.request.urlopen(request, timeout=30).read())
        if not page["Records"]:
            break
        for record in page["Records"]:
            created = record["dynamodb"].pop("ApproximateCreationDateTime")
            if not isinstance(created, (int, float)):
                raise SystemExit(f"ApproximateCreationDateTime is not epoch seconds: {created!r}")
            record.pop("eventID")
        iterator = page.pop("NextShardIterator")
        pages.append(page)
    return pages


def stream_records(server: Server) -> list:
    arn = server.db.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    out = []
    for shard in server.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = server.streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = server.streams.get_records(ShardIterator=iterator, Limit=1000)
            if not page["Records"]:
                break
            for r in page["Records"]:
                d = r["dynamodb"]
                out.append((r["eventName"], d["SequenceNumber"], d["Keys"], d.get("NewImage")))
            iterator = page.get("NextShardIterator")
    return out


class Pair:
    """Runs every call on both servers and insists on the same answer."""

    def __init__(self, stock: Server, patched: Server):
        self.stock, self.patched = stock, patched
        self.calls = 0

    def same(self, op: str, **kwargs: Any) -> Any:
        a, b = call(self.stock.db, op, **kwargs), call(self.patched.db, op, **kwargs)
        self.calls += 1
        if a != b:
            raise SystemExit(f"{op} differs\n  request: {kwargs}\n  stock:   {a}\n  patched: {b}")
        return a

    def all_pages(self, **query: Any) -> list:
        """Pages through a Query on both servers; the pages must match one by one."""
        pages, start = [], None
        for _ in range(1000):
            page = self.same("query", **query, **({"ExclusiveStartKey": start} if start else {}))
            pages.append(page)
            start = page.get("LastEvaluatedKey")
            if not start or "error" in page:
                return pages
        raise SystemExit(f"query did not end: {query}")

    def check_state(self, when: str) -> None:
        if contents(self.stock.db) != contents(self.patched.db):
            raise SystemExit(f"table contents differ {when}")


def key(pk: str, sk: str) -> dict:
    return {"pk": s(pk), "sk": s(sk)}


def scripted(pair: Pair) -> None:
    """The service's own calls and the cases that break naive indexes, spelled out."""
    same = pair.same
    job = "P#p1#J#j1"
    # Conditional creation of a first access, then a counter bump.
    record = {**key(job, "FA#i1#view#file#f1"), "gsi1pk": s(job + "#O#file#f1"), "gsi1sk": s("i1#view"),
              "gsi2pk": s("P#p1#M#2026-11"), "gsi2sk": s("2026-11-25T10:00:00.000Z#" + job), "count": {"N": "1"},
              "name": s("Zoë")}
    summary_update = dict(
        TableName=TABLE, Key=key(job, "IND#i1"),
        UpdateExpression="SET gsi1pk = :g, gsi1sk = :n, #name = :name ADD files :one",
        ExpressionAttributeNames={"#name": "name"},
        ExpressionAttributeValues={":g": s(job + "#IND"), ":n": s("zoe#i1"), ":name": s("Zoë"), ":one": {"N": "1"}},
    )
    first = [
        {"Put": {"TableName": TABLE, "Item": record, "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": summary_update},
    ]
    same("transact_write_items", TransactItems=first)
    same("transact_write_items", TransactItems=first)  # the record exists now: cancelled, nothing changes
    pair.check_state("after a cancelled first access")
    same("update_item", TableName=TABLE, Key=key(job, "FA#i1#view#file#f1"),
         UpdateExpression="SET #c = #c + :one", ConditionExpression="attribute_exists(pk)",
         ExpressionAttributeNames={"#c": "count"}, ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="ALL_NEW")
    same("update_item", TableName=TABLE, Key=key(job, "FA#nobody"), UpdateExpression="SET #c = :one",
         ConditionExpression="attribute_exists(pk)", ExpressionAttributeNames={"#c": "count"},
         ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValuesOnConditionCheckFailure="ALL_OLD")
    same("put_item", TableName=TABLE, Item=record, ConditionExpression="attribute_not_exists(pk)",
         ReturnValuesOnConditionCheckFailure="ALL_OLD")
    # A transaction that fails half way: its first two writes must be undone, stream included.
    same("transact_write_items", TransactItems=[
        {"Put": {"TableName": TABLE, "Item": {**key(job, "FA#i2#view#file#f1"), "gsi1pk": s(job + "#O#file#f1"),
                                              "gsi1sk": s("i2#view")}}},
        {"Update": {**summary_update, "Key": key(job, "IND#i2")}},
        {"ConditionCheck": {"TableName": TABLE, "Key": key(job, "FA#i1#view#file#f1"),
                            "ConditionExpression": "#c > :big", "ExpressionAttributeNames": {"#c": "count"},
                            "ExpressionAttributeValues": {":big": {"N": "100"}}}},
        {"Delete": {"TableName": TABLE, "Key": key(job, "IND#i1")}},
    ])
    pair.check_state("after a transaction failed half way")
    # Two operations on one item, and a validation error: refused whole.
    same("transact_write_items", TransactItems=[
        {"Put": {"TableName": TABLE, "Item": key(job, "X")}}, {"Delete": {"TableName": TABLE, "Key": key(job, "X")}},
    ])
    same("transact_write_items", TransactItems=[
        {"Put": {"TableName": TABLE, "Item": key(job, "Y")}},
        {"Update": {"TableName": TABLE, "Key": key(job, "Z"), "UpdateExpression": "SET a = :missing"}},
    ])
    pair.check_state("after refused transactions")
    # Items at and past the size limit, whole and grown by an update.
    same("put_item", TableName=TABLE, Item={**key(job, "BIG#1"), "blob": s("x" * 404_000)})
    same("put_item", TableName=TABLE, Item={**key(job, "BIG#2"), "blob": s("x" * 406_000)})
    same("update_item", TableName=TABLE, Key=key(job, "BIG#1"), UpdateExpression="SET more = :m",
         ExpressionAttributeValues={":m": s("y" * 2_000)})
    same("delete_item", TableName=TABLE, Key=key(job, "BIG#1"))
    pair.check_state("after items at the size limit")
    # Many items in a few partitions, through BatchWriteItem.
    for batch in range(8):
        requests = []
        for n in range(25):
            i = batch * 25 + n
            requests.append({"PutRequest": {"Item": {
                **key(job if i % 3 else "P#p1#J#j2", f"FA#i{i % 17:02}#view#file#f{i % 5}#{i:03}"),
                "gsi1pk": s(f"{job}#O#file#f{i % 5}"), "gsi1sk": s(f"i{i % 17:02}#view"),
                "gsi2pk": s("P#p1#M#2026-" + ("10" if i % 4 else "11")), "gsi2sk": s(f"2026-11-{i % 28 + 1:02}T00:00:{i % 60:02}Z#{i}"),
                "name": s(f"n{i % 7}"), "count": {"N": str(i)},
            }}})
        same("batch_write_item", RequestItems={TABLE: requests})
    same("batch_get_item", RequestItems={TABLE: {"Keys": [key(job, "FA#i01#view#file#f1#001"), key(job, "nope")],
                                                 "ConsistentRead": True}})
    # Queries: every page, both directions, ranges, filters, projections, counts.
    for forward in (True, False):
        for limit in (1, 2, 7, 50, None):
            extra = {"Limit": limit} if limit else {}
            pair.all_pages(TableName=TABLE, KeyConditionExpression="pk = :p AND begins_with(sk, :x)",
                           ExpressionAttributeValues={":p": s(job), ":x": s("FA#i0")}, ScanIndexForward=forward, **extra)
            pair.all_pages(TableName=TABLE, IndexName="gsi1", KeyConditionExpression="gsi1pk = :p",
                           ExpressionAttributeValues={":p": s(job + "#O#file#f1")}, ScanIndexForward=forward, **extra)
            pair.all_pages(TableName=TABLE, IndexName="gsi2",
                           KeyConditionExpression="gsi2pk = :p AND gsi2sk BETWEEN :a AND :b",
                           ExpressionAttributeValues={":p": s("P#p1#M#2026-10"), ":a": s("2026-11-05"), ":b": s("2026-11-20")},
                           ScanIndexForward=forward, **extra)
            pair.all_pages(TableName=TABLE, IndexName="gsi1", KeyConditionExpression="gsi1pk = :p AND gsi1sk < :b",
                           FilterExpression="#c > :n", ProjectionExpression="pk, sk, #c",
                           ExpressionAttributeNames={"#c": "count"},
                           ExpressionAttributeValues={":p": s(job + "#O#file#f2"), ":b": s("i09"), ":n": {"N": "40"}},
                           ScanIndexForward=forward, **extra)
            pair.all_pages(TableName=TABLE, KeyConditionExpression="pk = :p AND sk > :x", Select="COUNT",
                           ExpressionAttributeValues={":p": s(job), ":x": s("FA#i05")}, ScanIndexForward=forward, **extra)
    # Items moving between index partitions and leaving a sparse index, then reads of both partitions.
    same("update_item", TableName=TABLE, Key=key(job, "FA#i01#view#file#f1#001"),
         UpdateExpression="SET gsi1pk = :p, gsi1sk = :s", ExpressionAttributeValues={":p": s("moved"), ":s": s("a")})
    same("update_item", TableName=TABLE, Key=key(job, "FA#i02#view#file#f2#002"), UpdateExpression="REMOVE gsi1sk")
    same("delete_item", TableName=TABLE, Key=key(job, "FA#i04#view#file#f4#004"), ReturnValues="ALL_OLD")
    for partition in ("moved", job + "#O#file#f1", job + "#O#file#f2", job + "#O#file#f4"):
        pair.all_pages(TableName=TABLE, IndexName="gsi1", KeyConditionExpression="gsi1pk = :p",
                       ExpressionAttributeValues={":p": s(partition)}, Limit=3)
    pair.check_state("after the scripted calls")


def random_walk(pair: Pair, ops: int, seed: int) -> None:
    """A seeded mix of the same kinds of calls on a small key space, so they collide often."""
    rng = random.Random(seed)
    partitions = [f"P#{p}" for p in range(4)]
    sorts = [f"{k}#{n:02}" for k in ("FA", "AUTO", "IND") for n in range(12)]

    def gsi_attrs() -> dict:
        attrs: dict = {}
        if rng.random() < 0.8:
            attrs["gsi1pk"] = s(f"G{rng.randrange(3)}")
            if rng.random() < 0.9:
                attrs["gsi1sk"] = s(rng.choice(["a", "b", "c", "d"]) + str(rng.randrange(5)))
        if rng.random() < 0.5:
            attrs["gsi2pk"] = s("M")
            attrs["gsi2sk"] = s(str(rng.randrange(100)).zfill(3))
        return attrs

    def random_key() -> dict:
        return key(rng.choice(partitions), rng.choice(sorts))

    def condition() -> dict:
        return rng.choice([
            {},
            {"ConditionExpression": "attribute_not_exists(pk)"},
            {"ConditionExpression": "attribute_exists(pk)"},
            {"ConditionExpression": "attribute_not_exists(n) OR n < :lim", "ExpressionAttributeValues": {":lim": {"N": "3"}}},
        ])

    def write() -> dict:
        kind = rng.choice(["Put", "Update", "Update", "Delete", "ConditionCheck"])
        k = random_key()
        cond = condition()
        if kind == "Put":
            return {"Put": {"TableName": TABLE, "Item": {**k, **gsi_attrs(), "n": {"N": str(rng.randrange(5))}}, **cond}}
        if kind == "Update":
            sets = {f":{a}": v for a, v in gsi_attrs().items()}
            values = {**cond.get("ExpressionAttributeValues", {}), **sets, ":one": {"N": "1"}}
            expression = "ADD n :one"
            if sets:
                expression = "SET " + ", ".join(f"{name[1:]} = {name}" for name in sets) + " " + expression
            if rng.random() < 0.2:
                expression += " REMOVE gsi2sk" if "gsi2sk" not in "".join(sets) else ""
            return {"Update": {"TableName": TABLE, "Key": k, "UpdateExpression": expression, **cond,
                               "ExpressionAttributeValues": values}}
        if kind == "Delete":
            return {"Delete": {"TableName": TABLE, "Key": k, **cond}}
        return {"ConditionCheck": {"TableName": TABLE, "Key": k, "ConditionExpression": "attribute_exists(pk)"}}

    def single(op: dict) -> None:
        kind, body = next(iter(op.items()))
        if kind == "Put":
            pair.same("put_item", **body)
        elif kind == "Update":
            pair.same("update_item", ReturnValues=rng.choice(["NONE", "ALL_NEW", "UPDATED_OLD"]), **body)
        elif kind == "Delete":
            pair.same("delete_item", **body)

    def query() -> None:
        forward = rng.random() < 0.6
        limit = rng.choice([None, 1, 2, 3, 5, 10])
        extra = {"Limit": limit} if limit else {}
        if rng.random() < 0.4:
            op, value = rng.choice([("=", "FA#03"), ("<", "FA"), ("<=", "FA#05"), (">", "AUTO#04"), (">=", "IND"),
                                    ("BETWEEN", None), ("begins_with", "AUTO")])
            if op == "BETWEEN":
                condition_text, values = "sk BETWEEN :a AND :b", {":a": s("AUTO#03"), ":b": s("FA#07")}
            elif op == "begins_with":
                condition_text, values = "begins_with(sk, :a)", {":a": s(value)}
            else:
                condition_text, values = f"sk {op} :a", {":a": s(value)}
            pair.all_pages(TableName=TABLE, KeyConditionExpression="pk = :p AND " + condition_text,
                           ExpressionAttributeValues={":p": s(rng.choice(partitions)), **values},
                           ScanIndexForward=forward, **extra)
        elif rng.random() < 0.7:
            condition_text, values = "gsi1pk = :p", {}
            if rng.random() < 0.5:
                condition_text += " AND begins_with(gsi1sk, :x)"
                values[":x"] = s(rng.choice(["a", "b", "c"]))
            filters = {}
            if rng.random() < 0.3:
                filters = {"FilterExpression": "n >= :f", "ExpressionAttributeValues": {":p": s(f"G{rng.randrange(3)}"), ":f": {"N": "2"}, **values}}
            else:
                filters = {"ExpressionAttributeValues": {":p": s(f"G{rng.randrange(3)}"), **values}}
            pair.all_pages(TableName=TABLE, IndexName="gsi1", KeyConditionExpression=condition_text,
                           ScanIndexForward=forward, **filters, **extra)
        else:
            pair.all_pages(TableName=TABLE, IndexName="gsi2", KeyConditionExpression="gsi2pk = :p AND gsi2sk >= :x",
                           ExpressionAttributeValues={":p": s("M"), ":x": s(str(rng.randrange(100)).zfill(3))},
                           ScanIndexForward=forward, **extra)

    for step in range(ops):
        roll = rng.random()
        if roll < 0.35:
            single(write())
        elif roll < 0.6:
            operations, seen = [], set()
            for _ in range(rng.randrange(1, 6)):
                op = write()
                body = next(iter(op.values()))
                identity = str(body.get("Key") or {a: body["Item"][a] for a in ("pk", "sk")})
                if identity not in seen or rng.random() < 0.05:  # now and then, two ops on one item
                    seen.add(identity)
                    operations.append(op)
            pair.same("transact_write_items", TransactItems=operations)
        elif roll < 0.65:
            pair.same("batch_write_item", RequestItems={TABLE: [
                {"PutRequest": {"Item": {**random_key(), **gsi_attrs()}}} for _ in range(rng.randrange(1, 4))
            ]})
        elif roll < 0.7:
            pair.same("get_item", TableName=TABLE, Key=random_key(), ConsistentRead=True)
        else:
            query()
        if step % 250 == 249:
            pair.check_state(f"after {step + 1} random calls")


def client_tokens(patched: Server) -> None:
    """The intended difference: a transaction retried with its token is applied once."""
    db = patched.db
    bump = [{"Update": {"TableName": TABLE, "Key": key("TOKEN", "t"), "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}}]
    for _ in range(3):
        db.transact_write_items(TransactItems=bump, ClientRequestToken="retry-1")
    n = db.get_item(TableName=TABLE, Key=key("TOKEN", "t"), ConsistentRead=True)["Item"]["n"]["N"]
    if n != "1":
        raise SystemExit(f"a retried transaction was applied {n} times")
    other = [{"Update": {**bump[0]["Update"], "ExpressionAttributeValues": {":one": {"N": "2"}}}}]
    answer = call(db, "transact_write_items", TransactItems=other, ClientRequestToken="retry-1")
    if answer.get("error") != "IdempotentParameterMismatchException":
        raise SystemExit(f"a reused token with other parameters was not refused: {answer}")
    db.transact_write_items(TransactItems=bump, ClientRequestToken="retry-2")
    n = db.get_item(TableName=TABLE, Key=key("TOKEN", "t"), ConsistentRead=True)["Item"]["n"]["N"]
    if n != "2":
        raise SystemExit(f"a new token was not applied: n = {n}")


def page_cost() -> None:
    """In this process: with the patches, a page and a transaction cost their own items, whatever
    the table holds (the answers themselves are checked against stock moto above)."""
    sys.path.insert(0, SCRIPTS)
    import moto_patches
    from moto.dynamodb.models import DynamoDBBackend

    moto_patches.apply_all()
    looked_at: list[int] = []
    candidates = moto_patches._candidates

    def counting(*args: Any) -> list:
        found = candidates(*args)
        looked_at.append(len(found))
        return found

    moto_patches._candidates = counting
    backend = DynamoDBBackend("us-east-1", "123456789012")
    attrs = [{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "gsi1pk", "gsi1sk")]
    backend.create_table(
        "cost", schema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        throughput=None, attr=attrs, indexes=None, streams={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        global_indexes=[{"IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [
            {"AttributeName": "gsi1pk", "KeyType": "HASH"}, {"AttributeName": "gsi1sk", "KeyType": "RANGE"}]}],
        billing_mode="PAY_PER_REQUEST", sse_specification=None, tags=[], deletion_protection_enabled=False,
        warm_throughput=None,
    )
    for i in range(20_000):
        backend.put_item("cost", {"pk": s(f"J{i % 2}"), "sk": s(f"FA#{i:06}"), "gsi1pk": s(f"IND{i % 4}"),
                                  "gsi1sk": s(f"{i:06}")})
    backend.query("cost", s("J1"), "BEGINS_WITH", [s("FA#0123")], 50, None, True, None,
                  hash_key_conditions=[("pk", s("J1"))], range_key_conditions=[("sk", "BEGINS_WITH", [s("FA#0123")])])
    items, _, last = backend.query("cost", s("IND2"), None, [], 50, None, False, None, index_name="gsi1",
                                   hash_key_conditions=[("gsi1pk", s("IND2"))])
    backend.query("cost", s("IND2"), None, [], 50, last, False, None, index_name="gsi1",
                  hash_key_conditions=[("gsi1pk", s("IND2"))])
    if len(items) != 50 or max(looked_at) > 51:
        raise SystemExit(f"a page of 50 looked at {looked_at} items of a 20,000-item table")
    # Objects deep-copied by a transaction that fails on its second item (counted, not timed).
    copied = [0]
    deepcopy = copy.deepcopy

    def counting_copy(value: Any, memo: Any = None, _nil: Any = []) -> Any:  # noqa: B006 - copy's own signature
        copied[0] += 1
        return deepcopy(value, memo, _nil)

    copy.deepcopy = counting_copy
    try:
        update = {"Update": {"TableName": "cost", "Key": {"pk": s("J0"), "sk": s("FA#000000")},
                             "UpdateExpression": "SET n = :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}
        refused = {"Put": {"TableName": "cost", "Item": {"pk": s("J0"), "sk": s("FA#000002")},
                           "ConditionExpression": "attribute_not_exists(pk)"}}
        try:
            backend.transact_write_items([update, refused])
            raise SystemExit("the transaction should have been cancelled")
        except moto_patches.TransactionCanceledException:
            pass
    finally:
        copy.deepcopy = deepcopy
    if copied[0] > 200 or "n" in backend.get_item("cost", {"pk": s("J0"), "sk": s("FA#000000")}).attrs:
        raise SystemExit(f"a cancelled transaction of 2 items deep-copied {copied[0]} objects or kept its update")
    print(f"moto cost shape on a 20,000-item table: a page of 50 looked at {max(looked_at)} items; a cancelled "
          f"2-item transaction deep-copied {copied[0]} objects and was undone")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args()
    stock, patched = Server(stock=True), Server(stock=False)
    try:
        for server in (stock, patched):
            create_table(server.db)
        pair = Pair(stock, patched)
        scripted(pair)
        random_walk(pair, args.ops, args.seed)
        pair.check_state("at the end")
        if stream_records(stock) != stream_records(patched):
            raise SystemExit("stream records differ")
        if raw_stream_pages(stock) != raw_stream_pages(patched):
            raise SystemExit("stream records differ on the wire")
        client_tokens(patched)
        print(f"moto conformance: {pair.calls} calls, identical answers, contents and stream records "
              f"(seed {args.seed}); retried transactions applied once")
    finally:
        stock.stop()
        patched.stop()
    page_cost()


if __name__ == "__main__":
    main()
