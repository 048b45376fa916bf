"""The Watches Info Service v2 end to end: the repository's lowcloud.yaml
(table project1 seeded from fixtures/watches.json, the C++ handlers in
handlers/watches/, openapi/info_openapi_v2.yaml and image_openapi_v1.yaml)
served by the real binary and driven with plain HTTP, boto3 and the AWS CLI,
as the README's quick start does."""
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import threading
import time

import pytest

from conftest import AWS, BIN, REPO, Server, aws_cli, client, http_call, repo_manifest

DATA_FILE = os.path.join(REPO, "fixtures", "watches.json")
with open(DATA_FILE, encoding="utf-8") as f:
    DATA = {w["sku"]: w for w in json.load(f)}
BUILD_DIR = os.path.dirname(BIN)


def start(tmp_path, library_dir=None, extra=()):
    path = tmp_path / "lowcloud.yaml"
    path.write_text(repo_manifest(library_dir))
    return Server(["--in-memory", "--log-level", "info", "--config", str(path), *extra])


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    s = start(tmp_path_factory.mktemp("watches"))
    yield s
    assert s.stop() == 0, s.log()


def get(server, path, headers=None):
    r, data = http_call(server, "GET", path, headers=headers)
    return r, data


def post(server, body, path="/info/v2/watch"):
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    r, data = http_call(server, "POST", path, body=raw, headers={"Content-Type": "application/json"})
    return r, json.loads(data)


def expected(sku):
    w = {k: v for k, v in DATA[sku].items() if v is not None}
    w["year"] = int(w["year"])
    return w


def count(server):
    return client("dynamodb", server.url).scan(TableName="project1", Select="COUNT")["Count"]


def test_seeded_table_has_4136_watches_counted_by_the_cli(svc):
    out = aws_cli(svc.url, "dynamodb", "scan", "--table-name", "project1", "--select", "COUNT")
    assert json.loads(out.stdout)["Count"] == 4136
    assert "seeded table project1 with 4136 items" in svc.log(), svc.log()[-2000:]


@pytest.mark.parametrize("sku", [
    "CV2115.FC6186",      # the reference's sample record
    "CAR2A8A.BF0707-AM",  # '.' and '-' in the SKU
    "CAL5111.FC6299",     # case_form starts with a U+FEFF byte-order mark
    "CAR201N.EB0115",     # Japanese movement
    "WAH1319.BA0868",     # dial_color is null in the data file: absent
])
def test_get_matches_the_data_file(svc, sku):
    r, data = get(svc, f"/info/v2/watch/{sku}")
    assert r.status == 200, data
    assert json.loads(data) == expected(sku)
    assert r.getheader("Content-Type") == "application/json"
    assert r.getheader("Cache-Control") == "public, max-age=300"


def test_sample_record_and_bytes(svc):
    r, data = get(svc, "/info/v2/watch/CV2115.FC6186")
    w = json.loads(data)
    assert (w["type"], w["status"], w["gender"], w["year"], w["dial_material"], w["movement"]) == \
        ("chrono", "old", "man", 2004, "MOTHER OF PEARL", "CALIBRE_17_AUTO")
    r, data = get(svc, "/info/v2/watch/CAL5111.FC6299")
    assert json.loads(data)["case_form"].startswith("\ufeff")
    r, data = get(svc, "/info/v2/watch/WAR201F.BA0728")
    assert json.loads(data)["movement"] == DATA["WAR201F.BA0728"]["movement"]


def test_get_unknown_sku_is_404(svc):
    r, data = get(svc, "/info/v2/watch/NOPE.0000")
    assert r.status == 404 and json.loads(data) == {"message": "Watch not found"}


def test_dev_stage_urls(svc):
    r, data = http_call(svc, "GET", "/_lowcloud/health")
    api_id = json.loads(data)["services"]["apigateway"]["apis"]["info"]["id"]
    r, data = get(svc, f"/restapis/{api_id}/dev/_user_request_/watch/CV2115.FC6186")
    assert r.status == 200 and json.loads(data) == expected("CV2115.FC6186")
    r, data = get(svc, "/dev/watch/CV2115.FC6186", headers={"Host": f"{api_id}.execute-api.localhost:{svc.port}"})
    assert r.status == 200 and json.loads(data)["sku"] == "CV2115.FC6186"


