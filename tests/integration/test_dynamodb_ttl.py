"""TTL expiry: items whose TTL attribute (a Number, epoch seconds) has passed
are deleted by the background sweeper within the configured interval, leave
the table's counters and indexes, and survive when TTL is off or the
attribute is not a number."""
import time

import pytest

from conftest import Server, client
from dynamodb_util import create_table, expect_error, get


@pytest.fixture(scope="module")
def fast():
    """A server sweeping every 100 ms."""
    s = Server(["--in-memory", "--log-level", "warn", "--ttl-interval", "0.1"])
    yield s
    assert s.stop() == 0, s.log()


@pytest.fixture(scope="module")
def fddb(fast):
    return client("dynamodb", fast.url)


# An hour ago: expired, but within the five years DynamoDB still deletes.
RECENT_PAST = str(int(time.time()) - 3600)


def wait_until(predicate, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def enable_ttl(ddb, table, attribute="expires"):
    ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute})


def test_expired_items_are_deleted_within_the_interval(fddb):
    t = create_table(fddb)
    enable_ttl(fddb, t)
    past, future = int(time.time()) - 10, int(time.time()) + 3600
    fddb.put_item(TableName=t, Item={"pk": {"S": "old"}, "expires": {"N": str(past)}})
    fddb.put_item(TableName=t, Item={"pk": {"S": "new"}, "expires": {"N": str(future)}})
    fddb.put_item(TableName=t, Item={"pk": {"S": "none"}})
    assert wait_until(lambda: get(fddb, t, {"pk": {"S": "old"}}) is None, timeout=15)
    assert get(fddb, t, {"pk": {"S": "new"}}) is not None
    assert get(fddb, t, {"pk": {"S": "none"}}) is not None
    assert fddb.describe_table(TableName=t)["Table"]["ItemCount"] == 2


def test_item_expires_when_its_time_comes(fddb):
    t = create_table(fddb)
    enable_ttl(fddb, t)
    # Due in 2-3 s (whole seconds): still there right after the put on a
    # loaded machine (at +1 it could be due a millisecond after the put).
    fddb.put_item(TableName=t, Item={"pk": {"S": "soon"}, "expires": {"N": str(int(time.time()) + 3)}})
    assert get(fddb, t, {"pk": {"S": "soon"}}) is not None
    assert wait_until(lambda: get(fddb, t, {"pk": {"S": "soon"}}) is None, timeout=15)


def test_fractional_epoch_seconds_expire(fddb):
    t = create_table(fddb)
    enable_ttl(fddb, t)
    fddb.put_item(TableName=t, Item={"pk": {"S": "f"}, "expires": {"N": "%.3f" % (time.time() - 5)}})
    assert wait_until(lambda: get(fddb, t, {"pk": {"S": "f"}}) is None)


@pytest.mark.parametrize("name,value", [
    ("string_attribute", {"S": "1"}),
    ("more_than_five_years_ago", {"N": str(int(time.time()) - 6 * 366 * 24 * 3600)}),
    ("negative_number", {"N": "-100"}),
])
def test_values_dynamodb_never_expires(fddb, name, value):
    t = create_table(fddb)
    enable_ttl(fddb, t)
    fddb.put_item(TableName=t, Item={"pk": {"S": "k"}, "expires": value})
    time.sleep(0.5)
    assert get(fddb, t, {"pk": {"S": "k"}}) is not None


def test_nothing_expires_while_ttl_is_disabled(fddb):
    t = create_table(fddb)
    fddb.put_item(TableName=t, Item={"pk": {"S": "k"}, "expires": {"N": "1"}})
    time.sleep(0.5)
    assert get(fddb, t, {"pk": {"S": "k"}}) is not None


def test_enabling_ttl_expires_existing_items(fddb):
    t = create_table(fddb)
    fddb.put_item(TableName=t, Item={"pk": {"S": "k"}, "expires": {"N": RECENT_PAST}})
    time.sleep(0.3)
    assert get(fddb, t, {"pk": {"S": "k"}}) is not None
    enable_ttl(fddb, t)
    assert wait_until(lambda: get(fddb, t, {"pk": {"S": "k"}}) is None)


