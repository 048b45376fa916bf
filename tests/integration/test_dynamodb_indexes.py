"""Reading secondary indexes with Query and Scan: projections (ALL,
KEYS_ONLY, INCLUDE) and Select, sparse indexes, DynamoDB's order on index-key
ties (the base-table key), LastEvaluatedKey carrying index and table keys,
pagination through every combination of target (table, LSI, GSIs), Limit,
filter and direction checked against a Python model, and the index-specific
errors.

Sources for exact messages: dynalite test/query.js and test/scan.js
(recorded against real DynamoDB): unknown index, ConsistentRead on a GSI,
ExclusiveStartKey checks for indexes, ALL_ATTRIBUTES on a GSI without ALL,
ConsumedCapacity shapes for indexes (Table units 0 unless a local index
fetches from the table); moto test_dynamodb_select.py (aws_verified): Select
on indexes. The "does not project" message was observed on DynamoDB Local.
"""
import pytest

from dynamodb_model import all_items, check_pages, key_of, order_key, pages, partition_hash, query_model, segment_range
from dynamodb_util import N, S, expect_error, put_all, unique

START_INVALID = "The provided starting key is invalid"
KEY_MISMATCH = "The provided key element does not match the schema"
TABLE_KEYS = ("pk", "sk")


# Indexes of the shared table: name -> (hash, range, projection, non-key attributes, local)
INDEXES = {
    "by_lr": ("pk", "lr", "KEYS_ONLY", [], True),
    "by_lr_all": ("pk", "lr", "ALL", [], True),
    "by_g": ("g", "gr", "ALL", [], False),
    "by_g_keys": ("g", None, "KEYS_ONLY", [], False),
    "by_h": ("h", "lr", "INCLUDE", ["note"], False),
}


def make_items():
    """120 items over 4 partitions, with ties on every index key and some
    items missing index keys (sparse)."""
    items = []
    for p in range(4):
        for s in range(30):
            n = p * 30 + s
            it = {"pk": S(f"p{p}"), "sk": N(s * 7 % 30 - 10), "v": N(n), "odd": {"BOOL": n % 2 == 1}, "note": S(f"n{n}"),
                  "other": S("o" * (n % 5))}
            if n % 7 != 0:
                it["lr"] = S(["x", "y", "\u00e9", "X"][n % 4])
            if n % 5 != 0:
                it["g"] = S("a" if n % 3 else "b")
                it["gr"] = N(n % 4 - 1)
            if n % 11 != 0:
                it["h"] = N(n % 3)
            items.append(it)
    return items


@pytest.fixture(scope="module")
def itable(ddb):
    name = unique("idx")
    defs = {"pk": "S", "sk": "N", "lr": "S", "g": "S", "gr": "N", "h": "N"}

    def index(iname):
        h, r, ptype, extra, _ = INDEXES[iname]
        schema = [{"AttributeName": h, "KeyType": "HASH"}] + ([{"AttributeName": r, "KeyType": "RANGE"}] if r else [])
        projection = {"ProjectionType": ptype}
        if extra:
            projection["NonKeyAttributes"] = extra
        return {"IndexName": iname, "KeySchema": schema, "Projection": projection}

    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": k, "AttributeType": t} for k, t in defs.items()],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                     LocalSecondaryIndexes=[index(n) for n, spec in INDEXES.items() if spec[4]],
                     GlobalSecondaryIndexes=[index(n) for n, spec in INDEXES.items() if not spec[4]])
    items = make_items()
    put_all(ddb, name, items)
    return name, items


def projected(iname, item):
    """An item as an index holds it (ALL_PROJECTED_ATTRIBUTES)."""
    if iname is None:
        return item
    h, r, ptype, extra, _ = INDEXES[iname]
    if ptype == "ALL":
        return item
    keep = set(TABLE_KEYS) | {h} | ({r} if r else set()) | set(extra)
    return {k: v for k, v in item.items() if k in keep}


def start_key_names(iname):
    if iname is None:
        return list(TABLE_KEYS)
    h, r, *_ = INDEXES[iname]
    return list(TABLE_KEYS) + [n for n in (h, r) if n and n not in TABLE_KEYS]


