"""DynamoDB batches: BatchGetItem and BatchWriteItem across tables, their
limits, duplicate keys, projections, consumed capacity, the 16 MB response
limit (UnprocessedKeys), boto3's batch_writer and the AWS CLI; a rejected
batch writes nothing, and index entries and ItemCount follow batch writes.

Sources for exact messages and shapes:
- dynalite test/batchGetItem.js, test/batchWriteItem.js (written against real
  DynamoDB): duplicate keys, "Too many items requested for the ... call",
  key-schema mismatch for a PutRequest, item size checked before the table,
  "Supplied AttributeValue has more than one datatypes set ..." for a
  WriteRequest without exactly one action, response {"UnprocessedItems": {}},
  Responses listing every table, consumed capacity per key (missing keys
  cost too: 0.5 eventually consistent, 1 strongly consistent).
- paritysuite/dynamodb-conformance tier3 (captured against us-east-1 and
  eu-west-2, 2026-10): BatchGetItem's generic constraint wording ("Value at
  'RequestItems.<t>.member.Keys' ..."), its JSON echo for a bad table name,
  BatchWriteItem's "The requestItems parameter is required for
  BatchWriteItem", the '{t=[]}' map-value echo, enum reported alone over a bad
  table name, empty key values.
"""
import base64
import json

import boto3
import pytest

from conftest import aws_cli
from dynamodb_util import (REGION, assert_raw_error, create_table, expect_error, get, make_resource, raw_call,
                           unique)

NOT_FOUND = "Requested resource not found"
KEY_MISMATCH = "The provided key element does not match the schema"
DUPLICATES = "Provided list of item keys contains duplicates"
MAP_KEYS = ("Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have "
            "length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]")
MAP_VALUE = ("Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have "
             "length greater than or equal to 1]")
ENUM_RCC = ("Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: "
            "[INDEXES, TOTAL, NONE]")
MAX_ITEM = 400 * 1024


def S(v):
    return {"S": v}


def K(v):
    return {"pk": {"S": v}}


def put(item):
    return {"PutRequest": {"Item": item}}


def delete(key):
    return {"DeleteRequest": {"Key": key}}


@pytest.fixture
def table(ddb):
    return create_table(ddb)


@pytest.fixture
def rtable(ddb):
    return create_table(ddb, range_key=("sk", "N"))


def item_count(ddb, name):
    return ddb.describe_table(TableName=name)["Table"]["ItemCount"]


# =========================================================================== BatchWriteItem

def test_batch_write_puts_and_deletes_across_tables(server, ddb, table, rtable):
    ddb.put_item(TableName=table, Item={**K("gone"), "v": S("x")})
    resp = raw_call(server.url, "BatchWriteItem", {"RequestItems": {
        table: [put({**K("a"), "v": S("1")}), delete(K("gone")), delete(K("never-existed"))],
        rtable: [put({**K("a"), "sk": {"N": "1"}}), put({**K("a"), "sk": {"N": "2"}})],
    }})
    assert resp.status == 200, resp
    assert resp.json == {"UnprocessedItems": {}}  # no ConsumedCapacity / ItemCollectionMetrics unless asked
    assert get(ddb, table, K("a")) == {**K("a"), "v": S("1")}
    assert get(ddb, table, K("gone")) is None
    assert get(ddb, rtable, {**K("a"), "sk": {"N": "2"}}) == {**K("a"), "sk": {"N": "2"}}
    assert item_count(ddb, table) == 1
    assert item_count(ddb, rtable) == 2


def test_batch_write_replaces_existing_items(ddb, table):
    ddb.put_item(TableName=table, Item={**K("a"), "old": S("x")})
    ddb.batch_write_item(RequestItems={table: [put({**K("a"), "new": S("y")})]})
    assert get(ddb, table, K("a")) == {**K("a"), "new": S("y")}


def test_batch_write_exactly_25_requests(ddb, table):
    ddb.batch_write_item(RequestItems={table: [put(K(f"k{i}")) for i in range(25)]})
    assert item_count(ddb, table) == 25


