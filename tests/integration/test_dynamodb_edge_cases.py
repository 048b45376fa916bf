"""DynamoDB edge cases of issue #15: attribute-name limits, the 4 MB
transaction limit, legacy comparison operators given values of the wrong
type or count, QueryFilter on key attributes, removals from a missing item,
ReturnValues on nested paths, index write capacity, tag rules, and
out-of-range numbers anywhere in a request (never a 5xx).

Sources for exact messages and shapes (each fact also in the commit that
relied on it):
- ScyllaDB Alternator test/alternator/*.py, run against real DynamoDB:
  test_limits.py (a 65535-byte non-key attribute name is accepted, 65536 is a
  ValidationException mentioning 6553[56]; key and projected attribute names
  over 255 are refused), test_item.py test_update_item_non_existent /
  test_update_item_delete (an update that only removes attributes or set
  elements creates no item and is no error), test_update_expression.py
  test_nested_attribute_remove_from_missing_item, test_returnvalues.py
  (UPDATED_OLD / UPDATED_NEW / ALL_NEW on nested paths and list elements),
  test_expected.py (BEGINS_WITH with a number, CONTAINS with a list:
  ValidationException), test_tag.py (index ARNs refused; tag characters;
  lengths in characters; empty value allowed), test_manual_requests.py
  test_tags_return_empty_body.
- DynamoDB Local's ErrorFactory: "Attribute name is too large, must be less
  than 65536 bytes".
- dynalite validations (recorded against DynamoDB): "One or more parameter
  values were invalid: ComparisonOperator X is not valid for T AttributeValue
  type", "Invalid number of argument(s) for the X ComparisonOperator",
  "QueryFilter can only contain non-primary key attributes: Primary key
  attribute: k".
- A DynamoDB API-quirks catalogue probed live in us-east-1 / us-west-2
  (2026-10): "The Tag Key provided is invalid, Key: <k>", "The Tag Value
  provided is invalid, Value: <v>" (null when absent), "Tag Key cannot be
  prefixed with aws:, Key: <k>", "Duplicate Tag Keys provided as input:
  Duplicate Tag Key found <k>", "Number of Tags exceed the current limit for
  the provided ResourceArn" (ValidationException, not LimitExceeded), "One or
  more parameter values were invalid: Invalid resource arn provided, only
  table or stream is accepted. Provided resource arn: <arn>" (index ARNs).
- nubo-db/dynamodb-conformance tests/tier1/putItem/indexConsumedCapacity
  (measured in eu-west-2): index write units per index touched, two for an
  index key change, none for a sparse miss or an unchanged projection; arms
  only for indexes that cost something; TOTAL folds them in.
- The API reference: "The aggregate size of the items in the transaction
  cannot exceed 4 MB"; the message "Transaction request cannot be larger than
  4 MB" is the one clients match on (not confirmed against a recording).
"""
import json

import pytest

from dynamodb_util import assert_raw_error, create_table, expect_error, get, raw_call, table_arn, unique


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


INVALID = "One or more parameter values were invalid: "
NAME_TOO_LARGE = "Attribute name is too large, must be less than 65536 bytes"


@pytest.fixture
def table(ddb):
    return create_table(ddb)


# =========================================================================== 1. attribute name lengths

LONG = "x" * 65536
OK_LONG = "y" * 65535

# (name, operation, request body with TABLE for the table name, expected message)
LONG_NAME_CASES = [
    ("put_item_name", "PutItem", {"Item": {"pk": S("a"), LONG: S("v")}}, NAME_TOO_LARGE),
    ("attributes_to_get", "GetItem", {"Key": {"pk": S("a")}, "AttributesToGet": [LONG]}, NAME_TOO_LARGE),
    ("attribute_updates", "UpdateItem", {"Key": {"pk": S("a")}, "AttributeUpdates": {LONG: {"Action": "PUT", "Value": N(1)}}},
     NAME_TOO_LARGE),
    ("expected", "PutItem", {"Item": {"pk": S("a")}, "Expected": {LONG: {"Exists": False}}}, NAME_TOO_LARGE),
    ("projection_name", "GetItem", {"Key": {"pk": S("a")}, "ProjectionExpression": "#n", "ExpressionAttributeNames": {"#n": LONG}},
     "ExpressionAttributeNames contains invalid value: " + NAME_TOO_LARGE + " for key #n"),
    ("update_name", "UpdateItem", {"Key": {"pk": S("a")}, "UpdateExpression": "SET #n = :v", "ExpressionAttributeNames": {"#n": LONG},
                                   "ExpressionAttributeValues": {":v": N(1)}},
     "ExpressionAttributeNames contains invalid value: " + NAME_TOO_LARGE + " for key #n"),
    ("scan_filter", "Scan", {"ScanFilter": {LONG: {"ComparisonOperator": "NULL"}}}, NAME_TOO_LARGE),
]


@pytest.mark.parametrize("name,op,body,message", LONG_NAME_CASES, ids=[c[0] for c in LONG_NAME_CASES])
def test_attribute_name_over_65535_bytes_refused(server, table, name, op, body, message):
    resp = raw_call(server.url, op, dict(body, TableName=table))
    assert_raw_error(resp, "ValidationException", message=message)


