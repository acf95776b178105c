"""The lake read by engines that share no code with ours: rows captured through the API are read
back from the local bucket with Apache Arrow (types and Hive partitions) and queried with DuckDB,
whose answer must equal the service's own `POST /v1/user-activity/queries`; and staff asking the
same in the web client's dataset page (`#/dataset`)."""

import os
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import boto3
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from playwright.sync_api import expect

from conftest import ROOT, shot

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


def registered_job(server, name, number):
    """A job of its own, registered by staff for ACME: its id."""
    job = f"lake-{uuid.uuid4().hex[:10]}"
    status, _, _ = server.api.call(
        "PUT", f"/v1/jobs/{job}", server.staff,
        {"name": name, "number": number, "company_id": "acme", "company_name": "ACME Construction",
         "time_zone": "America/Chicago"},
    )
    assert status in (200, 201)
    return job


def test_rows_in_the_lake_read_back_typed_and_partitioned_by_arrow_and_duckdb(server):
    job = registered_job(server, "Lake School", "24-017")
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


def captured_job(server, views, downloads):
    """A job of its own with `views` views and `downloads` downloads of one customer, in the lake."""
    job = registered_job(server, "Lake Library", "24-018")
    events = [{"job_id": job, "activity": "view", "object": {"kind": "file", "id": f"f-{i}", "name": f"Addendum {i}.pdf"}}
              for i in range(views)]
    events += [{"job_id": job, "activity": "download", "object": {"kind": "file", "id": f"f-{i}", "name": f"Addendum {i}.pdf"}}
               for i in range(downloads)]
    status, body, _ = server.api.call("POST", "/v1/events", server.customer, {"events": events})
    assert status == 200, body
    return job


def rows_written_by_arrow(job, count):
    """`count` copies of one of `job`'s rows in a new job, written to the lake as one Parquet file
    by pyarrow with the schema of the lake's own files: the new job's id."""
    many = f"arrow-{uuid.uuid4().hex[:10]}"
    with tempfile.TemporaryDirectory() as tmp:
        keys = lake_files(Path(tmp))
        for key in keys:
            table = pq.read_table(Path(tmp) / key)
            rows = table.filter(pa.compute.equal(table["job_id"], job)).to_pylist()
            if rows:
                break
        else:
            raise AssertionError(f"no row of {job} in the lake")
    copies = [{**rows[0], "job_id": many, "event_id": f"{many}-{i}", "object_id": f"f-{i}", "event_type": "View"}
              for i in range(count)]
    body = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pylist(copies, schema=table.schema), body, compression="zstd")
    day = key.split("/day=")[1][:10]
    s3().put_object(Bucket=BUCKET, Key=f"{PREFIX}day={day}/ingest-{uuid.uuid4().hex}.parquet", Body=body.getvalue().to_pybytes())
    return many