def test_batch_write_26_requests_in_one_table(ddb, table):
    err = expect_error(lambda: ddb.batch_write_item(RequestItems={table: [put(K(f"k{i}")) for i in range(26)]}),
                       "ValidationException")
    message = err["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value '{" + table + "=[WriteRequest(putRequest=PutRequest(item={pk=")
    assert message.endswith("]}' at 'requestItems' failed to satisfy constraint: " + MAP_VALUE)
    assert item_count(ddb, table) == 0


def test_batch_write_more_than_25_across_tables(ddb, table, rtable):
    expect_error(lambda: ddb.batch_write_item(RequestItems={
        table: [put(K(f"k{i}")) for i in range(13)],
        rtable: [put({**K(f"k{i}"), "sk": {"N": "1"}}) for i in range(13)],
    }), "ValidationException", "Too many items requested for the BatchWriteItem call")
    assert item_count(ddb, table) == 0 and item_count(ddb, rtable) == 0


@pytest.mark.parametrize("requests", [
    [put(K("dup")), delete(K("dup"))],
    [delete(K("dup")), put(K("dup"))],
    [put(K("dup")), put({**K("dup"), "v": S("other")})],
    [delete(K("dup")), delete(K("dup"))],
], ids=["put-delete", "delete-put", "put-put", "delete-delete"])
def test_batch_write_duplicate_keys_rejected(ddb, table, requests):
    expect_error(lambda: ddb.batch_write_item(RequestItems={table: [put(K("other")), *requests]}),
                 "ValidationException", DUPLICATES)
    assert item_count(ddb, table) == 0


def test_batch_write_numbers_compare_as_numbers_for_duplicates(ddb):
    name = create_table(ddb, hash_key=("n", "N"))
    expect_error(lambda: ddb.batch_write_item(RequestItems={name: [put({"n": {"N": "1"}}), put({"n": {"N": "1.0"}})]}),
                 "ValidationException", DUPLICATES)


def test_batch_write_same_key_in_two_tables_is_fine(ddb):
    a, b = create_table(ddb), create_table(ddb)
    ddb.batch_write_item(RequestItems={a: [put(K("x"))], b: [put(K("x"))]})
    assert get(ddb, a, K("x")) and get(ddb, b, K("x"))


def test_batch_write_missing_table_writes_nothing(ddb, table):
    missing = unique("missing")
    expect_error(lambda: ddb.batch_write_item(RequestItems={table: [put(K("a"))], missing: [put(K("a"))]}),
                 "ResourceNotFoundException", NOT_FOUND)
    assert get(ddb, table, K("a")) is None


@pytest.mark.parametrize("request_item", [
    put({"pk": {"N": "5"}}),
    put({"pk": {"L": [S("x")]}}),
    put({"other": S("x")}),
    put({**K("a"), "extra": S("fine")}) | {},  # valid: extra attributes are fine in an item
    delete({"other": S("x")}),
    delete({**K("a"), "extra": S("x")}),
], ids=["wrong-type", "non-scalar", "missing-key", "valid", "delete-missing-key", "delete-extra-attribute"])
def test_batch_write_key_schema(ddb, table, request_item):
    call = lambda: ddb.batch_write_item(RequestItems={table: [put(K("first")), request_item]})
    if request_item == put({**K("a"), "extra": S("fine")}):
        call()
        assert get(ddb, table, K("a"))
        return
    expect_error(call, "ValidationException", KEY_MISMATCH)
    assert get(ddb, table, K("first")) is None


def test_batch_write_range_key_required(ddb, rtable):
    expect_error(lambda: ddb.batch_write_item(RequestItems={rtable: [put(K("a"))]}), "ValidationException", KEY_MISMATCH)


def test_batch_write_empty_key_values(ddb, table):
    expect_error(lambda: ddb.batch_write_item(RequestItems={table: [put(K(""))]}), "ValidationException",
                 "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
                 "empty string value. Key: pk")
    btable = create_table(ddb, hash_key=("pk", "B"))
    expect_error(lambda: ddb.batch_write_item(RequestItems={btable: [delete({"pk": {"B": b""}})]}), "ValidationException",
                 "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
                 "empty binary value. Key: pk")