# =========================================================================== pagination against the model

TARGETS = [(None, "pk", S("p1")), ("by_lr", "pk", S("p2")), ("by_lr_all", "pk", S("p0")), ("by_g", "g", S("a")),
           ("by_g_keys", "g", S("b")), ("by_h", "h", N(1))]


@pytest.mark.parametrize("forward", [True, False])
@pytest.mark.parametrize("filtered", [False, True])
@pytest.mark.parametrize("limit", [None, 1, 3, 8, 50])
@pytest.mark.parametrize("target", TARGETS, ids=[t[0] or "table" for t in TARGETS])
def test_query_pages_match_the_model(ddb, itable, target, limit, filtered, forward):
    table, items = itable
    iname, hname, hvalue = target
    rname = INDEXES[iname][1] if iname else "sk"
    model = query_model(items, hname, hvalue, rname, TABLE_KEYS if iname else (), forward=forward)
    request = dict(TableName=table, KeyConditionExpression="#h = :h", ExpressionAttributeNames={"#h": hname},
                   ExpressionAttributeValues={":h": hvalue}, ScanIndexForward=forward)
    if iname:
        request["IndexName"] = iname
    if limit:
        request["Limit"] = limit
    matches = None
    if filtered:
        # Filter on what every target holds and may filter on: the table's sort key (the table's own query filters on `odd`).
        if iname:
            request["FilterExpression"] = "sk > :cut"
            request["ExpressionAttributeValues"] = dict(request["ExpressionAttributeValues"], **{":cut": N(3)})
            matches = lambda it: int(it["sk"]["N"]) > 3
        else:
            request["FilterExpression"] = "odd = :t"
            request["ExpressionAttributeValues"] = dict(request["ExpressionAttributeValues"], **{":t": {"BOOL": True}})
            matches = lambda it: it["odd"]["BOOL"]
    check_pages(pages(ddb.query, **request), model, limit, matches, start_key_names(iname), project=lambda it: projected(iname, it))


@pytest.mark.parametrize("iname", ["by_g", "by_lr", "by_h"])
def test_query_sort_key_ranges_on_indexes(ddb, itable, iname):
    table, items = itable
    hname, rname, *_ = INDEXES[iname]
    hvalue = {"by_g": S("a"), "by_lr": S("p3"), "by_h": N(2)}[iname]
    for op, value, test in [(">", 0, lambda x: x > 0), ("<=", 0, lambda x: x <= 0), ("=", 1, lambda x: x == 1)] if rname == "gr" else \
            [(">=", "y", lambda x: x >= b"y"), ("<", "y", lambda x: x < b"y"), ("=", "X", lambda x: x == b"X")]:
        vals = {":h": hvalue, ":r": N(value) if rname == "gr" else S(value)}
        out = ddb.query(TableName=table, IndexName=iname, KeyConditionExpression=f"{hname} = :h AND {rname} {op} :r",
                        ExpressionAttributeValues=vals)
        model = query_model(items, hname, hvalue, rname, TABLE_KEYS, matches=lambda v: v is not None and test(order_key(v)))
        assert out["Items"] == [projected(iname, it) for it in model]
    between = ddb.query(TableName=table, IndexName="by_lr", KeyConditionExpression="pk = :p AND begins_with(lr, :x)",
                        ExpressionAttributeValues={":p": S("p1"), ":x": S("\u00e9")})
    assert [it["lr"] for it in between["Items"]] == [S("\u00e9")] * between["Count"] and between["Count"] > 0


