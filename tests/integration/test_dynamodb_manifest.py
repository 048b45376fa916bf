"""The manifest's `tables:` section: tables created at startup when missing,
seeded from a JSON file with a per-attribute type map, never reseeded.

Schema (emulator/dynamodb/ops/manifest_tables.cpp):
  tables:
    - name: project1
      key: {sku: S}                 # partition key, then optional sort key
      billing_mode: PAY_PER_REQUEST # or PROVISIONED with read_capacity/write_capacity
      seed:
        file: watches.json          # relative to the manifest
        types: {year: N}            # other attributes S; JSON null omitted
"""
import json
import os
import re
import subprocess
import textwrap

import pytest

from conftest import BIN, REPO
from dynamodb_util import get, make_client

# Records shaped like the course's watches.json, with its quirks: a BOM in
# case_form, Japanese movements, apostrophes, padded strings, '.' and '-'
# in SKUs, JSON nulls (omitted when loading) and year as a string typed N.
WATCHES = [
    {"sku": "CV2115.FC6186", "type": "chrono", "status": "old", "gender": "man", "year": "2004",
     "dial_material": "MOTHER OF PEARL", "dial_color": "WHITE", "case_material": "STEEL", "case_form": "ROUND",
     "bracelet_material": "LEATHER ALLIGATOR", "movement": "CALIBRE_17_AUTO"},
    {"sku": "CAL5111.FC6299", "type": "chrono", "status": "old", "gender": "man", "year": "2011",
     "dial_material": "STANDARD", "dial_color": "GREY", "case_material": "STEEL", "case_form": "\ufeffRectangular",
     "bracelet_material": "LEATHER ALLIGATOR", "movement": "CALIBRE_36"},
    {"sku": "CAR201N.EB0115", "type": "chrono", "status": "current", "gender": "man", "year": "2017",
     "dial_material": "STANDARD", "dial_color": "BLACK", "case_material": "STEEL & CERAMIC", "case_form": "Round",
     "bracelet_material": "RUBBER", "movement": "キャリバーホイヤー01"},
    {"sku": "CAR2B82.CI6339", "type": "chrono", "status": "old", "gender": "man", "year": "2013",
     "dial_material": None, "dial_color": "GREY", "case_material": "TITANIUM", "case_form": "ROUND",
     "bracelet_material": " WITHOUT BRACELET ", "movement": "MIKROPENDULUM'S_AUTO"},
    {"sku": "CAR2A8A.BF0707-AM", "type": "chrono", "status": "outlet", "gender": "woman", "year": "1995",
     "dial_material": None, "dial_color": None, "case_material": "STEEL", "case_form": None,
     "bracelet_material": None, "movement": "キャリバー 5"},
] + [
    {"sku": f"WAZ{1000 + i}.BA{2000 + i}", "type": "watch", "status": "current", "gender": "woman",
     "year": str(1995 + i % 24), "dial_material": "STANDARD", "dial_color": "BLUE", "case_material": "STEEL",
     "case_form": "ROUND", "bracelet_material": "STEEL", "movement": "QUARTZ"}
    for i in range(95)
]


def expected_item(record):
    item = {}
    for k, v in record.items():
        if v is None:
            continue
        item[k] = {"N": str(int(v))} if k == "year" else {"S": v}
    return item


def write_manifest(directory, text, seed=None, seed_name="watches.json"):
    if seed is not None:
        (directory / seed_name).write_text(json.dumps(seed, ensure_ascii=False), encoding="utf-8")
    path = directory / "lowcloud.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


WATCHES_MANIFEST = """\
    tables:
      - name: project1
        key: {sku: S}
        billing_mode: PAY_PER_REQUEST
        seed:
          file: watches.json
          types: {year: N}
    """