def test_batch_write_item_too_large_is_checked_before_the_table(ddb, table):
    big = {**K("big"), "data": S("x" * MAX_ITEM)}
    expect_error(lambda: ddb.batch_write_item(RequestItems={unique("missing"): [put(big)]}),
                 "ValidationException", "Item size has exceeded the maximum allowed size")
    expect_error(lambda: ddb.batch_write_item(RequestItems={table: [put(K("small")), put(big)]}),
                 "ValidationException", "Item size has exceeded the maximum allowed size")
    assert get(ddb, table, K("small")) is None


def test_batch_write_item_at_the_size_limit(ddb, table):
    # item size = name lengths + value sizes: "pk" + "a" + "data" + payload
    payload = "x" * (MAX_ITEM - len("pk") - 1 - len("data"))
    ddb.batch_write_item(RequestItems={table: [put({**K("a"), "data": S(payload)})]})
    assert len(get(ddb, table, K("a"))["data"]["S"]) == len(payload)


def test_batch_write_index_key_type_rejected(ddb):
    name = create_table(ddb, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                   {"AttributeName": "g", "AttributeType": "S"}],
                        GlobalSecondaryIndexes=[{"IndexName": "by-g",
                                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                                 "Projection": {"ProjectionType": "ALL"}}])
    expect_error(lambda: ddb.batch_write_item(RequestItems={name: [put({**K("ok"), "g": S("x")}),
                                                                   put({**K("bad"), "g": {"N": "1"}})]}),
                 "ValidationException",
                 "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N "
                 "IndexName: by-g")
    assert get(ddb, name, K("ok")) is None


def test_batch_write_maintains_index_entries_and_item_count(ddb):
    name = create_table(ddb, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                   {"AttributeName": "g", "AttributeType": "S"}],
                        GlobalSecondaryIndexes=[{"IndexName": "by-g",
                                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                                 "Projection": {"ProjectionType": "ALL"}}])
    ddb.batch_write_item(RequestItems={name: [put({**K(f"k{i}"), **({"g": S("x")} if i % 2 else {})}) for i in range(10)]})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["ItemCount"] == 10
    assert table["GlobalSecondaryIndexes"][0]["ItemCount"] == 5  # sparse: only items with g
    # k1 and k3 leave with their items; k7 is rewritten without g and leaves the index
    ddb.batch_write_item(RequestItems={name: [delete(K(f"k{i}")) for i in range(5)]
                                       + [put({**K("k7"), "other": S("no g now")})]})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["ItemCount"] == 5
    assert table["GlobalSecondaryIndexes"][0]["ItemCount"] == 2  # k5 and k9


def test_batch_write_consumed_capacity(ddb):
    a, b = create_table(ddb), create_table(ddb, hash_key=("pk", "N"))
    item = {**K("big"), "b": S("b" * 1030)}  # a little over 1 KB: 2 WCU
    requests = {a: [put(item), put(K("small"))], b: [put({"pk": {"N": "1"}})]}
    resp = ddb.batch_write_item(RequestItems=requests, ReturnConsumedCapacity="TOTAL")
    assert sorted(resp["ConsumedCapacity"], key=lambda c: c["TableName"]) == sorted(
        [{"TableName": a, "CapacityUnits": 3.0}, {"TableName": b, "CapacityUnits": 1.0}], key=lambda c: c["TableName"])
    resp = ddb.batch_write_item(RequestItems={a: [delete(K("big"))]}, ReturnConsumedCapacity="INDEXES")
    assert resp["ConsumedCapacity"] == [{"TableName": a, "CapacityUnits": 2.0, "Table": {"CapacityUnits": 2.0}}]
    resp = ddb.batch_write_item(RequestItems={a: [delete(K("big"))]}, ReturnConsumedCapacity="NONE")
    assert "ConsumedCapacity" not in resp