def test_updating_the_ttl_attribute_reschedules(fddb):
    t = create_table(fddb)
    enable_ttl(fddb, t)
    fddb.put_item(TableName=t, Item={"pk": {"S": "k"}, "expires": {"N": str(int(time.time()) + 3600)}})
    fddb.update_item(TableName=t, Key={"pk": {"S": "k"}}, UpdateExpression="SET expires = :e",
                     ExpressionAttributeValues={":e": {"N": RECENT_PAST}})
    assert wait_until(lambda: get(fddb, t, {"pk": {"S": "k"}}) is None)
    fddb.put_item(TableName=t, Item={"pk": {"S": "j"}, "expires": {"N": RECENT_PAST}})
    fddb.update_item(TableName=t, Key={"pk": {"S": "j"}}, UpdateExpression="REMOVE expires")
    time.sleep(0.4)
    assert get(fddb, t, {"pk": {"S": "j"}}) is not None


def test_expired_items_leave_the_indexes(fddb):
    t = create_table(fddb, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                 {"AttributeName": "g", "AttributeType": "S"}],
                     GlobalSecondaryIndexes=[{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                              "Projection": {"ProjectionType": "ALL"}}])
    enable_ttl(fddb, t)
    fddb.put_item(TableName=t, Item={"pk": {"S": "a"}, "g": {"S": "x"}, "expires": {"N": RECENT_PAST}})
    fddb.put_item(TableName=t, Item={"pk": {"S": "b"}, "g": {"S": "x"}})

    def index_count():
        return fddb.describe_table(TableName=t)["Table"]["GlobalSecondaryIndexes"][0]["ItemCount"]

    assert wait_until(lambda: index_count() == 1)
    assert get(fddb, t, {"pk": {"S": "b"}}) is not None


def test_ttl_interval_zero_disables_the_sweeper(start_server):
    s = start_server("--in-memory", "--ttl-interval", "0")
    ddb = client("dynamodb", s.url)
    t = create_table(ddb)
    enable_ttl(ddb, t)
    ddb.put_item(TableName=t, Item={"pk": {"S": "k"}, "expires": {"N": "1"}})
    time.sleep(0.5)
    assert get(ddb, t, {"pk": {"S": "k"}}) is not None


def test_expiry_persists_across_restart(tmp_path, start_server):
    s = start_server("--data-dir", str(tmp_path), "--ttl-interval", "0")
    ddb = client("dynamodb", s.url)
    t = create_table(ddb)
    enable_ttl(ddb, t)
    ddb.put_item(TableName=t, Item={"pk": {"S": "k"}, "expires": {"N": RECENT_PAST}})
    assert s.stop() == 0
    s2 = start_server("--data-dir", str(tmp_path), "--ttl-interval", "0.1")
    ddb2 = client("dynamodb", s2.url)
    assert ddb2.describe_time_to_live(TableName=t)["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
    assert wait_until(lambda: get(ddb2, t, {"pk": {"S": "k"}}) is None)


def test_bad_ttl_interval_is_a_usage_error():
    import subprocess
    from conftest import BIN
    proc = subprocess.run([BIN, "serve", "--in-memory", "--ttl-interval", "-1"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "--ttl-interval" in proc.stderr


def test_ttl_sweep_and_delete_of_item_not_in_a_gsi_added_later(fddb):
    """An item whose attribute has the wrong type for a GSI added afterwards
    is left out of the index (the backfill skips it); deleting it, by hand
    or by TTL, must not fail on that attribute, and one such item must not
    stop the sweep of other tables (it used to throw on every sweep)."""
    name = create_table(fddb, name="ttl_gsi_later")
    fddb.put_item(TableName=name, Item={"pk": {"S": "wrong"}, "g": {"N": "5"}, "expires": {"N": RECENT_PAST}})
    fddb.put_item(TableName=name, Item={"pk": {"S": "by_hand"}, "g": {"N": "6"}})
    fddb.update_table(TableName=name, AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                      GlobalSecondaryIndexUpdates=[{"Create": {"IndexName": "by_g",
                                                               "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                                               "Projection": {"ProjectionType": "ALL"}}}])
    enable_ttl(fddb, name)  # after the index: the sweep meets the item the index left out
    fddb.delete_item(TableName=name, Key={"pk": {"S": "by_hand"}})
    assert get(fddb, name, {"pk": {"S": "by_hand"}}) is None
    assert wait_until(lambda: get(fddb, name, {"pk": {"S": "wrong"}}) is None)
    other = create_table(fddb, name="ttl_gsi_later_other")
    enable_ttl(fddb, other)
    fddb.put_item(TableName=other, Item={"pk": {"S": "x"}, "expires": {"N": RECENT_PAST}})
    assert wait_until(lambda: get(fddb, other, {"pk": {"S": "x"}}) is None)
