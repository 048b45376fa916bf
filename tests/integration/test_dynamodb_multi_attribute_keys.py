"""Global secondary indexes with multi-attribute keys (DynamoDB, November
2025): up to 4 partition (HASH) and 4 sort (RANGE) attributes per index key.
Checked with Debian's boto3 1.26, whose model predates the feature but only
validates list minimums client-side, so it sends such key schemas as is.

Rules (the developer guide's "Multi-attribute key schema"): items missing
any key attribute are left out of the index; Query needs an equality on
every partition attribute, then takes sort attributes left to right, a
range only on the last one used; LastEvaluatedKey carries every key
attribute. The matches tournament below follows the guide's example."""
import re

import pytest
from botocore.exceptions import ClientError

from dynamodb_util import make_client, unique

INDEX = "by_tournament"
KEY = [
    {"AttributeName": "tournament", "KeyType": "HASH"},
    {"AttributeName": "region", "KeyType": "HASH"},
    {"AttributeName": "round", "KeyType": "RANGE"},
    {"AttributeName": "bracket", "KeyType": "RANGE"},
    {"AttributeName": "match", "KeyType": "RANGE"},
]


def defs(*pairs):
    return [{"AttributeName": n, "AttributeType": t} for n, t in pairs]


def create(ddb, key_schema=KEY, extra_defs=(), name=None):
    name = name or unique("multi")
    attributes = {"id": "S", "tournament": "S", "region": "S", "round": "N", "bracket": "S", "match": "N"}
    attributes.update(dict(extra_defs))
    used = {"id"} | {k["AttributeName"] for k in key_schema}
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=defs(*[(n, t) for n, t in attributes.items() if n in used]),
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     GlobalSecondaryIndexes=[{"IndexName": INDEX, "KeySchema": key_schema,
                                              "Projection": {"ProjectionType": "ALL"}}])
    return name


def match(i, tournament="WINTER", region="EU", rnd=1, bracket="UPPER", n=None):
    return {"id": {"S": f"m{i}"}, "tournament": {"S": tournament}, "region": {"S": region},
            "round": {"N": str(rnd)}, "bracket": {"S": bracket}, "match": {"N": str(i if n is None else n)}}


@pytest.fixture
def matches(ddb):
    t = create(ddb)
    items = []
    i = 0
    for region in ("EU", "NA"):
        for rnd in (1, 2, 3):
            for bracket in ("LOWER", "UPPER"):
                for n in (1, 2):
                    items.append(match(i, region=region, rnd=rnd, bracket=bracket, n=n))
                    i += 1
    items.append(match(100, tournament="SUMMER"))
    for item in items:
        ddb.put_item(TableName=t, Item=item)
    # Sparse: a missing key attribute (any of them) leaves the item out.
    partial = match(200)
    del partial["bracket"]
    ddb.put_item(TableName=t, Item=partial)
    partial = match(201)
    del partial["region"]
    ddb.put_item(TableName=t, Item=partial)
    return t


def query(ddb, table, condition, values, **kw):
    names = {k: v for k, v in {"#r": "round", "#m": "match", "#reg": "region"}.items() if re.search(k + r"\b", condition)}
    if names:
        kw["ExpressionAttributeNames"] = names
    return ddb.query(TableName=table, IndexName=INDEX, KeyConditionExpression=condition, ExpressionAttributeValues=values, **kw)


def ids(out):
    return [i["id"]["S"] for i in out["Items"]]


def tuples(out):
    return [(int(i["round"]["N"]), i["bracket"]["S"], int(i["match"]["N"])) for i in out["Items"]]


PK = "tournament = :t AND #reg = :g"
PKV = {":t": {"S": "WINTER"}, ":g": {"S": "EU"}}


def test_describe_table_shows_every_key_attribute(ddb, matches):
    gsi = ddb.describe_table(TableName=matches)["Table"]["GlobalSecondaryIndexes"][0]
    assert gsi["KeySchema"] == KEY
    assert gsi["ItemCount"] == 24 + 1  # the two partial items are not indexed