def test_batch_write_raw_validation(server, table):
    url = server.url
    assert_raw_error(raw_call(url, "BatchWriteItem", {}), "ValidationException",
                     "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: "
                     "Member must not be null")
    assert_raw_error(raw_call(url, "BatchWriteItem", {"RequestItems": {}}), "ValidationException",
                     "The requestItems parameter is required for BatchWriteItem")
    assert_raw_error(raw_call(url, "BatchWriteItem", {"RequestItems": {table: []}}), "ValidationException",
                     "1 validation error detected: Value '{" + table + "=[]}' at 'requestItems' failed to satisfy "
                     "constraint: " + MAP_VALUE)
    assert_raw_error(raw_call(url, "BatchWriteItem", {"RequestItems": {table: [{}]}}), "ValidationException",
                     "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
                     "supported datatypes")
    assert_raw_error(raw_call(url, "BatchWriteItem", {"RequestItems": {table: [{**put(K("a")), **delete(K("b"))}]}}),
                     "ValidationException",
                     "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
                     "supported datatypes")
    assert_raw_error(raw_call(url, "BatchWriteItem", {"RequestItems": {table: [{"PutRequest": {}}]}}),
                     "ValidationException",
                     f"1 validation error detected: Value null at 'requestItems.{table}.member.1.member.putRequest.item' "
                     "failed to satisfy constraint: Member must not be null")
    resp = assert_raw_error(raw_call(url, "BatchWriteItem", {"RequestItems": {"bad!name": [put(K("x"))]}}),
                            "ValidationException")
    assert resp.message.startswith("1 validation error detected: Value '{bad!name=[WriteRequest(putRequest=PutRequest(item={pk=")
    assert resp.message.endswith("' at 'requestItems' failed to satisfy constraint: " + MAP_KEYS)
    # The enums are checked first and reported alone, even over a bad table name.
    assert_raw_error(raw_call(url, "BatchWriteItem", {"RequestItems": {"bad!name": [put(K("x"))]},
                                                      "ReturnConsumedCapacity": "BOGUS"}),
                     "ValidationException", "1 validation error detected: " + ENUM_RCC)
    assert_raw_error(raw_call(url, "BatchWriteItem", {"RequestItems": {unique("missing"): [put(K("x"))]},
                                                      "ReturnConsumedCapacity": "BOGUS",
                                                      "ReturnItemCollectionMetrics": "BOGUS2"}),
                     "ValidationException",
                     "2 validation errors detected: " + ENUM_RCC + "; Value 'BOGUS2' at 'returnItemCollectionMetrics' "
                     "failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]")
    assert_raw_error(raw_call(url, "BatchWriteItem", {"RequestItems": {table: "nope"}}), "SerializationException")


def test_batch_writer_loads_hundreds_of_items(server, ddb, table):
    resource = make_resource(server.url)
    t = resource.Table(table)
    with t.batch_writer() as writer:
        for i in range(321):
            writer.put_item(Item={"pk": f"item-{i:04d}", "n": i, "tags": {"a", "b"}})
    assert item_count(ddb, table) == 321
    got = ddb.batch_get_item(RequestItems={table: {"Keys": [K(f"item-{i:04d}") for i in range(0, 321, 4)],
                                                   "ConsistentRead": True}})
    assert len(got["Responses"][table]) == 81
    assert t.get_item(Key={"pk": "item-0320"})["Item"]["n"] == 320
    with t.batch_writer(overwrite_by_pkeys=["pk"]) as writer:
        for i in range(100):
            writer.delete_item(Key={"pk": f"item-{i:04d}"})
    assert item_count(ddb, table) == 221


def test_cli_batch_write_item_from_file(server, ddb, table, tmp_path):
    requests = {table: [put({**K(f"cli-{i}"), "n": {"N": str(i)}, "s": S("ünïcødé")}) for i in range(25)]}
    path = tmp_path / "requests.json"
    path.write_text(json.dumps(requests, ensure_ascii=False), encoding="utf-8")
    out = json.loads(aws_cli(server.url, "dynamodb", "batch-write-item", "--request-items", f"file://{path}").stdout)
    assert out == {"UnprocessedItems": {}}
    assert item_count(ddb, table) == 25
    assert get(ddb, table, K("cli-24")) == {**K("cli-24"), "n": {"N": "24"}, "s": S("ünïcødé")}
    keys = {table: {"Keys": [K("cli-3"), K("missing")], "ProjectionExpression": "n"}}
    got = json.loads(aws_cli(server.url, "dynamodb", "batch-get-item", "--request-items", json.dumps(keys)).stdout)
    assert got["Responses"] == {table: [{"n": {"N": "3"}}]}
    assert got["UnprocessedKeys"] == {}