def test_ties_on_index_keys_follow_the_table_key(ddb):
    table = unique()
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                                           {"AttributeName": "g", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                     GlobalSecondaryIndexes=[{"IndexName": "tie", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                              "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    keys = [("b", 2), ("a", 10), ("b", -1), ("a", 9), ("B", 0), ("\u00e9", 1), ("ab", 1), ("a", 100)]
    put_all(ddb, table, [{"pk": S(p), "sk": N(s), "g": S("same")} for p, s in keys])
    want = [{"pk": S(p), "sk": N(s), "g": S("same")} for p, s in sorted(keys, key=lambda k: (k[0].encode(), k[1]))]
    out = ddb.query(TableName=table, IndexName="tie", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": S("same")})
    assert out["Items"] == want
    back = ddb.query(TableName=table, IndexName="tie", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": S("same")},
                     ScanIndexForward=False, Limit=3)
    assert back["Items"] == list(reversed(want))[:3]
    assert back["LastEvaluatedKey"] == want[-3]
    resumed = ddb.query(TableName=table, IndexName="tie", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": S("same")},
                        ScanIndexForward=False, ExclusiveStartKey=back["LastEvaluatedKey"])
    assert resumed["Items"] == list(reversed(want))[3:]


# =========================================================================== projections and Select

def test_default_select_on_an_index_is_its_projection(ddb, itable):
    table, items = itable
    out = ddb.query(TableName=table, IndexName="by_h", KeyConditionExpression="h = :h", ExpressionAttributeValues={":h": N(0)}, Limit=2)
    assert all(set(it) <= {"pk", "sk", "h", "lr", "note"} and "note" in it for it in out["Items"])
    assert set(out["LastEvaluatedKey"]) == {"pk", "sk", "h", "lr"}
    assert all(set(it) == {"pk", "sk", "g"} for it in
               ddb.query(TableName=table, IndexName="by_g_keys", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": S("a")})["Items"])


def test_all_attributes_from_a_local_index_fetches_the_item(ddb, itable):
    table, items = itable
    out = ddb.query(TableName=table, IndexName="by_lr", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("p0")},
                    Select="ALL_ATTRIBUTES", ReturnConsumedCapacity="INDEXES", ConsistentRead=True)
    assert out["Items"] == query_model(items, "pk", S("p0"), "lr", TABLE_KEYS)
    cc = out["ConsumedCapacity"]
    assert cc["Table"]["CapacityUnits"] > 0 and cc["LocalSecondaryIndexes"]["by_lr"]["CapacityUnits"] > 0
    assert cc["CapacityUnits"] == cc["Table"]["CapacityUnits"] + cc["LocalSecondaryIndexes"]["by_lr"]["CapacityUnits"]
    # Non-projected attributes by name come from the table too.
    named = ddb.query(TableName=table, IndexName="by_lr", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("p0")},
                      ProjectionExpression="note, v")
    assert named["Items"] == [key_of(it, ["note", "v"]) for it in query_model(items, "pk", S("p0"), "lr", TABLE_KEYS)]


def test_global_index_select_errors(ddb, itable):
    table, _ = itable
    base = dict(TableName=table, KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": S("a")})
    expect_error(lambda: ddb.query(IndexName="by_g_keys", Select="ALL_ATTRIBUTES", **base), "ValidationException",
                 "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary "
                 "index by_g_keys because its projection type is not ALL")
    expect_error(lambda: ddb.scan(TableName=table, IndexName="by_h", Select="ALL_ATTRIBUTES"), "ValidationException",
                 "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary "
                 "index by_h because its projection type is not ALL")
    expect_error(lambda: ddb.query(IndexName="by_g_keys", ProjectionExpression="pk, v, note, v2", **base), "ValidationException",
                 "One or more parameter values were invalid: Global secondary index by_g_keys does not project [v, note, v2]")
    full = ddb.query(IndexName="by_g", Select="ALL_ATTRIBUTES", Limit=1, **base)
    assert "note" in full["Items"][0]
    assert ddb.query(IndexName="by_g_keys", Select="SPECIFIC_ATTRIBUTES", ProjectionExpression="g", Limit=1, **base)["Items"] == [{"g": S("a")}]


# =========================================================================== sparse indexes

def test_sparse_global_index_follows_writes(ddb, itable):
    table, items = itable
    key = {"pk": S("sparse"), "sk": N(1)}
    ask = dict(TableName=table, IndexName="by_g_keys", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": S("zz")})
    ddb.put_item(TableName=table, Item=dict(key, v=N(1)))
    assert ddb.query(**ask)["Count"] == 0
    ddb.update_item(TableName=table, Key=key, UpdateExpression="SET g = :g", ExpressionAttributeValues={":g": S("zz")})
    assert ddb.query(**ask)["Items"] == [dict(key, g=S("zz"))]
    ddb.update_item(TableName=table, Key=key, UpdateExpression="SET g = :g", ExpressionAttributeValues={":g": S("zy")})
    assert ddb.query(**ask)["Count"] == 0
    ddb.update_item(TableName=table, Key=key, UpdateExpression="SET g = :g", ExpressionAttributeValues={":g": S("zz")})
    ddb.update_item(TableName=table, Key=key, UpdateExpression="REMOVE g")
    assert ddb.query(**ask)["Count"] == 0
    ddb.put_item(TableName=table, Item=dict(key, g=S("zz")))
    ddb.delete_item(TableName=table, Key=key)
    assert ddb.query(**ask)["Count"] == 0
    # Only items with both keys of by_g are in it.
    scanned = all_items(pages(ddb.scan, TableName=table, IndexName="by_g", Limit=7))
    assert sorted((it["pk"]["S"], int(it["sk"]["N"])) for it in scanned) == \
        sorted((it["pk"]["S"], int(it["sk"]["N"])) for it in items if "g" in it and "gr" in it)


# =========================================================================== scanning indexes

@pytest.mark.parametrize("iname", ["by_g", "by_g_keys", "by_lr"])
def test_index_scan_order_pages_and_segments(ddb, itable, iname):
    table, items = itable
    hname, rname, *_ = INDEXES[iname]
    present = [it for it in items if hname in it and (rname is None or rname in it)]
    model = sorted(present, key=lambda it: (partition_hash(it[hname]), order_key(it[hname])) +
                   ((order_key(it[rname]),) if rname else ()) + tuple(order_key(it[k]) for k in TABLE_KEYS))
    check_pages(pages(ddb.scan, TableName=table, IndexName=iname, Limit=9), model, 9, None, start_key_names(iname),
                project=lambda it: projected(iname, it))
    seen = []
    for s in range(3):
        low, high = segment_range(s, 3)
        got = all_items(pages(ddb.scan, TableName=table, IndexName=iname, Segment=s, TotalSegments=3, Limit=5))
        assert got == [projected(iname, it) for it in model if low <= partition_hash(it[hname]) <= high]
        seen += got
    assert len(seen) == len(model)


def test_index_scan_start_key_errors(ddb, itable):
    table, _ = itable
    for start, message in [({"pk": S("p0"), "sk": N(1)}, START_INVALID),
                           ({"pk": S("p0"), "sk": N(1), "x": S("a"), "y": S("b")}, START_INVALID),
                           ({"pk": S("p0"), "sk": N(1), "g": N(1), "gr": N(1)}, KEY_MISMATCH),
                           ({"pk": N(0), "sk": N(1), "g": S("a"), "gr": N(1)}, START_INVALID + ": " + KEY_MISMATCH)]:
        expect_error(lambda: ddb.scan(TableName=table, IndexName="by_g", ExclusiveStartKey=start), "ValidationException", message)


# =========================================================================== index errors

def test_index_query_errors(ddb, itable):
    table, _ = itable
    base = dict(TableName=table, ExpressionAttributeValues={":v": S("a")})
    expect_error(lambda: ddb.query(IndexName="nope", KeyConditionExpression="g = :v", **base), "ValidationException",
                 "The table does not have the specified index: nope")
    expect_error(lambda: ddb.query(IndexName="by_g", KeyConditionExpression="g = :v", ConsistentRead=True, **base),
                 "ValidationException", "Consistent reads are not supported on global secondary indexes")
    expect_error(lambda: ddb.scan(TableName=table, IndexName="by_g_keys", ConsistentRead=True),
                 "ValidationException", "Consistent reads are not supported on global secondary indexes")
    assert ddb.query(IndexName="by_lr", KeyConditionExpression="pk = :v", ConsistentRead=True, **base)["Count"] == 0
    expect_error(lambda: ddb.query(IndexName="by_g", KeyConditionExpression="pk = :v", **base), "ValidationException",
                 "Query condition missed key schema element: g")
    expect_error(lambda: ddb.query(IndexName="by_g", KeyConditionExpression="g = :v AND sk = :n",
                                   ExpressionAttributeValues={":v": S("a"), ":n": N(1)}, TableName=table),
                 "ValidationException", "Query condition missed key schema element: gr")
    expect_error(lambda: ddb.query(IndexName="by_g", KeyConditionExpression="g = :v", FilterExpression="gr = :n",
                                   ExpressionAttributeValues={":v": S("a"), ":n": N(1)}, TableName=table),
                 "ValidationException", "Filter Expression can only contain non-primary key attributes: Primary key attribute: gr")
    expect_error(lambda: ddb.query(IndexName="by_g", KeyConditionExpression="g = :v", FilterExpression="lr.x = :v", **base),
                 "ValidationException",
                 "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: lr")
    # The table's keys are ordinary attributes to a global index.
    out = ddb.query(IndexName="by_g", KeyConditionExpression="g = :v", FilterExpression="pk = :p",
                    ExpressionAttributeValues={":v": S("a"), ":p": S("p1")}, TableName=table)
    assert out["Count"] > 0 and all(it["pk"] == S("p1") for it in out["Items"])


INDEX_START_KEY_ERRORS = [
    ("by_lr", {"pk": S("p0"), "sk": N(1)}, START_INVALID),
    ("by_lr", {"pk": S("p0"), "sk": N(1), "x": S("a")}, START_INVALID),
    ("by_lr", {"pk": S("p0"), "sk": N(1), "lr": N(1)}, KEY_MISMATCH),
    ("by_lr", {"pk": S("p0"), "sk": S("1"), "lr": S("x")}, START_INVALID + ": " + KEY_MISMATCH),
    ("by_lr", {"pk": S("p9"), "sk": N(1), "lr": S("x")}, "The provided starting key is outside query boundaries based on provided conditions"),
    ("by_g", {"pk": S("p0"), "sk": N(1), "g": S("a")}, START_INVALID),
    ("by_g", {"pk": S("p0"), "sk": N(1), "g": S("b"), "gr": N(1)}, "The provided starting key is outside query boundaries based on provided conditions"),
    ("by_g_keys", {"pk": S("p0"), "sk": N(1), "x": N(1)}, START_INVALID),
    ("by_g_keys", {"pk": S("p0"), "g": S("a"), "x": N(1)}, START_INVALID + ": " + KEY_MISMATCH),
]


@pytest.mark.parametrize("iname,start,message", INDEX_START_KEY_ERRORS)
def test_index_query_start_key_errors(ddb, itable, iname, start, message):
    table, _ = itable
    hname = INDEXES[iname][0]
    value = S("p0") if hname == "pk" else S("a")
    expect_error(lambda: ddb.query(TableName=table, IndexName=iname, KeyConditionExpression=f"{hname} = :v",
                                   ExpressionAttributeValues={":v": value}, ExclusiveStartKey=start),
                 "ValidationException", message)


def test_index_start_key_against_range_condition(ddb, itable):
    table, _ = itable
    expect_error(lambda: ddb.query(TableName=table, IndexName="by_g", KeyConditionExpression="g = :v AND gr > :n",
                                   ExpressionAttributeValues={":v": S("a"), ":n": N(1)},
                                   ExclusiveStartKey={"pk": S("p0"), "sk": N(1), "g": S("a"), "gr": N(0)}),
                 "ValidationException", "The provided starting key does not match the range key predicate")


def test_index_consumed_capacity_shapes(ddb, itable):
    table, _ = itable
    out = ddb.query(TableName=table, IndexName="by_g_keys", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": S("b")},
                    ReturnConsumedCapacity="INDEXES", Limit=4)
    assert out["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 0.5, "Table": {"CapacityUnits": 0.0},
                                       "GlobalSecondaryIndexes": {"by_g_keys": {"CapacityUnits": 0.5}}}
    out = ddb.query(TableName=table, IndexName="by_lr", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("p1")},
                    ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 0.5}
    out = ddb.scan(TableName=table, IndexName="by_lr_all", ReturnConsumedCapacity="INDEXES", ConsistentRead=True)
    assert out["ConsumedCapacity"]["LocalSecondaryIndexes"]["by_lr_all"]["CapacityUnits"] >= 1.0
    assert out["ConsumedCapacity"]["Table"] == {"CapacityUnits": 0.0}