def test_post_then_get(svc):
    watch = {"sku": "LOWCLOUD.0001", "type": "watch", "status": "current", "gender": "woman", "year": 2026,
             "dial_color": "BLUE", "movement": "キャリバーホイヤー01"}
    r, body = post(svc, watch)
    assert r.status == 200, body
    assert body == watch
    r, data = get(svc, "/info/v2/watch/LOWCLOUD.0001")
    assert r.status == 200 and json.loads(data) == watch
    item = client("dynamodb", svc.url).get_item(TableName="project1", Key={"sku": {"S": "LOWCLOUD.0001"}})["Item"]
    assert item["year"] == {"N": "2026"} and item["type"] == {"S": "watch"} and "case_form" not in item


GOOD = {"sku": "LOWCLOUD.BAD", "type": "chrono", "status": "old", "gender": "man", "year": 1999}


@pytest.mark.parametrize("name,body,fragment", [
    ("missing_sku", {k: v for k, v in GOOD.items() if k != "sku"}, "'sku'"),
    ("missing_year", {k: v for k, v in GOOD.items() if k != "year"}, "'year'"),
    ("missing_gender", {k: v for k, v in GOOD.items() if k != "gender"}, "'gender'"),
    ("bad_type_enum", dict(GOOD, type="clock"), "$.type"),
    ("bad_status_enum", dict(GOOD, status="new"), "$.status"),
    ("year_as_string", dict(GOOD, year="1999"), "$.year"),
    ("year_with_fraction", dict(GOOD, year=1999.5), "$.year"),
    ("optional_not_a_string", dict(GOOD, dial_color=7), "$.dial_color"),
    ("malformed_json", '{"sku": "LOWCLOUD.BAD", ', "not JSON"),
    ("empty_body", "", "not JSON"),
    ("array_body", "[]", "expected object"),
    ("existing_sku", dict(GOOD, sku="CV2115.FC6186"), "CV2115.FC6186 already exists"),
])
def test_invalid_posts_are_400_and_change_nothing(svc, name, body, fragment):
    before = count(svc)
    r, answer = post(svc, body)
    assert r.status == 400, answer
    assert set(answer) == {"message"} and fragment in answer["message"], answer
    assert count(svc) == before
    r, data = get(svc, "/info/v2/watch/CV2115.FC6186")
    assert json.loads(data) == expected("CV2115.FC6186")  # the existing watch is untouched


def test_racing_duplicate_posts_exactly_one_wins(svc):
    watch = dict(GOOD, sku="LOWCLOUD.RACE")
    barrier = threading.Barrier(8)

    def attempt(_):
        barrier.wait()
        return post(svc, watch)[0].status

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(attempt, range(8)))
    assert statuses == [200] + [400] * 7


def test_image_api_on_the_same_host(svc):
    with open(os.path.join(REPO, "fixtures", "images", "CV2115.FC6186.png"), "rb") as f:
        png = f.read()
    r, data = get(svc, "/image/v1/watch/CV2115.FC6186")
    assert r.status == 200 and data == png
    assert r.getheader("Content-Type") == "image/png"
    assert r.getheader("Cache-Control") == "public, max-age=86400"
    assert re.fullmatch(r'"[0-9a-f]{32}"', r.getheader("ETag"))
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT", r.getheader("Expires"))
    r2, data = get(svc, "/image/v1/watch/CV2115.FC6186", headers={"If-None-Match": r.getheader("ETag")})
    assert r2.status == 304 and data == b""
    r, data = get(svc, "/image/v1/watch/NOPE.0000")
    assert r.status == 404 and json.loads(data) == {"message": "Image not found"}
    r, data = get(svc, "/image/v1/watch/..%2Fwatches")
    assert r.status == 404
    # the info API still answers JSON for the same SKU: prefix routing
    r, data = get(svc, "/info/v2/watch/CV2115.FC6186")
    assert r.getheader("Content-Type") == "application/json"


def scan_all(url):
    ddb = client("dynamodb", url)
    items, start = [], None
    while True:
        kwargs = {"TableName": "project1"}
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = ddb.scan(**kwargs)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return sorted(items, key=lambda i: i["sku"]["S"])