def test_query_needs_every_partition_attribute(ddb, matches):
    with pytest.raises(ClientError) as e:
        query(ddb, matches, "tournament = :t", {":t": {"S": "WINTER"}})
    assert e.value.response["Error"]["Message"] == "Query condition missed key schema element: region"
    with pytest.raises(ClientError) as e:
        query(ddb, matches, "tournament = :t AND #reg > :g", PKV)
    assert e.value.response["Error"]["Message"] == "Query key condition not supported"


def test_query_partition_only_in_tuple_order(ddb, matches):
    out = query(ddb, matches, PK, PKV)
    assert tuples(out) == sorted(tuples(out))
    assert len(out["Items"]) == 12
    assert all(i["region"]["S"] == "EU" and i["tournament"]["S"] == "WINTER" for i in out["Items"])
    back = query(ddb, matches, PK, PKV, ScanIndexForward=False)
    assert tuples(back) == list(reversed(tuples(out)))


@pytest.mark.parametrize("condition, values, expected", [
    ("#r = :a", {":a": {"N": "2"}}, [(2, b, m) for b in ("LOWER", "UPPER") for m in (1, 2)]),
    ("#r < :a", {":a": {"N": "2"}}, [(1, b, m) for b in ("LOWER", "UPPER") for m in (1, 2)]),
    ("#r >= :a", {":a": {"N": "3"}}, [(3, b, m) for b in ("LOWER", "UPPER") for m in (1, 2)]),
    ("#r BETWEEN :a AND :b", {":a": {"N": "2"}, ":b": {"N": "3"}},
     [(r, b, m) for r in (2, 3) for b in ("LOWER", "UPPER") for m in (1, 2)]),
    ("#r = :a AND bracket = :b", {":a": {"N": "2"}, ":b": {"S": "UPPER"}}, [(2, "UPPER", 1), (2, "UPPER", 2)]),
    ("#r = :a AND begins_with(bracket, :b)", {":a": {"N": "1"}, ":b": {"S": "LO"}}, [(1, "LOWER", 1), (1, "LOWER", 2)]),
    ("#r = :a AND bracket > :b", {":a": {"N": "1"}, ":b": {"S": "LOWER"}}, [(1, "UPPER", 1), (1, "UPPER", 2)]),
    ("#r = :a AND bracket <= :b", {":a": {"N": "1"}, ":b": {"S": "LOWER"}}, [(1, "LOWER", 1), (1, "LOWER", 2)]),
    ("#r = :a AND bracket = :b AND #m > :c", {":a": {"N": "3"}, ":b": {"S": "LOWER"}, ":c": {"N": "1"}}, [(3, "LOWER", 2)]),
    ("#r = :a AND bracket = :b AND #m = :c", {":a": {"N": "3"}, ":b": {"S": "LOWER"}, ":c": {"N": "1"}}, [(3, "LOWER", 1)]),
])
def test_sort_attributes_left_to_right(ddb, matches, condition, values, expected):
    out = query(ddb, matches, PK + " AND " + condition, {**PKV, **values})
    assert tuples(out) == expected


@pytest.mark.parametrize("condition, values, message", [
    ("bracket = :b", {":b": {"S": "UPPER"}},
     "RANGE key attributes round must have equality conditions specified in the query because a condition is present on key attribute bracket"),
    ("#r > :a AND bracket = :b", {":a": {"N": "1"}, ":b": {"S": "UPPER"}},
     "RANGE key attributes round must have equality conditions specified in the query because a condition is present on key attribute bracket"),
    ("#r = :a AND #m = :c", {":a": {"N": "1"}, ":c": {"N": "1"}},
     "RANGE key attributes bracket must have equality conditions specified in the query because a condition is present on key attribute match"),
    ("#r = :a", {":a": {"S": "1"}}, "One or more parameter values were invalid: Condition parameter type does not match schema type"),
])
def test_sort_attribute_rules(ddb, matches, condition, values, message):
    with pytest.raises(ClientError) as e:
        query(ddb, matches, PK + " AND " + condition, {**PKV, **values})
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert e.value.response["Error"]["Message"] == message