def test_cli_batch_write_too_many_fails(server, table, tmp_path):
    path = tmp_path / "requests.json"
    path.write_text(json.dumps({table: [put(K(f"cli-{i}")) for i in range(26)]}))
    proc = aws_cli(server.url, "dynamodb", "batch-write-item", "--request-items", f"file://{path}", check=False)
    assert proc.returncode != 0
    assert "ValidationException" in proc.stderr and "Member must have length less than or equal to 25" in proc.stderr


# =========================================================================== BatchGetItem

def test_batch_get_across_tables(ddb, table, rtable):
    ddb.put_item(TableName=table, Item={**K("a"), "v": S("1")})
    ddb.put_item(TableName=table, Item={**K("b"), "v": S("2")})
    ddb.put_item(TableName=rtable, Item={**K("a"), "sk": {"N": "1"}, "v": S("3")})
    resp = ddb.batch_get_item(RequestItems={
        table: {"Keys": [K("a"), K("missing"), K("b")], "ConsistentRead": True},
        rtable: {"Keys": [{**K("a"), "sk": {"N": "1"}}, {**K("a"), "sk": {"N": "2"}}]},
    })
    assert sorted(resp["Responses"][table], key=lambda i: i["pk"]["S"]) == [{**K("a"), "v": S("1")}, {**K("b"), "v": S("2")}]
    assert resp["Responses"][rtable] == [{**K("a"), "sk": {"N": "1"}, "v": S("3")}]
    assert resp["UnprocessedKeys"] == {}
    assert "ConsumedCapacity" not in resp


def test_batch_get_lists_every_table_even_when_nothing_is_found(server, table, rtable):
    resp = raw_call(server.url, "BatchGetItem", {"RequestItems": {
        table: {"Keys": [K("nope")]}, rtable: {"Keys": [{**K("nope"), "sk": {"N": "1"}}]}}})
    assert resp.status == 200
    assert resp.json == {"Responses": {table: [], rtable: []}, "UnprocessedKeys": {}}


def test_batch_get_projection(ddb, table):
    ddb.put_item(TableName=table, Item={**K("a"), "b": {"N": "1"}, "c": S("c"), "m": {"M": {"x": S("1"), "y": S("2")}}})
    ddb.put_item(TableName=table, Item=K("bare"))
    resp = ddb.batch_get_item(RequestItems={table: {
        "Keys": [K("a"), K("bare")], "ProjectionExpression": "#b, m.x", "ExpressionAttributeNames": {"#b": "b"}}})
    assert sorted(resp["Responses"][table], key=len) == [{}, {"b": {"N": "1"}, "m": {"M": {"x": S("1")}}}]
    resp = ddb.batch_get_item(RequestItems={table: {"Keys": [K("a")], "AttributesToGet": ["c", "pk"]}})
    assert resp["Responses"][table] == [{**K("a"), "c": S("c")}]


def test_batch_get_exactly_100_keys(ddb, table):
    ddb.batch_write_item(RequestItems={table: [put(K(f"k{i}")) for i in range(25)]})
    resp = ddb.batch_get_item(RequestItems={table: {"Keys": [K(f"k{i}") for i in range(100)]}})
    assert len(resp["Responses"][table]) == 25


def test_batch_get_more_than_100_keys(ddb, table, rtable):
    expect_error(lambda: ddb.batch_get_item(RequestItems={table: {"Keys": [K(f"k{i}") for i in range(101)]}}),
                 "ValidationException",
                 f"1 validation error detected: Value at 'RequestItems.{table}.member.Keys' failed to satisfy "
                 "constraint: Member must have length less than or equal to 100")
    expect_error(lambda: ddb.batch_get_item(RequestItems={
        table: {"Keys": [K(f"k{i}") for i in range(60)]},
        rtable: {"Keys": [{**K(f"k{i}"), "sk": {"N": "1"}} for i in range(41)]}}),
        "ValidationException", "Too many items requested for the BatchGetItem call")


def test_batch_get_duplicate_keys(ddb, table):
    expect_error(lambda: ddb.batch_get_item(RequestItems={table: {"Keys": [K("a"), K("b"), K("a")]}}),
                 "ValidationException", DUPLICATES)
    name = create_table(ddb, hash_key=("n", "N"))
    expect_error(lambda: ddb.batch_get_item(RequestItems={name: {"Keys": [{"n": {"N": "10"}}, {"n": {"N": "1E1"}}]}}),
                 "ValidationException", DUPLICATES)


