"""The lake read by engines that share no code with ours: rows captured through the API are read
back from the local bucket with Apache Arrow (types and Hive partitions) and queried with DuckDB,
whose answer must equal the service's own `POST /v1/user-activity/queries`."""

import os
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import boto3
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

BUCKET = "planroom-activity-exports-browser"
PREFIX = "lake/user_activity/planroom=demo/"


def s3():
    return boto3.client(
        "s3",
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4599"),
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def lake_files(into: Path):
    """Downloads the planroom's lake files, keeping their Hive-style paths."""
    client = s3()
    keys = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX):
        keys += [o["Key"] for o in page.get("Contents", [])]
    for key in keys:
        path = into / key
        path.parent.mkdir(parents=True, exist_ok=True)
        client.download_file(BUCKET, key, str(path))
    return keys


def ask(server, body):
    status, asked, _ = server.api.call("POST", "/v1/user-activity/queries", server.staff, body)
    assert status == 202, asked
    for _ in range(300):
        status, answer, _ = server.api.call("GET", f"/v1/user-activity/queries/{asked['query_id']}", server.staff)
        assert status == 200, answer
        if answer["status"] == "ready":
            return answer
        assert answer["status"] in ("pending", "running"), answer
        time.sleep(0.2)
    raise AssertionError("the query was not answered")


def test_rows_in_the_lake_read_back_typed_and_partitioned_by_arrow_and_duckdb(server):
    job = f"lake-{uuid.uuid4().hex[:10]}"
    status, _, _ = server.api.call(
        "PUT", f"/v1/jobs/{job}", server.staff,
        {"name": "Lake School", "number": "24-017", "company_id": "acme", "company_name": "ACME Construction",
         "time_zone": "America/Chicago"},
    )
    assert status in (200, 201)
    events = [
        {"job_id": job, "activity": "view", "object": {"kind": "file", "id": f"f-{i % 3}", "name": f"Sheet {i % 3}.pdf"}}
        for i in range(5)
    ] + [{"job_id": job, "activity": "download", "object": {"kind": "file", "id": "f-0", "name": "Sheet 0.pdf"}}]
    status, body, _ = server.api.call("POST", "/v1/events", server.customer, {"events": events})
    assert status == 200, body

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for _ in range(150):
            keys = lake_files(root)
            table = pq.read_table(root / "lake" / "user_activity", partitioning="hive") if keys else None
            # The customer's rows of the job (staff's registration of the job is a row too).
            mine = (
                table.filter(pa.compute.and_(pa.compute.equal(table["job_id"], job),
                                             pa.compute.equal(table["user_email"], "bidder@acme.test")))
                if table is not None else None
            )
            if mine is not None and mine.num_rows >= 6:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the rows never reached the lake")

        # Arrow: the columns' types, one file's schema as written.
        one = pq.read_schema(root / keys[0])
        assert one.field("event_timestamp").type == pa.timestamp("us", tz="UTC")
        assert one.field("event_date").type == pa.date32()
        assert one.field("count").type == pa.int64()
        assert one.field("is_api").type == pa.bool_()
        assert one.field("automated").type == pa.bool_()
        assert one.field("user_email").type == pa.string()
        assert one.field("recorded_at").type == pa.timestamp("us", tz="UTC")
        assert len(one.names) == 34
        assert pq.ParquetFile(root / keys[0]).metadata.row_group(0).column(0).compression == "ZSTD"
        # Hive partitions: each row in the planroom's partition and its event's UTC day.
        rows = mine.to_pylist()
        assert len({r["event_id"] for r in rows}) == 6
        for row in rows:
            assert row["planroom"] == "demo"
            assert row["day"] == row["event_timestamp"].strftime("%Y-%m-%d")
            assert row["user_email"] == "bidder@acme.test" and row["job_name"] == "Lake School"
            assert row["count"] == 1 and row["is_api"] == (row["device_type"] == "api")
        assert all(k.startswith(PREFIX + "day=") and k.endswith(".parquet") for k in keys)

        # DuckDB over the same files, against the service's own engine.
        con = duckdb.connect()
        files = [str(root / k) for k in keys]
        theirs = con.execute(
            "SELECT object_id, event_type, count(DISTINCT event_id) AS n FROM read_parquet(?, hive_partitioning = true) "
            "WHERE job_id = ? AND user_email = 'bidder@acme.test' GROUP BY object_id, event_type",
            [files, job],
        ).fetchall()
    now = time.time()
    answer = ask(server, {
        "from": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 86400)),
        "to": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 3600)),
        "filters": {"job_id": [job], "user_email": ["Bidder@ACME.test"]},
        "group_by": ["object_id", "event_type"],
    })
    ours = {(g["object_id"], g["event_type"], g["count"]) for g in answer["items"]}
    assert ours == set(theirs), (ours, theirs)
    assert Counter(e for _, e, _ in theirs) == Counter({"View": 3, "Download": 1})
    assert sum(n for *_, n in theirs) == 6