def test_paging_carries_every_key_attribute(ddb, matches):
    seen, start = [], None
    while True:
        kw = {"Limit": 5}
        if start:
            kw["ExclusiveStartKey"] = start
        out = query(ddb, matches, PK + " AND #r >= :a", {**PKV, ":a": {"N": "2"}}, **kw)
        seen += tuples(out)
        start = out.get("LastEvaluatedKey")
        if not start:
            break
        assert set(start) == {"id", "tournament", "region", "round", "bracket", "match"}
    assert seen == [(r, b, m) for r in (2, 3) for b in ("LOWER", "UPPER") for m in (1, 2)]


def test_writes_keep_the_index_current(ddb, matches):
    ddb.update_item(TableName=matches, Key={"id": {"S": "m0"}}, UpdateExpression="SET #reg = :n",
                    ExpressionAttributeNames={"#reg": "region"}, ExpressionAttributeValues={":n": {"S": "APAC"}})
    out = query(ddb, matches, PK, {":t": {"S": "WINTER"}, ":g": {"S": "APAC"}})
    assert ids(out) == ["m0"]
    assert len(query(ddb, matches, PK, PKV)["Items"]) == 11
    ddb.delete_item(TableName=matches, Key={"id": {"S": "m0"}})
    assert query(ddb, matches, PK, {":t": {"S": "WINTER"}, ":g": {"S": "APAC"}})["Items"] == []


def test_index_key_types_and_sizes_are_checked_on_write(ddb, matches):
    bad = match(300)
    bad["bracket"] = {"N": "1"}
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=matches, Item=bad)
    assert e.value.response["Error"]["Message"] == (
        "One or more parameter values were invalid: Type mismatch for Index Key bracket Expected: S Actual: N IndexName: " + INDEX)
    long = match(301, bracket="x" * 1025)
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=matches, Item=long)
    assert e.value.response["Error"]["Message"] == (
        "One or more parameter values were invalid: Size limit exceeded for Index Key bracket Actual Size: 1025 bytes "
        "Max Size: 1024 bytes IndexName: " + INDEX)


def test_values_with_zero_bytes_and_prefixes_sort_as_tuples(ddb):
    # Tuple order must not depend on how values run into each other: ("a", "b")
    # < ("a\0", "a") < ("ab", "a"), and begins_with("a") matches all three.
    key = [{"AttributeName": "tournament", "KeyType": "HASH"}, {"AttributeName": "bracket", "KeyType": "RANGE"},
           {"AttributeName": "region", "KeyType": "RANGE"}]
    t = create(ddb, key)
    rows = [("ab", "a"), ("a\0", "a"), ("a", "b"), ("a", "a"), ("b", "")]
    for i, (bracket, region) in enumerate(rows):
        item = {"id": {"S": str(i)}, "tournament": {"S": "T"}, "bracket": {"S": bracket}}
        if region:
            item["region"] = {"S": region}
        ddb.put_item(TableName=t, Item=item)
    out = ddb.query(TableName=t, IndexName=INDEX, KeyConditionExpression="tournament = :t",
                    ExpressionAttributeValues={":t": {"S": "T"}})
    assert [(i["bracket"]["S"], i["region"]["S"]) for i in out["Items"]] == [("a", "a"), ("a", "b"), ("a\0", "a"), ("ab", "a")]
    out = ddb.query(TableName=t, IndexName=INDEX, KeyConditionExpression="tournament = :t AND bracket = :b",
                    ExpressionAttributeValues={":t": {"S": "T"}, ":b": {"S": "a"}})
    assert [i["region"]["S"] for i in out["Items"]] == ["a", "b"]
    out = ddb.query(TableName=t, IndexName=INDEX, KeyConditionExpression="tournament = :t AND begins_with(bracket, :b)",
                    ExpressionAttributeValues={":t": {"S": "T"}, ":b": {"S": "a"}})
    assert len(out["Items"]) == 4