def test_batch_get_missing_table(ddb, table):
    expect_error(lambda: ddb.batch_get_item(RequestItems={table: {"Keys": [K("a")]}, unique("missing"): {"Keys": [K("a")]}}),
                 "ResourceNotFoundException", NOT_FOUND)


@pytest.mark.parametrize("key", [{"other": S("a")}, {**K("a"), "extra": S("b")}, {"pk": {"N": "1"}}, {}],
                         ids=["wrong-name", "extra-attribute", "wrong-type", "empty"])
def test_batch_get_key_mismatch(server, table, key):
    assert_raw_error(raw_call(server.url, "BatchGetItem", {"RequestItems": {table: {"Keys": [key]}}}),
                     "ValidationException", KEY_MISMATCH)


def test_batch_get_empty_binary_key(ddb):
    name = create_table(ddb, hash_key=("pk", "B"))
    expect_error(lambda: ddb.batch_get_item(RequestItems={name: {"Keys": [{"pk": {"B": b""}}]}}), "ValidationException",
                 "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
                 "empty binary value. Key: pk")


def test_batch_get_mixing_expression_and_legacy_projection(ddb, table, rtable):
    expect_error(lambda: ddb.batch_get_item(RequestItems={table: {
        "Keys": [K("a")], "AttributesToGet": ["pk"], "ProjectionExpression": "pk"}}), "ValidationException",
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: "
        "{AttributesToGet} Expression parameters: {ProjectionExpression}")
    expect_error(lambda: ddb.batch_get_item(RequestItems={
        table: {"Keys": [K("a")], "ProjectionExpression": "pk"},
        rtable: {"Keys": [{**K("a"), "sk": {"N": "1"}}], "AttributesToGet": ["pk"]}}), "ValidationException")