def test_attribute_name_of_65535_bytes_accepted(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), OK_LONG: S("v")})
    assert get(ddb, table, {"pk": S("a")}, ProjectionExpression="#n", ExpressionAttributeNames={"#n": OK_LONG}) == {OK_LONG: S("v")}
    ddb.update_item(TableName=table, Key={"pk": S("a")}, UpdateExpression="SET #n = :v",
                    ExpressionAttributeNames={"#n": OK_LONG}, ExpressionAttributeValues={":v": N(2)})
    assert get(ddb, table, {"pk": S("a")}, AttributesToGet=[OK_LONG]) == {OK_LONG: N(2)}


def key_name_body(name, **changes):
    body = {"TableName": unique(), "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
                                     {"AttributeName": "g", "AttributeType": "S"}]}
    body.update(changes)
    return body


K256 = "k" * 256
K255 = "k" * 255
TOO_LONG_255 = "failed to satisfy constraint: Member must have length less than or equal to 255"
KEY_NAME_CASES = [
    ("hash_key", {"KeySchema": [{"AttributeName": K256, "KeyType": "HASH"}],
                  "AttributeDefinitions": [{"AttributeName": K256, "AttributeType": "S"}]},
     ["at 'keySchema.1.member.attributeName'", "at 'attributeDefinitions.1.member.attributeName'"]),
    ("range_key_incoherent", {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": K256, "KeyType": "RANGE"}],
                              "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]},
     ["at 'keySchema.2.member.attributeName'"]),
    ("gsi_key", {"GlobalSecondaryIndexes": [{"IndexName": "gsi", "KeySchema": [{"AttributeName": K256, "KeyType": "HASH"}],
                                             "Projection": {"ProjectionType": "ALL"}}]},
     ["at 'globalSecondaryIndexes.1.member.keySchema.1.member.attributeName'"]),
    ("lsi_projection", {"LocalSecondaryIndexes": [{"IndexName": "lsi", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                                      {"AttributeName": "g", "KeyType": "RANGE"}],
                                                   "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": [K256]}}]},
     ["at 'localSecondaryIndexes.1.member.projection.nonKeyAttributes'"]),
]


@pytest.mark.parametrize("name,changes,parts", KEY_NAME_CASES, ids=[c[0] for c in KEY_NAME_CASES])
def test_key_attribute_name_over_255_refused(server, ddb, name, changes, parts):
    body = key_name_body(name, **changes)
    resp = raw_call(server.url, "CreateTable", body)
    assert_raw_error(resp, "ValidationException", contains=[TOO_LONG_255, *parts])
    expect_error(lambda: ddb.describe_table(TableName=body["TableName"]), "ResourceNotFoundException")


def test_key_attribute_names_of_255_accepted(ddb):
    name = create_table(ddb, hash_key=(K255, "S"), range_key=(K255[:-1] + "r", "S"))
    key = {K255: S("h"), K255[:-1] + "r": S("r")}
    ddb.put_item(TableName=name, Item=dict(key, other=N(1)))
    assert get(ddb, name, key) == dict(key, other=N(1))


# =========================================================================== 2. 4 MB transactions

TX_TOO_LARGE = "Transaction request cannot be larger than 4 MB"


def test_transact_write_over_4mb_refused(ddb, table):
    items = [{"Put": {"TableName": table, "Item": {"pk": S(f"big{i}"), "payload": S("x" * 350_000)}}} for i in range(12)]
    expect_error(lambda: ddb.transact_write_items(TransactItems=items), "ValidationException", message=TX_TOO_LARGE)
    assert get(ddb, table, {"pk": S("big0")}) is None


def test_transact_write_under_4mb_accepted(ddb, table):
    items = [{"Put": {"TableName": table, "Item": {"pk": S(f"ok{i}"), "payload": S("x" * 350_000)}}} for i in range(10)]
    ddb.transact_write_items(TransactItems=items)
    assert get(ddb, table, {"pk": S("ok9")})["payload"] == S("x" * 350_000)


def test_transact_get_over_4mb_refused(ddb, table):
    for i in range(11):
        ddb.put_item(TableName=table, Item={"pk": S(f"g{i}"), "payload": S("x" * 399_000)})
    gets = [{"Get": {"TableName": table, "Key": {"pk": S(f"g{i}")}}} for i in range(11)]
    expect_error(lambda: ddb.transact_get_items(TransactItems=gets), "ValidationException", message=TX_TOO_LARGE)
    assert len(ddb.transact_get_items(TransactItems=gets[:10])["Responses"]) == 10


# =========================================================================== 3. legacy operators: types and counts