@pytest.mark.parametrize("key_schema, message", [
    ([{"AttributeName": n, "KeyType": "HASH"} for n in ("a", "b", "c", "d", "e")],
     "One or more parameter values were invalid: Global secondary index by_tournament must not have more than 4 partition key (HASH) attributes"),
    ([{"AttributeName": "a", "KeyType": "HASH"}] + [{"AttributeName": n, "KeyType": "RANGE"} for n in ("b", "c", "d", "e", "f")],
     "One or more parameter values were invalid: Global secondary index by_tournament must not have more than 4 sort key (RANGE) attributes"),
    ([{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"}, {"AttributeName": "c", "KeyType": "HASH"}],
     "Invalid KeySchema: All HASH KeySchemaElements must be specified before the RANGE KeySchemaElements"),
    ([{"AttributeName": "b", "KeyType": "RANGE"}, {"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "c", "KeyType": "HASH"}],
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
    ([{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "a", "KeyType": "HASH"}],
     "Invalid KeySchema: Duplicate attribute names are not allowed in KeySchema: a"),
])
def test_create_table_validates_multi_attribute_keys(ddb, key_schema, message):
    names = {k["AttributeName"] for k in key_schema}
    with pytest.raises(ClientError) as e:
        ddb.create_table(TableName=unique("bad"), BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=defs(("id", "S"), *[(n, "S") for n in sorted(names)]),
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         GlobalSecondaryIndexes=[{"IndexName": INDEX, "KeySchema": key_schema,
                                                  "Projection": {"ProjectionType": "ALL"}}])
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert e.value.response["Error"]["Message"] == message


def test_tables_and_local_indexes_keep_single_attribute_keys(ddb):
    with pytest.raises(ClientError) as e:
        ddb.create_table(TableName=unique("bad"), BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=defs(("a", "S"), ("b", "S"), ("c", "S")),
                         KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"},
                                    {"AttributeName": "c", "KeyType": "RANGE"}])
    assert "Member must have length less than or equal to 2" in e.value.response["Error"]["Message"]


def test_update_table_adds_a_multi_attribute_index_with_backfill(ddb):
    t = unique("multi")
    ddb.create_table(TableName=t, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=defs(("id", "S")),
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    for i in range(6):
        ddb.put_item(TableName=t, Item=match(i, region="EU" if i % 2 else "NA", bracket="x" * 1025 if i == 5 else "UPPER"))
    ddb.update_table(TableName=t, AttributeDefinitions=defs(("tournament", "S"), ("region", "S"), ("round", "N"),
                                                            ("bracket", "S"), ("match", "N")),
                     GlobalSecondaryIndexUpdates=[{"Create": {"IndexName": INDEX, "KeySchema": KEY,
                                                              "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
    gsi = ddb.describe_table(TableName=t)["Table"]["GlobalSecondaryIndexes"][0]
    assert gsi["KeySchema"] == KEY
    assert gsi["ItemCount"] == 5  # the item whose bracket is over 1024 bytes is left out
    out = query(ddb, t, PK, PKV)
    assert sorted(ids(out)) == ["m1", "m3"]
    assert set(out["Items"][0]) == {"id", "tournament", "region", "round", "bracket", "match"}


def test_multi_attribute_index_survives_restart(start_server, tmp_path):
    data = str(tmp_path)
    s = start_server("--data-dir", data)
    ddb = make_client(s.url)
    t = create(ddb)
    for i in range(3):
        ddb.put_item(TableName=t, Item=match(i, rnd=i))
    s.stop()
    s = start_server("--data-dir", data)
    ddb = make_client(s.url)
    assert ddb.describe_table(TableName=t)["Table"]["GlobalSecondaryIndexes"][0]["KeySchema"] == KEY
    out = query(ddb, t, PK + " AND #r > :a", {**PKV, ":a": {"N": "0"}})
    assert ids(out) == ["m1", "m2"]