def test_initialize_dynamodb_script_builds_the_same_table(svc, tmp_path):
    empty = Server(["--in-memory", "--log-level", "warn"])
    try:
        env = dict(os.environ, LOWCLOUD_ENDPOINT=empty.url, AWS=AWS)
        # The course's way (the AWS CLI, 166 batch-write-item calls: ~2 min of
        # CLI start-up on 2 cores), then again through boto3 to show a second
        # run keeps the table (creation skipped, items overwritten).
        for extra in ([], ["--boto3"]):
            proc = subprocess.run([os.path.join(REPO, "tools", "initialize_dynamodb.sh"), *extra], env=env, cwd=tmp_path,
                                  capture_output=True, text=True, timeout=600)
            assert proc.returncode == 0, proc.stdout + proc.stderr
        loaded = scan_all(empty.url)
        assert len(loaded) == 4136
        seeded = [i for i in scan_all(svc.url) if not i["sku"]["S"].startswith("LOWCLOUD.")]
        assert loaded == seeded
    finally:
        empty.stop()


def test_hot_reload_under_load_fails_no_request(tmp_path):
    lib_dir = tmp_path / "lib"
    lib_dir.mkdir()
    shutil.copy(os.path.join(BUILD_DIR, "handlers", "watches", "libwatches.so"), lib_dir / "libwatches.so")
    shutil.copytree(os.path.join(BUILD_DIR, "handlers", "watches", "images"), lib_dir / "images")
    shutil.copy(os.path.join(BUILD_DIR, "handlers", "watches", "libimages.so"), lib_dir / "libimages.so")
    s = start(tmp_path, library_dir=str(lib_dir))
    try:
        lam = client("lambda", s.url)
        sha_before = lam.get_function(FunctionName="watches-get")["Configuration"]["CodeSha256"]
        stop = threading.Event()
        failures, done = [], [0]

        def load():
            while not stop.is_set():
                r, data = get(s, "/info/v2/watch/CV2115.FC6186")
                if r.status != 200:
                    failures.append((r.status, data))
                done[0] += 1

        def wait_done(at_least, timeout=60):  # requests finished, however loaded the machine
            deadline = time.time() + timeout
            while done[0] < at_least and time.time() < deadline:
                time.sleep(0.02)

        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        wait_done(20)
        # A rebuild: the new library is written next to the old one and renamed
        # over it, as linkers do (bytes appended, so its checksum changes).
        with open(lib_dir / "libwatches.so", "rb") as f:
            code = f.read()
        with open(lib_dir / "libwatches.so.new", "wb") as f:
            f.write(code + b"\0" * 64)
        os.replace(lib_dir / "libwatches.so.new", lib_dir / "libwatches.so")
        deadline = time.time() + 10
        while time.time() < deadline:
            if lam.get_function(FunctionName="watches-get")["Configuration"]["CodeSha256"] != sha_before:
                break
            time.sleep(0.1)
        at_reload = done[0]
        wait_done(at_reload + 50)  # served by the new code, the load still on
        stop.set()
        for t in threads:
            t.join()
        assert lam.get_function(FunctionName="watches-get")["Configuration"]["CodeSha256"] != sha_before
        assert done[0] >= at_reload + 50 and failures == [], (done[0], at_reload, failures[:3])
    finally:
        assert s.stop() == 0, s.log()


def test_in_process_handlers_get_their_environment(tmp_path):
    """Bug: in-process handlers did not see AWS_ENDPOINT_URL_DYNAMODB (only
    child processes were given Lambda's variables), so every GET was a 500."""
    text = repo_manifest().replace("    handler: get_watch\n", "    handler: get_watch\n    isolation: in-process\n")
    (tmp_path / "lowcloud.yaml").write_text(text)
    s = Server(["--in-memory", "--log-level", "info", "--config", str(tmp_path / "lowcloud.yaml")])
    try:
        r, data = get(s, "/info/v2/watch/CV2115.FC6186")
        assert r.status == 200, (data, s.log()[-3000:])
        assert json.loads(data) == expected("CV2115.FC6186")
    finally:
        assert s.stop() == 0, s.log()