# (name, comparison operator, values, expected message)
LEGACY_CASES = [
    ("begins_with_number", "BEGINS_WITH", [N(3)], INVALID + "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"),
    ("contains_list", "CONTAINS", [{"L": [N(1)]}], INVALID + "ComparisonOperator CONTAINS is not valid for L AttributeValue type"),
    ("not_contains_set", "NOT_CONTAINS", [{"SS": ["a"]}], INVALID + "ComparisonOperator NOT_CONTAINS is not valid for SS AttributeValue type"),
    ("in_map", "IN", [{"M": {}}], INVALID + "ComparisonOperator IN is not valid for M AttributeValue type"),
    ("between_bool", "BETWEEN", [{"BOOL": True}, {"BOOL": False}], INVALID + "ComparisonOperator BETWEEN is not valid for BOOL AttributeValue type"),
    ("between_three", "BETWEEN", [N(1), N(2), N(3)], INVALID + "Invalid number of argument(s) for the BETWEEN ComparisonOperator"),
    ("between_one", "BETWEEN", [N(1)], INVALID + "Invalid number of argument(s) for the BETWEEN ComparisonOperator"),
    ("in_none", "IN", [], INVALID + "Invalid number of argument(s) for the IN ComparisonOperator"),
    ("contains_two", "CONTAINS", [S("a"), S("b")], INVALID + "Invalid number of argument(s) for the CONTAINS ComparisonOperator"),
    ("begins_with_none", "BEGINS_WITH", [], INVALID + "Invalid number of argument(s) for the BEGINS_WITH ComparisonOperator"),
    ("between_mixed", "BETWEEN", [N(1), S("2")], INVALID + "AttributeValues inside AttributeValueList must be of same type"),
    ("between_reversed", "BETWEEN", [N(2), N(1)],
     "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"),
]


@pytest.mark.parametrize("name,op,values,message", LEGACY_CASES, ids=[c[0] for c in LEGACY_CASES])
@pytest.mark.parametrize("where", ["Expected", "ScanFilter", "QueryFilter"])
def test_legacy_operator_wrong_type_or_count(server, ddb, table, name, op, values, message, where):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "v": S("keep")})
    condition = {"v": {"ComparisonOperator": op, "AttributeValueList": values}}
    if where == "Expected":
        if name == "in_none":  # an empty list is "must be used with ComparisonOperator" in Expected
            return
        resp = raw_call(server.url, "PutItem", {"TableName": table, "Item": {"pk": S("a")}, "Expected": condition})
    elif where == "ScanFilter":
        resp = raw_call(server.url, "Scan", {"TableName": table, "ScanFilter": condition})
    else:
        resp = raw_call(server.url, "Query", {"TableName": table, "QueryFilter": condition,
                                              "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("a")]}}})
    assert_raw_error(resp, "ValidationException", message=message)
    assert get(ddb, table, {"pk": S("a")}) == {"pk": S("a"), "v": S("keep")}


def test_expected_wrong_type_in_value_member(server, ddb, table):
    resp = raw_call(server.url, "PutItem", {"TableName": table, "Item": {"pk": S("a")},
                                           "Expected": {"v": {"ComparisonOperator": "BEGINS_WITH", "Value": N(1)}}})
    assert_raw_error(resp, "ValidationException", message=INVALID + "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type")


def test_expected_type_mismatch_against_item_is_a_failed_condition(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "x": N(3)})
    expect_error(lambda: ddb.put_item(TableName=table, Item={"pk": S("a")},
                                      Expected={"x": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [S("d")]}}),
                 "ConditionalCheckFailedException")


# =========================================================================== 4. QueryFilter on key attributes

