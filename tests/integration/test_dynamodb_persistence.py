"""Data in --data-dir survives a clean stop, a SIGKILL and a SIGTERM in the
middle of a write storm: nothing that was acknowledged is lost, and the
database opens again afterwards. Each test runs its own servers."""
import signal
import threading
import time

from dynamodb_util import create_table, get, make_client, table_arn


def serve(start_server, tmp_path):
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    return start_server("--data-dir", str(data), "--log-level", "warn", cwd=str(tmp_path))


def test_data_survives_clean_restart(start_server, tmp_path):
    s = serve(start_server, tmp_path)
    ddb = make_client(s.url)
    name = create_table(ddb, range_key=("sk", "N"))
    items = [{"pk": {"S": f"p{i}"}, "sk": {"N": str(i)}, "v": {"S": "キャリバー" * i}, "b": {"B": bytes([i])}}
             for i in range(20)]
    for item in items:
        ddb.put_item(TableName=name, Item=item)
    assert s.stop(signal.SIGTERM) == 0, s.log()

    s2 = serve(start_server, tmp_path)
    ddb2 = make_client(s2.url)
    assert ddb2.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    for item in items:
        assert get(ddb2, name, {"pk": item["pk"], "sk": item["sk"]}) == item


def test_table_settings_survive_restart(start_server, tmp_path):
    s = serve(start_server, tmp_path)
    ddb = make_client(s.url)
    name = create_table(ddb, billing="PROVISIONED", Tags=[{"Key": "env", "Value": "test"}])
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 9, "WriteCapacityUnits": 8})
    before = ddb.describe_table(TableName=name)["Table"]
    assert s.stop() == 0, s.log()

    ddb2 = make_client(serve(start_server, tmp_path).url)
    after = ddb2.describe_table(TableName=name)["Table"]
    for field in ("TableId", "TableArn", "CreationDateTime", "KeySchema"):
        assert after[field] == before[field], field
    assert after["ProvisionedThroughput"]["ReadCapacityUnits"] == 9
    assert after["ProvisionedThroughput"]["WriteCapacityUnits"] == 8
    assert ddb2.list_tags_of_resource(ResourceArn=table_arn(name))["Tags"] == [{"Key": "env", "Value": "test"}]
    ttl = ddb2.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "exp" and ttl["TimeToLiveStatus"] in ("ENABLED", "ENABLING")


def test_deletes_and_updates_survive_restart(start_server, tmp_path):
    s = serve(start_server, tmp_path)
    ddb = make_client(s.url)
    keep, gone = create_table(ddb), create_table(ddb)
    ddb.put_item(TableName=keep, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    ddb.put_item(TableName=keep, Item={"pk": {"S": "b"}})
    ddb.update_item(TableName=keep, Key={"pk": {"S": "a"}}, UpdateExpression="ADD n :d",
                    ExpressionAttributeValues={":d": {"N": "0.5"}})
    ddb.delete_item(TableName=keep, Key={"pk": {"S": "b"}})
    ddb.delete_table(TableName=gone)
    assert s.stop() == 0, s.log()

    ddb2 = make_client(serve(start_server, tmp_path).url)
    assert get(ddb2, keep, {"pk": {"S": "a"}}) == {"pk": {"S": "a"}, "n": {"N": "1.5"}}
    assert get(ddb2, keep, {"pk": {"S": "b"}}) is None
    assert gone not in ddb2.list_tables()["TableNames"]


def test_acknowledged_writes_survive_sigkill(start_server, tmp_path):
    s = serve(start_server, tmp_path)
    ddb = make_client(s.url)
    name = create_table(ddb)
    for i in range(200):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "i": {"N": str(i)}})
    ddb.update_item(TableName=name, Key={"pk": {"S": "k0"}}, UpdateExpression="SET touched = :t",
                    ExpressionAttributeValues={":t": {"BOOL": True}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "k1"}})
    assert s.stop(signal.SIGKILL) == -signal.SIGKILL

    ddb2 = make_client(serve(start_server, tmp_path).url)
    assert get(ddb2, name, {"pk": {"S": "k0"}}) == {"pk": {"S": "k0"}, "i": {"N": "0"}, "touched": {"BOOL": True}}
    assert get(ddb2, name, {"pk": {"S": "k1"}}) is None
    for i in range(2, 200):
        assert get(ddb2, name, {"pk": {"S": f"k{i}"}}) == {"pk": {"S": f"k{i}"}, "i": {"N": str(i)}}


def write_storm(url, name, stop_after_signal, n_threads=4):
    """Threads writing fresh keys until the server goes away; returns the acknowledged keys."""
    acked, errors = [], []
    lock = threading.Lock()

    def writer(t):
        client = make_client(url)
        i = 0
        while True:
            key = f"t{t}-{i}"
            try:
                client.put_item(TableName=name, Item={"pk": {"S": key}, "v": {"N": str(i)}})
            except Exception as e:  # noqa: BLE001 - connection refused/reset once the server stops
                if not stop_after_signal.is_set():
                    errors.append(e)
                return
            with lock:
                acked.append(key)
            i += 1

    threads = [threading.Thread(target=writer, args=(t,), daemon=True) for t in range(n_threads)]
    for t in threads:
        t.start()
    return threads, acked, errors


def wait_for_acks(acked, at_least=50, timeout=30):
    """Until the storm has some acknowledged writes (a fixed second may see
    none while four clients start on a loaded machine)."""
    deadline = time.time() + timeout
    while len(acked) < at_least and time.time() < deadline:
        time.sleep(0.02)