def test_manifest_table_is_created_at_startup(start_server, tmp_path):
    path = write_manifest(tmp_path, WATCHES_MANIFEST, seed=WATCHES)
    s = start_server("--in-memory", "--config", str(path), cwd=str(tmp_path))
    table = make_client(s.url).describe_table(TableName="project1")["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == [{"AttributeName": "sku", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "sku", "AttributeType": "S"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_manifest_seed_items_are_loaded_with_types(start_server, tmp_path):
    path = write_manifest(tmp_path, WATCHES_MANIFEST, seed=WATCHES)
    s = start_server("--in-memory", "--config", str(path), cwd=str(tmp_path))
    ddb = make_client(s.url)
    for record in WATCHES[:5] + WATCHES[-3:]:
        assert get(ddb, "project1", {"sku": {"S": record["sku"]}}) == expected_item(record), record["sku"]


def test_manifest_seed_keeps_quirky_strings_byte_exact(start_server, tmp_path):
    path = write_manifest(tmp_path, WATCHES_MANIFEST, seed=WATCHES)
    s = start_server("--in-memory", "--config", str(path), cwd=str(tmp_path))
    ddb = make_client(s.url)
    bom = get(ddb, "project1", {"sku": {"S": "CAL5111.FC6299"}})
    assert bom["case_form"]["S"].encode("utf-8") == b"\xef\xbb\xbfRectangular"
    japanese = get(ddb, "project1", {"sku": {"S": "CAR201N.EB0115"}})
    assert japanese["movement"] == {"S": "キャリバーホイヤー01"}
    padded = get(ddb, "project1", {"sku": {"S": "CAR2B82.CI6339"}})
    assert padded["bracelet_material"] == {"S": " WITHOUT BRACELET "}
    assert padded["movement"] == {"S": "MIKROPENDULUM'S_AUTO"}
    assert "dial_material" not in padded          # JSON null is omitted, never the string "null"
    sparse = get(ddb, "project1", {"sku": {"S": "CAR2A8A.BF0707-AM"}})
    assert set(sparse) == {"sku", "type", "status", "gender", "year", "case_material", "movement"}
    assert sparse["year"] == {"N": "1995"}


def test_manifest_seed_logs_a_progress_line(start_server, tmp_path):
    path = write_manifest(tmp_path, WATCHES_MANIFEST, seed=WATCHES)
    s = start_server("--in-memory", "--log-level", "info", "--config", str(path), cwd=str(tmp_path))
    make_client(s.url).describe_table(TableName="project1")
    assert re.search(rf"seeded table project1 with {len(WATCHES)} items from watches.json in \d+ ms", s.log()), s.log()


def test_manifest_seed_is_not_repeated_on_restart(start_server, tmp_path):
    path = write_manifest(tmp_path, WATCHES_MANIFEST, seed=WATCHES)
    data = tmp_path / "data"
    s = start_server("--data-dir", str(data), "--config", str(path), cwd=str(tmp_path))
    ddb = make_client(s.url)
    first_id = ddb.describe_table(TableName="project1")["Table"]["TableId"]
    ddb.update_item(TableName="project1", Key={"sku": {"S": "CV2115.FC6186"}}, UpdateExpression="SET #y = :y",
                    ExpressionAttributeNames={"#y": "year"}, ExpressionAttributeValues={":y": {"N": "1"}})
    ddb.delete_item(TableName="project1", Key={"sku": {"S": "CAL5111.FC6299"}})
    assert s.stop() == 0, s.log()

    s2 = start_server("--data-dir", str(data), "--config", str(path), cwd=str(tmp_path))
    ddb2 = make_client(s2.url)
    assert ddb2.describe_table(TableName="project1")["Table"]["TableId"] == first_id
    assert get(ddb2, "project1", {"sku": {"S": "CV2115.FC6186"}})["year"] == {"N": "1"}
    assert get(ddb2, "project1", {"sku": {"S": "CAL5111.FC6299"}}) is None
    assert get(ddb2, "project1", {"sku": {"S": "CAR201N.EB0115"}}) == expected_item(WATCHES[2])


def test_manifest_does_not_touch_an_existing_table(start_server, tmp_path):
    data = tmp_path / "data"
    s = start_server("--data-dir", str(data), cwd=str(tmp_path))
    ddb = make_client(s.url)
    ddb.create_table(TableName="project1", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "sku", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "sku", "AttributeType": "S"}])
    ddb.put_item(TableName="project1", Item={"sku": {"S": "mine"}})
    assert s.stop() == 0, s.log()

    path = write_manifest(tmp_path, WATCHES_MANIFEST, seed=WATCHES)
    s2 = start_server("--data-dir", str(data), "--config", str(path), cwd=str(tmp_path))
    ddb2 = make_client(s2.url)
    assert get(ddb2, "project1", {"sku": {"S": "mine"}}) == {"sku": {"S": "mine"}}
    assert get(ddb2, "project1", {"sku": {"S": "CV2115.FC6186"}}) is None