def test_staff_group_the_dataset_in_the_web_client_page_through_it_and_get_its_csv(server, page):
    job = captured_job(server, views=4, downloads=2)
    window = {"from": time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400)),
              "to": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 2 * 86400))}
    # The rows reach the lake from the table's stream, a moment after the capture.
    for _ in range(150):
        mine = ask(server, {**window, "filters": {"job_id": [job]}, "fields": ["event_id"]})
        if mine["rows"] >= 7:  # the staff's registration of the job is a row too
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the rows never reached the lake")

    page.goto(server.base + "/ui/")
    page.get_by_test_id("sign-in-staff").click()
    page.get_by_test_id("open-dataset").click()
    expect(page.get_by_test_id("dataset-form")).to_be_visible()
    page.get_by_test_id("dataset-from").fill(window["from"])
    page.get_by_test_id("dataset-to").fill(window["to"])
    page.get_by_test_id("dataset-groupBy").fill("event_type, user_email")
    page.get_by_test_id("dataset-distinct").fill("object_id")
    page.get_by_test_id("dataset-sort").fill("-count")
    page.get_by_test_id("dataset-filters").fill(
        '{"job_id": ["%s"], "object_name": {"contains": "ADDENDUM"}, "event_type": {"not": ["Upload"]}}' % job)
    page.get_by_test_id("dataset-run").click()
    table = page.get_by_test_id("dataset-table")
    expect(table).to_be_visible()
    shot(page, "dataset-groups")
    page.screenshot(path=str(ROOT / "docs" / "dataset.png"), full_page=True)
    head = table.locator("thead th").all_inner_texts()
    assert head == ["event_type", "user_email", "count", "distinct_object_id"]
    shown = [tuple(row.locator("td").all_inner_texts()) for row in table.locator("tbody tr").all()]
    answer = ask(server, {**window, "group_by": ["event_type", "user_email"], "distinct": ["object_id"], "sort": "-count",
                          "filters": {"job_id": [job], "object_name": {"contains": "ADDENDUM"}, "event_type": {"not": ["Upload"]}}})
    expected = [(g["event_type"], g["user_email"], str(g["count"]), str(g["distinct_object_id"])) for g in answer["items"]]
    assert shown == expected
    assert shown == [("View", "bidder@acme.test", "4", "4"), ("Download", "bidder@acme.test", "2", "2")]
    expect(page.get_by_test_id("dataset-rows")).to_have_text("2")
    csv_url = page.get_by_test_id("dataset-csv").get_attribute("href")
    with urllib.request.urlopen(csv_url, timeout=20) as res:
        lines = res.read().decode().splitlines()
    assert lines[0] == "event_type,user_email,count,distinct_object_id"
    assert sorted(lines[1:]) == sorted(",".join(row) for row in expected)

    # Rows, a page at a time (1,000 a page): 1,001 rows make two pages — written into the lake by
    # Arrow, as another writer would, from one of the job's rows.
    many = rows_written_by_arrow(job, 1001)
    page.get_by_test_id("dataset-groupBy").fill("")
    page.get_by_test_id("dataset-distinct").fill("")
    page.get_by_test_id("dataset-sort").fill("object_id")
    page.get_by_test_id("dataset-fields").fill("object_id, event_type")
    page.get_by_test_id("dataset-filters").fill('{"job_id": ["%s"], "event_type": ["View"]}' % many)
    page.get_by_test_id("dataset-run").click()
    expect(page.get_by_test_id("dataset-page")).to_have_text("Page 1 of 2")
    expect(page.get_by_test_id("dataset-rows")).to_have_text("1001")
    first = table.locator("tbody tr").first.locator("td").all_inner_texts()
    assert first == ["f-0", "View"]
    page.get_by_test_id("dataset-next").click()
    expect(page.get_by_test_id("dataset-page")).to_have_text("Page 2 of 2")
    assert table.locator("tbody tr").count() == 1
    assert table.locator("tbody tr").first.locator("td").all_inner_texts() == ["f-999", "View"]
    expect(page.get_by_test_id("dataset-next")).to_be_disabled()

    # What to change, from the page and from the service, is said; nothing is asked twice.
    page.get_by_test_id("dataset-filters").fill('{"job_id": ')
    page.get_by_test_id("dataset-run").click()
    expect(page.get_by_test_id("dataset-problem")).to_contain_text("not JSON")
    page.get_by_test_id("dataset-filters").fill("")
    page.get_by_test_id("dataset-groupBy").fill("planroom")
    page.get_by_test_id("dataset-run").click()
    expect(page.get_by_test_id("error")).to_contain_text("HTTP 422")
    assert page.console.app_errors(expected_statuses=(422,)) == []


def test_a_customer_is_not_offered_the_dataset_and_is_refused_it(server, page):
    page.goto(server.base + "/ui/")
    page.get_by_test_id("sign-in-customer").click()
    expect(page.get_by_test_id("open-job")).to_be_visible()
    assert page.get_by_test_id("open-dataset").count() == 0
    page.goto(server.base + "/ui/#/dataset")
    page.get_by_test_id("dataset-run").click()
    expect(page.get_by_test_id("error")).to_contain_text("Not allowed")
    assert page.console.app_errors(expected_statuses=(403,)) == []