def test_sigterm_during_write_storm_exits_0_and_keeps_acknowledged_writes(start_server, tmp_path):
    s = serve(start_server, tmp_path)
    ddb = make_client(s.url)
    name = create_table(ddb)
    signalled = threading.Event()
    threads, acked, errors = write_storm(s.url, name, signalled)
    wait_for_acks(acked)
    signalled.set()
    assert s.stop(signal.SIGTERM) == 0, s.log()
    for t in threads:
        t.join(30)
    assert errors == []
    assert len(acked) > 0

    ddb2 = make_client(serve(start_server, tmp_path).url)
    ddb2.describe_table(TableName=name)
    for key in acked:
        assert get(ddb2, name, {"pk": {"S": key}}) is not None, key


def test_sigkill_during_write_storm_keeps_acknowledged_writes(start_server, tmp_path):
    s = serve(start_server, tmp_path)
    ddb = make_client(s.url)
    name = create_table(ddb)
    signalled = threading.Event()
    threads, acked, errors = write_storm(s.url, name, signalled)
    wait_for_acks(acked)
    signalled.set()
    s.stop(signal.SIGKILL)
    for t in threads:
        t.join(30)
    assert errors == []
    assert len(acked) > 0
    snapshot = list(acked)

    ddb2 = make_client(serve(start_server, tmp_path).url)
    for key in snapshot:
        assert get(ddb2, name, {"pk": {"S": key}}) is not None, key
    # the database is writable after recovery
    ddb2.put_item(TableName=name, Item={"pk": {"S": "after"}})
    assert get(ddb2, name, {"pk": {"S": "after"}}) == {"pk": {"S": "after"}}


def test_in_memory_server_starts_empty(start_server, tmp_path):
    s = start_server("--in-memory", "--log-level", "warn", cwd=str(tmp_path))
    ddb = make_client(s.url)
    create_table(ddb, name="ephemeral")
    assert s.stop() == 0
    s2 = start_server("--in-memory", "--log-level", "warn", cwd=str(tmp_path))
    assert make_client(s2.url).list_tables()["TableNames"] == []


def test_second_process_on_the_same_data_dir_is_refused(start_server, tmp_path):
    import subprocess

    from conftest import BIN

    s = serve(start_server, tmp_path)
    ddb = make_client(s.url)
    name = create_table(ddb)
    second = subprocess.run([BIN, "serve", "--port", "0", "--data-dir", str(tmp_path / "data"), "--log-level", "warn"],
                            cwd=str(tmp_path), capture_output=True, text=True, timeout=30)
    assert second.returncode != 0
    assert "is in use by another process" in second.stderr + second.stdout
    # the first one is untouched
    ddb.put_item(TableName=name, Item={"pk": {"S": "still"}})
    assert get(ddb, name, {"pk": {"S": "still"}}) == {"pk": {"S": "still"}}


def test_version_1_data_dir_is_migrated(start_server, tmp_path):
    """A data dir written before the schema moved the partition hash into the
    primary key (version 1) opens with its items and index entries."""
    import sqlite3

    data = tmp_path / "data"
    data.mkdir()
    s = serve(start_server, tmp_path)
    ddb = make_client(s.url)
    ddb.create_table(TableName="mig", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                           {"AttributeName": "g", "AttributeType": "S"}],
                     GlobalSecondaryIndexes=[{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                              "Projection": {"ProjectionType": "ALL"}}])
    for i in range(5):
        ddb.put_item(TableName="mig", Item={"id": {"S": f"k{i}"}, "g": {"S": "G"}})
    assert s.stop() == 0
    # Rewrite the file into version 1's layout, as an older lowcloud left it.
    db = sqlite3.connect(str(data / "dynamodb.sqlite3"))
    db.executescript("""
        CREATE TABLE items_v1(table_id INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL, hash INTEGER NOT NULL,
            size INTEGER NOT NULL, item BLOB NOT NULL, PRIMARY KEY(table_id, pk, sk)) WITHOUT ROWID;
        INSERT INTO items_v1 SELECT table_id, pk, sk, hash, size, item FROM items;
        CREATE TABLE entries_v1(table_id INTEGER NOT NULL, idx TEXT NOT NULL, ipk BLOB NOT NULL, isk BLOB NOT NULL,
            pk BLOB NOT NULL, sk BLOB NOT NULL, ihash INTEGER NOT NULL, PRIMARY KEY(table_id, idx, ipk, isk, pk, sk)) WITHOUT ROWID;
        INSERT INTO entries_v1 SELECT table_id, idx, ipk, isk, pk, sk, ihash FROM index_entries;
        DROP TABLE items; DROP TABLE index_entries; DROP TABLE index_counters;
        ALTER TABLE items_v1 RENAME TO items; ALTER TABLE entries_v1 RENAME TO index_entries;
        CREATE INDEX items_by_hash ON items(table_id, hash, pk, sk);
        CREATE INDEX index_entries_by_hash ON index_entries(table_id, idx, ihash, ipk, isk, pk, sk);
        UPDATE meta SET value = '1' WHERE key = 'schema_version';
    """)
    db.commit()
    db.close()
    ddb2 = make_client(serve(start_server, tmp_path).url)
    assert get(ddb2, "mig", {"id": {"S": "k3"}}) == {"id": {"S": "k3"}, "g": {"S": "G"}}
    assert ddb2.scan(TableName="mig")["Count"] == 5
    q = ddb2.query(TableName="mig", IndexName="byg", KeyConditionExpression="g = :g",
                   ExpressionAttributeValues={":g": {"S": "G"}})
    assert q["Count"] == 5
    table = ddb2.describe_table(TableName="mig")["Table"]
    assert table["ItemCount"] == 5
    assert table["GlobalSecondaryIndexes"][0]["ItemCount"] == 5  # counted by the migration (version 4)
    assert table["GlobalSecondaryIndexes"][0]["IndexSizeBytes"] == table["TableSizeBytes"]