@pytest.fixture
def indexed(ddb):
    return create_table(ddb, range_key=("sk", "S"),
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
                                              {"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "l", "AttributeType": "S"}],
                        GlobalSecondaryIndexes=[{"IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["proj"]}}],
                        LocalSecondaryIndexes=[{"IndexName": "lsi", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                                  {"AttributeName": "l", "KeyType": "RANGE"}],
                                                "Projection": {"ProjectionType": "ALL"}}])


@pytest.mark.parametrize("index,hash_key,attribute", [(None, "pk", "pk"), (None, "pk", "sk"), ("gsi", "g", "g"), ("lsi", "pk", "l")])
def test_query_filter_on_key_attribute_refused(ddb, indexed, index, hash_key, attribute):
    kw = {"IndexName": index} if index else {}
    expect_error(lambda: ddb.query(TableName=indexed, KeyConditions={hash_key: {"ComparisonOperator": "EQ", "AttributeValueList": [S("a")]}},
                                   QueryFilter={attribute: {"ComparisonOperator": "EQ", "AttributeValueList": [S("a")]}}, **kw),
                 "ValidationException",
                 message=f"QueryFilter can only contain non-primary key attributes: Primary key attribute: {attribute}")


# =========================================================================== 5. removals from a missing item

# (name, UpdateItem arguments): each only removes, so a missing item stays missing.
REMOVE_ONLY_CASES = [
    ("remove_top", {"UpdateExpression": "REMOVE a"}),
    ("remove_nested", {"UpdateExpression": "REMOVE a.b"}),
    ("remove_list_element", {"UpdateExpression": "REMOVE a[0]"}),
    ("delete_nested_set", {"UpdateExpression": "DELETE a.b :s", "ExpressionAttributeValues": {":s": {"SS": ["x"]}}}),
    ("delete_set", {"UpdateExpression": "DELETE a :s", "ExpressionAttributeValues": {":s": {"NS": ["1"]}}}),
    ("legacy_delete", {"AttributeUpdates": {"a": {"Action": "DELETE"}}}),
    ("legacy_delete_set", {"AttributeUpdates": {"a": {"Action": "DELETE", "Value": {"NS": ["4"]}}}}),
]


@pytest.mark.parametrize("name,kwargs", REMOVE_ONLY_CASES, ids=[c[0] for c in REMOVE_ONLY_CASES])
def test_update_missing_item_with_only_removals_creates_nothing(ddb, table, name, kwargs):
    out = ddb.update_item(TableName=table, Key={"pk": S("gone")}, ReturnValues="ALL_NEW", **kwargs)
    assert "Attributes" not in out
    assert get(ddb, table, {"pk": S("gone")}) is None


def test_update_missing_item_with_empty_attribute_updates_creates_it(ddb, table):
    out = ddb.update_item(TableName=table, Key={"pk": S("new")}, ReturnValues="ALL_NEW", AttributeUpdates={})
    assert out["Attributes"] == {"pk": S("new")}


def test_update_missing_item_with_remove_and_set_creates_it(ddb, table):
    ddb.update_item(TableName=table, Key={"pk": S("mixed")}, UpdateExpression="REMOVE a.b SET c = :v",
                    ExpressionAttributeValues={":v": N(1)})
    assert get(ddb, table, {"pk": S("mixed")}) == {"pk": S("mixed"), "c": N(1)}


def test_remove_nested_path_of_missing_attribute_in_existing_item_refused(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a")})
    expect_error(lambda: ddb.update_item(TableName=table, Key={"pk": S("a")}, UpdateExpression="REMOVE x.y"),
                 "ValidationException", message="The document path provided in the update expression is invalid for update")


# =========================================================================== 6. ReturnValues on nested paths

def update(ddb, table, rv, expression, values=None):
    kw = {"ExpressionAttributeValues": values} if values else {}
    return ddb.update_item(TableName=table, Key={"pk": S("n")}, ReturnValues=rv, UpdateExpression=expression, **kw).get("Attributes")


def L(*xs):
    return {"L": [N(x) for x in xs]}


# Alternator's test_update_item_returnvalues_nested, step by step on one item.
NESTED_STEPS = [
    ("updated_old_map_member", "UPDATED_OLD", "SET a.b = :v", {":v": S("yo")}, {"a": {"M": {"b": S("hi")}}}),
    ("updated_old_list_element", "UPDATED_OLD", "SET a.c[1] = :v", {":v": N(7)}, {"a": {"M": {"c": L(2)}}}),
    ("updated_old_two_paths", "UPDATED_OLD", "SET a.c[1] = :v, a.b = :w", {":v": N(8), ":w": S("dog")},
     {"a": {"M": {"b": S("yo"), "c": L(7)}}}),
    ("updated_new_map_member", "UPDATED_NEW", "SET a.b = :v", {":v": S("hello")}, {"a": {"M": {"b": S("hello")}}}),
    ("updated_new_list_element", "UPDATED_NEW", "SET a.c[1] = :v", {":v": N(4)}, {"a": {"M": {"c": L(4)}}}),
    ("all_new_nested", "ALL_NEW", "SET a.c[1] = :v", {":v": N(3)},
     {"pk": S("n"), "a": {"M": {"b": S("hello"), "c": L(1, 3, 3)}}, "d": S("cat")}),
    ("updated_old_remove_past_end", "UPDATED_OLD", "REMOVE a.c[1], a.c[3]", None, {"a": {"M": {"c": L(3)}}}),
    ("updated_old_new_member", "UPDATED_OLD", "SET a.x1 = :v", {":v": N(8)}, None),
    ("updated_new_new_member", "UPDATED_NEW", "SET a.x2 = :v", {":v": N(8)}, {"a": {"M": {"x2": N(8)}}}),
    ("updated_new_append_past_end", "UPDATED_NEW", "SET a.c[100] = :v", {":v": N(70)}, None),
    ("updated_new_remove_shifts", "UPDATED_NEW", "REMOVE a.c[1]", None, {"a": {"M": {"c": L(70)}}}),
]


def test_return_values_on_nested_paths(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("n"), "a": {"M": {"b": S("hi"), "c": L(1, 2, 3)}}, "d": S("cat")})
    for name, rv, expression, values, expected in NESTED_STEPS:
        assert update(ddb, table, rv, expression, values) == expected, name


RV_CASES = [
    # (name, ReturnValues, UpdateExpression, values, expected Attributes) on {pk: n, a: hi, b: dog}
    ("updated_old_same_value", "UPDATED_OLD", "SET b = :v", {":v": S("dog")}, {"b": S("dog")}),
    ("updated_old_new_attribute", "UPDATED_OLD", "SET z = :v", {":v": S("x")}, None),
    ("updated_old_remove", "UPDATED_OLD", "REMOVE b", None, {"b": S("dog")}),
    ("updated_new_remove", "UPDATED_NEW", "REMOVE b", None, None),
    ("updated_new_arithmetic", "UPDATED_NEW", "SET n = if_not_exists(n, :z) + :one", {":z": N(0), ":one": N(1)}, {"n": N(1)}),
    ("all_new_remove", "ALL_NEW", "REMOVE b", None, {"pk": S("n"), "a": S("hi")}),
    ("all_old", "ALL_OLD", "SET b = :v", {":v": S("cat")}, {"pk": S("n"), "a": S("hi"), "b": S("dog")}),
]


@pytest.mark.parametrize("name,rv,expression,values,expected", RV_CASES, ids=[c[0] for c in RV_CASES])
def test_return_values_cases(ddb, table, name, rv, expression, values, expected):
    ddb.put_item(TableName=table, Item={"pk": S("n"), "a": S("hi"), "b": S("dog")})
    assert update(ddb, table, rv, expression, values) == expected


def test_return_values_when_item_created(ddb, table):
    assert ddb.update_item(TableName=table, Key={"pk": S("c1")}, ReturnValues="UPDATED_NEW", UpdateExpression="SET a = :v",
                           ExpressionAttributeValues={":v": N(1)})["Attributes"] == {"a": N(1)}
    assert "Attributes" not in ddb.update_item(TableName=table, Key={"pk": S("c2")}, ReturnValues="ALL_OLD",
                                               UpdateExpression="SET a = :v", ExpressionAttributeValues={":v": N(1)})
    assert "Attributes" not in ddb.update_item(TableName=table, Key={"pk": S("c3")}, ReturnValues="UPDATED_NEW", AttributeUpdates={})


# =========================================================================== 7. capacity with indexes

def arms(cc):
    return (cc["CapacityUnits"], cc["Table"]["CapacityUnits"],
            {k: v["CapacityUnits"] for k, v in cc.get("GlobalSecondaryIndexes", {}).items()},
            {k: v["CapacityUnits"] for k, v in cc.get("LocalSecondaryIndexes", {}).items()})


FULL = {"sk": S("1"), "g": S("g1"), "l": S("L1"), "proj": S("p"), "other": S("o")}
# (name, item put, expected (total, table, gsi arms, lsi arms))
PUT_CAPACITY_CASES = [
    ("gsi_only", {"sk": S("1"), "g": S("g1"), "proj": S("p")}, (2.0, 1.0, {"gsi": 1.0}, {})),
    ("sparse", {"sk": S("1"), "other": S("o")}, (1.0, 1.0, {}, {})),
    ("lsi_only", {"sk": S("1"), "l": S("L1")}, (2.0, 1.0, {}, {"lsi": 1.0})),
    ("both", FULL, (3.0, 1.0, {"gsi": 1.0}, {"lsi": 1.0})),
]


@pytest.mark.parametrize("name,item,expected", PUT_CAPACITY_CASES, ids=[c[0] for c in PUT_CAPACITY_CASES])
def test_put_item_index_capacity(ddb, indexed, name, item, expected):
    out = ddb.put_item(TableName=indexed, Item=dict(item, pk=S(name)), ReturnConsumedCapacity="INDEXES")
    assert arms(out["ConsumedCapacity"]) == expected


def test_put_identical_overwrite_charges_no_index(ddb, indexed):
    item = dict(FULL, pk=S("same"))
    ddb.put_item(TableName=indexed, Item=item)
    assert arms(ddb.put_item(TableName=indexed, Item=item, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]) == (1.0, 1.0, {}, {})


def test_put_total_folds_index_units(ddb, indexed):
    cc = ddb.put_item(TableName=indexed, Item=dict(FULL, pk=S("total")), ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert cc == {"TableName": indexed, "CapacityUnits": 3.0}


UPDATE_CAPACITY_CASES = [
    ("non_projected", "SET #o = :v", {":v": S("o2")}, (2.0, 1.0, {}, {"lsi": 1.0})),
    ("projected", "SET proj = :v", {":v": S("p2")}, (3.0, 1.0, {"gsi": 1.0}, {"lsi": 1.0})),
    ("gsi_key_change", "SET g = :v", {":v": S("moved")}, (4.0, 1.0, {"gsi": 2.0}, {"lsi": 1.0})),
    ("gsi_key_removed", "REMOVE g", None, (3.0, 1.0, {"gsi": 1.0}, {"lsi": 1.0})),
    ("lsi_key_change", "SET l = :v", {":v": S("L2")}, (3.0, 1.0, {}, {"lsi": 2.0})),
]


@pytest.mark.parametrize("name,expression,values,expected", UPDATE_CAPACITY_CASES, ids=[c[0] for c in UPDATE_CAPACITY_CASES])
def test_update_item_index_capacity(ddb, indexed, name, expression, values, expected):
    key = {"pk": S(name), "sk": S("1")}
    ddb.put_item(TableName=indexed, Item=dict(FULL, **key))
    kw = {"ExpressionAttributeValues": values} if values else {}
    if "#o" in expression:
        kw["ExpressionAttributeNames"] = {"#o": "other"}
    out = ddb.update_item(TableName=indexed, Key=key, UpdateExpression=expression, ReturnConsumedCapacity="INDEXES", **kw)
    assert arms(out["ConsumedCapacity"]) == expected


def test_delete_item_index_capacity(ddb, indexed):
    ddb.put_item(TableName=indexed, Item=dict(FULL, pk=S("del")))
    ddb.put_item(TableName=indexed, Item={"pk": S("del-sparse"), "sk": S("1")})
    full = ddb.delete_item(TableName=indexed, Key={"pk": S("del"), "sk": S("1")}, ReturnConsumedCapacity="INDEXES")
    sparse = ddb.delete_item(TableName=indexed, Key={"pk": S("del-sparse"), "sk": S("1")}, ReturnConsumedCapacity="INDEXES")
    assert arms(full["ConsumedCapacity"]) == (3.0, 1.0, {"gsi": 1.0}, {"lsi": 1.0})
    assert arms(sparse["ConsumedCapacity"]) == (1.0, 1.0, {}, {})


def test_batch_write_index_capacity(ddb, indexed):
    out = ddb.batch_write_item(RequestItems={indexed: [
        {"PutRequest": {"Item": {"pk": S("b1"), "sk": S("1"), "g": S("gb"), "proj": S("p")}}},
        {"PutRequest": {"Item": {"pk": S("b2"), "sk": S("1"), "other": S("o")}}}]}, ReturnConsumedCapacity="INDEXES")
    assert [arms(cc) for cc in out["ConsumedCapacity"]] == [(3.0, 2.0, {"gsi": 1.0}, {})]


def test_transact_write_index_capacity_doubles(ddb, indexed):
    out = ddb.transact_write_items(TransactItems=[{"Put": {"TableName": indexed, "Item": dict(FULL, pk=S("tx"))}}],
                                   ReturnConsumedCapacity="INDEXES")
    assert [arms(cc) for cc in out["ConsumedCapacity"]] == [(6.0, 2.0, {"gsi": 2.0}, {"lsi": 2.0})]


@pytest.mark.parametrize("index,key,arm", [("gsi", "g", "GlobalSecondaryIndexes"), ("lsi", "pk", "LocalSecondaryIndexes")])
def test_index_reads_report_the_index_arm(ddb, indexed, index, key, arm):
    ddb.put_item(TableName=indexed, Item=dict(FULL, pk=S("g1")))
    q = ddb.query(TableName=indexed, IndexName=index, KeyConditionExpression=f"{key} = :v", ExpressionAttributeValues={":v": S("g1")},
                  ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert q == {"TableName": indexed, "CapacityUnits": 0.5, "Table": {"CapacityUnits": 0.0}, arm: {index: {"CapacityUnits": 0.5}}}
    s = ddb.scan(TableName=indexed, IndexName=index, ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert s == {"TableName": indexed, "CapacityUnits": 0.5}


# =========================================================================== 8. tags

def tag_error(server, arn, tags, message, op="TagResource"):
    body = {"ResourceArn": arn, "Tags": tags} if op == "TagResource" else {"ResourceArn": arn, "TagKeys": tags}
    assert_raw_error(raw_call(server.url, op, body), "ValidationException", message=message)


TAG_CASES = [
    ("key_bang", [{"Key": "hi!", "Value": "v"}], "The Tag Key provided is invalid, Key: hi!"),
    ("key_percent", [{"Key": "d%g", "Value": "v"}], "The Tag Key provided is invalid, Key: d%g"),
    ("key_emoji", [{"Key": "\U0001F511", "Value": "v"}], "The Tag Key provided is invalid, Key: \U0001F511"),
    ("key_empty", [{"Key": "", "Value": "v"}], "The Tag Key provided is invalid, Key: "),
    ("key_missing", [{"Value": "v"}], "The Tag Key provided is invalid, Key: null"),
    ("key_129", [{"Key": "k" * 129, "Value": "v"}], "The Tag Key provided is invalid, Key: " + "k" * 129),
    ("key_aws_prefix", [{"Key": "aws:foo", "Value": "v"}], "Tag Key cannot be prefixed with aws:, Key: aws:foo"),
    ("value_quote", [{"Key": "k", "Value": '"hello"'}], 'The Tag Value provided is invalid, Value: "hello"'),
    ("value_missing", [{"Key": "k"}], "The Tag Value provided is invalid, Value: null"),
    ("value_257", [{"Key": "k", "Value": "v" * 257}], "The Tag Value provided is invalid, Value: " + "v" * 257),
    ("duplicate", [{"Key": "dup", "Value": "1"}, {"Key": "dup", "Value": "2"}],
     "Duplicate Tag Keys provided as input: Duplicate Tag Key found dup"),
    ("over_50", [{"Key": f"k{i}", "Value": "v"} for i in range(51)], "Number of Tags exceed the current limit for the provided ResourceArn"),
]


@pytest.mark.parametrize("name,tags,message", TAG_CASES, ids=[c[0] for c in TAG_CASES])
def test_tag_resource_rules(server, ddb, table, name, tags, message):
    tag_error(server, table_arn(table), tags, message)
    assert ddb.list_tags_of_resource(ResourceArn=table_arn(table))["Tags"] == []


@pytest.mark.parametrize("name,tags,message", TAG_CASES, ids=[c[0] for c in TAG_CASES])
def test_create_table_tag_rules(server, ddb, name, tags, message):
    body = key_name_body("x", Tags=tags, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                               {"AttributeName": "sk", "AttributeType": "S"}])
    assert_raw_error(raw_call(server.url, "CreateTable", body), "ValidationException", message=message)
    expect_error(lambda: ddb.describe_table(TableName=body["TableName"]), "ResourceNotFoundException")


def test_tags_past_50_with_existing_refused(server, ddb, table):
    arn = table_arn(table)
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": str(i), "Value": "v"} for i in range(30)])
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": str(i), "Value": "w"} for i in range(20, 40)])  # 40 distinct
    tag_error(server, arn, [{"Key": str(i), "Value": "v"} for i in range(40, 60)],
              "Number of Tags exceed the current limit for the provided ResourceArn")
    assert len(ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]) == 40


def test_tags_allowed_characters_and_lengths(server, ddb, table):
    arn = table_arn(table)
    tags = [{"Key": "ключ 表", "Value": "café+-=._:/@"}, {"Key": "k" * 128, "Value": "v" * 256},
            {"Key": "\u05d0" * 128, "Value": "\u05d0" * 256}, {"Key": "nbsp\u00a0ideo\u3000", "Value": ""}]
    resp = raw_call(server.url, "TagResource", {"ResourceArn": arn, "Tags": tags})
    assert resp.status == 200 and resp.body == b"", resp
    got = ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]
    assert sorted(got, key=lambda t: t["Key"]) == sorted(tags, key=lambda t: t["Key"])
    resp = raw_call(server.url, "UntagResource", {"ResourceArn": arn, "TagKeys": ["k" * 128]})
    assert resp.status == 200 and resp.body == b"", resp


def test_untag_invalid_key_refused(server, table):
    tag_error(server, table_arn(table), ["k" * 129], "The Tag Key provided is invalid, Key: " + "k" * 129, op="UntagResource")
    tag_error(server, table_arn(table), [""], "The Tag Key provided is invalid, Key: ", op="UntagResource")


@pytest.mark.parametrize("op", ["TagResource", "UntagResource", "ListTagsOfResource"])
def test_index_arn_refused_for_tags(server, ddb, indexed, op):
    desc = ddb.describe_table(TableName=indexed)["Table"]
    for arn in (desc["GlobalSecondaryIndexes"][0]["IndexArn"], desc["LocalSecondaryIndexes"][0]["IndexArn"]):
        body = {"ResourceArn": arn}
        if op == "TagResource":
            body["Tags"] = [{"Key": "a", "Value": "b"}]
        if op == "UntagResource":
            body["TagKeys"] = ["a"]
        assert_raw_error(raw_call(server.url, op, body), "ValidationException",
                         message=INVALID + "Invalid resource arn provided, only table or stream is accepted. "
                                           "Provided resource arn: " + arn)


# =========================================================================== 9. numbers out of range: never a 5xx

# Numbers (and non-numbers) where the request carries one: beyond a double,
# beyond a Long, beyond an unsigned 64-bit integer, negative, fractional, and
# of the wrong JSON type. Every one must be a 400 (SerializationException or
# ValidationException), never the 500 a parser exception used to surface as.
ODD_NUMBERS = ["1e400", "-1e400", "1e30", "18446744073709551616", "9223372036854775808", "9223372036854775807",
               "-9223372036854775809", "2147483648", "-1", "0", "1.5", "-0.0", "true", '"5"', "[]", "{}",
               "99999999999999999999999999999999"]

# (name, operation, body template with {n} for the number and {t} for the table)
NUMBER_SLOTS = [
    ("scan_limit", "Scan", '{{"TableName":"{t}","Limit":{n}}}'),
    ("scan_segment", "Scan", '{{"TableName":"{t}","Segment":{n},"TotalSegments":2}}'),
    ("scan_total_segments", "Scan", '{{"TableName":"{t}","Segment":0,"TotalSegments":{n}}}'),
    ("query_limit", "Query", '{{"TableName":"{t}","Limit":{n},"KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{{":p":{{"S":"a"}}}}}}'),
    ("list_tables_limit", "ListTables", '{{"Limit":{n}}}'),
    ("create_rcu", "CreateTable", '{{"TableName":"{t}-c","KeySchema":[{{"AttributeName":"pk","KeyType":"HASH"}}],'
                                  '"AttributeDefinitions":[{{"AttributeName":"pk","AttributeType":"S"}}],'
                                  '"ProvisionedThroughput":{{"ReadCapacityUnits":{n},"WriteCapacityUnits":1}}}}'),
    ("update_wcu", "UpdateTable", '{{"TableName":"{t}","ProvisionedThroughput":{{"ReadCapacityUnits":1,"WriteCapacityUnits":{n}}}}}'),
    ("gsi_update_rcu", "UpdateTable", '{{"TableName":"{t}","GlobalSecondaryIndexUpdates":[{{"Update":{{"IndexName":"gsi",'
                                      '"ProvisionedThroughput":{{"ReadCapacityUnits":{n},"WriteCapacityUnits":1}}}}}}]}}'),
    ("recovery_days", "UpdateContinuousBackups", '{{"TableName":"{t}","PointInTimeRecoverySpecification":'
                                                 '{{"PointInTimeRecoveryEnabled":true,"RecoveryPeriodInDays":{n}}}}}'),
    ("ttl_enabled", "UpdateTimeToLive", '{{"TableName":"{t}","TimeToLiveSpecification":{{"Enabled":{n},"AttributeName":"t"}}}}'),
    ("ttl_attribute", "UpdateTimeToLive", '{{"TableName":"{t}","TimeToLiveSpecification":{{"Enabled":true,"AttributeName":{n}}}}}'),
    ("number_value_unquoted", "PutItem", '{{"TableName":"{t}","Item":{{"pk":{{"S":"a"}},"x":{{"N":{n}}}}}}}'),
    ("number_value_quoted", "PutItem", '{{"TableName":"{t}","Item":{{"pk":{{"S":"a"}},"x":{{"N":"{q}"}}}}}}'),
    ("number_set", "PutItem", '{{"TableName":"{t}","Item":{{"pk":{{"S":"a"}},"x":{{"NS":[{n}]}}}}}}'),
    ("consistent_read", "GetItem", '{{"TableName":"{t}","Key":{{"pk":{{"S":"a"}}}},"ConsistentRead":{n}}}'),
    ("table_name", "DescribeTable", '{{"TableName":{n}}}'),
    ("add_number", "UpdateItem", '{{"TableName":"{t}","Key":{{"pk":{{"S":"a"}}}},"UpdateExpression":"ADD c :v",'
                                 '"ExpressionAttributeValues":{{":v":{{"N":"{q}"}}}}}}'),
    ("list_index", "UpdateItem", '{{"TableName":"{t}","Key":{{"pk":{{"S":"a"}}}},"UpdateExpression":"SET l[{q}] = :v",'
                                 '"ExpressionAttributeValues":{{":v":{{"N":"1"}}}}}}'),
    ("batch_get_key", "BatchGetItem", '{{"RequestItems":{{"{t}":{{"Keys":[{{"pk":{{"N":{n}}}}}]}}}}}}'),
    ("transact_token", "TransactWriteItems", '{{"TransactItems":[{{"Put":{{"TableName":"{t}","Item":{{"pk":{{"S":"a"}}}}}}}}],'
                                             '"ClientRequestToken":{n}}}'),
    ("tag_key", "TagResource", '{{"ResourceArn":"{arn}","Tags":[{{"Key":{n},"Value":"v"}}]}}'),
    ("start_key", "Scan", '{{"TableName":"{t}","ExclusiveStartKey":{{"pk":{{"S":{n}}}}}}}'),
    ("filter_size", "Scan", '{{"TableName":"{t}","FilterExpression":"size(x) > :v","ExpressionAttributeValues":{{":v":{{"N":"{q}"}}}}}}'),
]


@pytest.fixture(scope="module")
def provisioned(ddb):
    name = unique("num")
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
                     ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                     GlobalSecondaryIndexes=[{"IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                              "Projection": {"ProjectionType": "ALL"},
                                              "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}])
    ddb.put_item(TableName=name, Item={"pk": S("a"), "l": {"L": []}})
    return name


@pytest.mark.parametrize("name,op,template", NUMBER_SLOTS, ids=[c[0] for c in NUMBER_SLOTS])
def test_odd_numbers_never_answer_5xx(server, provisioned, name, op, template):
    for n in ODD_NUMBERS:
        body = template.format(n=n, q=n.strip('"'), t=provisioned, arn=table_arn(provisioned))
        resp = raw_call(server.url, op, body)
        assert resp.status < 500, (n, resp)
        if resp.status == 400:
            assert resp.error_type.split("#")[1] in ("SerializationException", "ValidationException"), (n, resp)


# (name, body, expected type, expected message)
NUMBER_ANSWERS = [
    ("limit_beyond_long", '{{"TableName":"{t}","Limit":9223372036854775808}}', "SerializationException",
     "NUMBER_VALUE cannot be converted to Long"),
    ("limit_beyond_uint64", '{{"TableName":"{t}","Limit":18446744073709551616}}', "SerializationException",
     "NUMBER_VALUE cannot be converted to Long"),
    ("limit_fraction", '{{"TableName":"{t}","Limit":1.5}}', "SerializationException", "NUMBER_VALUE cannot be converted to Long"),
    ("limit_string", '{{"TableName":"{t}","Limit":"5"}}', "SerializationException", "STRING_VALUE cannot be converted to Long"),
    ("limit_zero", '{{"TableName":"{t}","Limit":0}}', "ValidationException",
     "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"),
    ("limit_beyond_double", '{{"TableName":"{t}","Limit":1e400}}', "SerializationException",
     "NUMBER_VALUE cannot be converted: a number in the request body is out of range"),
]


@pytest.mark.parametrize("name,body,code,message", NUMBER_ANSWERS, ids=[c[0] for c in NUMBER_ANSWERS])
def test_odd_number_answers(server, provisioned, name, body, code, message):
    resp = raw_call(server.url, "Scan", body.format(t=provisioned))
    assert_raw_error(resp, code, message=message)