def test_manifest_composite_key_and_provisioned_table(start_server, tmp_path):
    path = write_manifest(tmp_path, """\
        tables:
          - name: events
            key: {device: S, ts: N}
            billing_mode: PROVISIONED
            read_capacity: 7
            write_capacity: 3
          - name: plain
            key: {id: B}
        """)
    s = start_server("--in-memory", "--config", str(path), cwd=str(tmp_path))
    ddb = make_client(s.url)
    events = ddb.describe_table(TableName="events")["Table"]
    assert events["KeySchema"] == [{"AttributeName": "device", "KeyType": "HASH"},
                                   {"AttributeName": "ts", "KeyType": "RANGE"}]
    assert sorted(events["AttributeDefinitions"], key=lambda d: d["AttributeName"]) == [
        {"AttributeName": "device", "AttributeType": "S"}, {"AttributeName": "ts", "AttributeType": "N"}]
    assert events["ProvisionedThroughput"]["ReadCapacityUnits"] == 7
    assert events["ProvisionedThroughput"]["WriteCapacityUnits"] == 3
    plain = ddb.describe_table(TableName="plain")["Table"]
    assert plain["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "B"}]
    assert plain["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_manifest_found_in_working_directory(start_server, tmp_path):
    write_manifest(tmp_path, WATCHES_MANIFEST, seed=WATCHES)
    s = start_server("--in-memory", cwd=str(tmp_path))
    assert get(make_client(s.url), "project1", {"sku": {"S": "CV2115.FC6186"}})["year"] == {"N": "2004"}


def start_failing(tmp_path, path):
    return subprocess.run([BIN, "serve", "--port", "0", "--in-memory", "--config", str(path)], cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("text,line,key", [
    ("""\
     tables:
       - name: project1
         key: {sku: S}
         seed:
           file: watches.json
           typs: {year: N}
     """, 6, "typs"),
    ("""\
     tables:
       - name: project1
         key: {sku: S}
         billng_mode: PAY_PER_REQUEST
     """, 4, "billng_mode"),
], ids=["seed-key", "table-key"])
def test_manifest_unknown_key_stops_startup(tmp_path, text, line, key):
    path = write_manifest(tmp_path, text, seed=WATCHES)
    proc = start_failing(tmp_path, path)
    assert proc.returncode != 0
    assert "listening on" not in proc.stdout
    assert f"lowcloud.yaml:{line}:" in proc.stderr, proc.stderr
    assert key in proc.stderr
    assert "unknown key" in proc.stderr


def test_manifest_bad_seed_type_stops_startup(tmp_path):
    path = write_manifest(tmp_path, """\
        tables:
          - name: project1
            key: {sku: S}
            seed:
              file: watches.json
              types: {year: Q}
        """, seed=WATCHES)
    proc = start_failing(tmp_path, path)
    assert proc.returncode != 0
    assert "lowcloud.yaml:6:" in proc.stderr, proc.stderr
    assert "year" in proc.stderr


def test_manifest_missing_seed_file_stops_startup(tmp_path):
    path = write_manifest(tmp_path, WATCHES_MANIFEST)
    proc = start_failing(tmp_path, path)
    assert proc.returncode != 0
    assert "watches.json" in proc.stderr


def test_manifest_invalid_key_type_in_seed_stops_startup(tmp_path):
    path = write_manifest(tmp_path, """\
        tables:
          - name: project1
            key: {sku: N}
            seed:
              file: watches.json
        """, seed=WATCHES)
    proc = start_failing(tmp_path, path)
    assert proc.returncode != 0
    assert "watches.json" in proc.stderr


REAL_WATCHES = os.path.join(REPO, "fixtures", "watches.json")


@pytest.mark.skipif(not os.path.exists(REAL_WATCHES), reason="fixtures/watches.json not in the repository")
def test_manifest_seeds_the_real_watches_file(start_server, tmp_path):
    records = json.load(open(REAL_WATCHES, encoding="utf-8"))
    path = tmp_path / "lowcloud.yaml"
    path.write_text(textwrap.dedent(f"""\
        tables:
          - name: project1
            key: {{sku: S}}
            seed:
              file: {REAL_WATCHES}
              types: {{year: N}}
        """), encoding="utf-8")
    s = start_server("--in-memory", "--log-level", "info", "--config", str(path), cwd=str(tmp_path))
    ddb = make_client(s.url)
    for record in (records[0], records[len(records) // 2], records[-1]):
        assert get(ddb, "project1", {"sku": {"S": record["sku"]}}) == expected_item(record)
    assert re.search(rf"seeded table project1 with {len(records)} items", s.log())