def test_batch_get_raw_validation(server, table):
    url = server.url
    assert_raw_error(raw_call(url, "BatchGetItem", {}), "ValidationException",
                     "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: "
                     "Member must not be null")
    assert_raw_error(raw_call(url, "BatchGetItem", {"RequestItems": {}}), "ValidationException",
                     "1 validation error detected: Value at 'RequestItems' failed to satisfy constraint: Member must "
                     "have length greater than or equal to 1")
    assert_raw_error(raw_call(url, "BatchGetItem", {"RequestItems": {table: {"Keys": []}}}), "ValidationException",
                     f"1 validation error detected: Value at 'RequestItems.{table}.member.Keys' failed to satisfy "
                     "constraint: Member must have length greater than or equal to 1")
    assert_raw_error(raw_call(url, "BatchGetItem", {"RequestItems": {"bad!name": {"Keys": [K("a")]}}}),
                     "ValidationException",
                     "1 validation error detected: Value '{\"bad!name\":{\"Keys\":[{\"pk\":{\"S\":\"a\"}}]}}' at "
                     "'requestItems' failed to satisfy constraint: " + MAP_KEYS)
    assert_raw_error(raw_call(url, "BatchGetItem", {"RequestItems": {"bad!name": {"Keys": [K("a")]}},
                                                    "ReturnConsumedCapacity": "BOGUS"}),
                     "ValidationException",
                     "2 validation errors detected: Value '{\"bad!name\":{\"Keys\":[{\"pk\":{\"S\":\"a\"}}]}}' at "
                     "'requestItems' failed to satisfy constraint: " + MAP_KEYS + "; " + ENUM_RCC)
    assert_raw_error(raw_call(url, "BatchGetItem", {"RequestItems": {unique("missing"): {"Keys": [K("a")]}},
                                                    "ReturnConsumedCapacity": "BOGUS"}),
                     "ValidationException", "1 validation error detected: " + ENUM_RCC)
    assert_raw_error(raw_call(url, "BatchGetItem", {"RequestItems": {table: {"Keys": [K("a")], "AttributesToGet": ["a", "a"]}}}),
                     "ValidationException",
                     "One or more parameter values were invalid: Duplicate value in attribute name: a")
    assert_raw_error(raw_call(url, "BatchGetItem", {"RequestItems": {table: {"Keys": [{"pk": {}}]}}}), "ValidationException",
                     "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
    assert_raw_error(raw_call(url, "BatchGetItem", {"RequestItems": {table: {"Keys": [K("a")], "ConsistentRead": "yes"}}}),
                     "SerializationException")


def test_batch_get_consumed_capacity(ddb):
    a, b = create_table(ddb), create_table(ddb, hash_key=("pk", "N"))
    big = {**K("big"), "b": S("b" * 4080)}   # just under 4 KB: 1 RCU strongly consistent
    bigger = {**K("bigger"), "b": S("b" * 4100)}  # just over 4 KB: 2 RCU
    ddb.batch_write_item(RequestItems={a: [put(big), put(bigger), put(K("small"))]})

    def units(consistent, mode="TOTAL"):
        resp = ddb.batch_get_item(ReturnConsumedCapacity=mode, RequestItems={
            a: {"Keys": [K("big"), K("small"), K("missing")], "ConsistentRead": consistent},
            b: {"Keys": [{"pk": {"N": "1"}}], "ConsistentRead": consistent}})
        return {c["TableName"]: c for c in resp["ConsumedCapacity"]}

    # every key costs, found or not: 0.5 each eventually consistent, 1 strongly
    assert units(False) == {a: {"TableName": a, "CapacityUnits": 1.5}, b: {"TableName": b, "CapacityUnits": 0.5}}
    assert units(True) == {a: {"TableName": a, "CapacityUnits": 3.0}, b: {"TableName": b, "CapacityUnits": 1.0}}
    assert units(True, "INDEXES")[a] == {"TableName": a, "CapacityUnits": 3.0, "Table": {"CapacityUnits": 3.0}}
    resp = ddb.batch_get_item(ReturnConsumedCapacity="TOTAL",
                              RequestItems={a: {"Keys": [K("bigger")], "ConsistentRead": True}})
    assert resp["ConsumedCapacity"] == [{"TableName": a, "CapacityUnits": 2.0}]


def test_batch_get_16mb_limit_returns_unprocessed_keys(ddb, table):
    payload = "x" * (390 * 1024)
    keys = [K(f"big-{i:02d}") for i in range(45)]  # ~17.6 MB in all
    for start in range(0, len(keys), 20):
        ddb.batch_write_item(RequestItems={table: [put({**k, "data": S(payload)}) for k in keys[start:start + 20]]})
    request = {table: {"Keys": keys, "ConsistentRead": True, "ProjectionExpression": "pk"}}
    resp = ddb.batch_get_item(RequestItems=request)
    found = {i["pk"]["S"] for i in resp["Responses"][table]}
    unprocessed = resp["UnprocessedKeys"][table]
    assert 0 < len(unprocessed["Keys"]) < len(keys)
    assert unprocessed["ConsistentRead"] is True and unprocessed["ProjectionExpression"] == "pk"
    assert len(found) * 390 * 1024 <= 16 * 1024 * 1024
    # Retrying the unprocessed keys, as SDKs do, gets the rest.
    again = ddb.batch_get_item(RequestItems={table: unprocessed})
    assert again["UnprocessedKeys"] == {}
    found |= {i["pk"]["S"] for i in again["Responses"][table]}
    assert found == {k["pk"]["S"] for k in keys}


def test_batch_get_binary_keys(ddb):
    name = create_table(ddb, hash_key=("pk", "B"))
    ddb.put_item(TableName=name, Item={"pk": {"B": b"\x00\x01"}, "v": S("x")})
    resp = ddb.batch_get_item(RequestItems={name: {"Keys": [{"pk": {"B": b"\x00\x01"}}, {"pk": {"B": b"\x02"}}]}})
    assert resp["Responses"][name] == [{"pk": {"B": b"\x00\x01"}, "v": S("x")}]


def test_resource_batch_get_round_trip(server, ddb, table):
    resource = make_resource(server.url)
    with resource.Table(table).batch_writer() as w:
        for i in range(5):
            w.put_item(Item={"pk": f"r{i}", "n": i})
    resp = resource.batch_get_item(RequestItems={table: {"Keys": [{"pk": f"r{i}"} for i in range(5)]}})
    assert sorted(i["n"] for i in resp["Responses"][table]) == [0, 1, 2, 3, 4]
