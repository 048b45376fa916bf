"""DynamoDB transactions: TransactWriteItems (Put, Update, Delete,
ConditionCheck; all or nothing; CancellationReasons; ClientRequestToken
idempotency; consumed capacity) and TransactGetItems.

Sources for exact messages and shapes:
- boto/boto3#2657 (a real response body): TransactionCanceledException with
  top-level "Message", CancellationReasons [{"Code":"None"},
  {"Code":"ConditionalCheckFailed","Item":{...},"Message":"The conditional
  request failed"}], message "Transaction cancelled, please refer
  cancellation reasons for specific reasons [None, ConditionalCheckFailed]".
- AWS API reference, TransactionCanceledException: reason codes None,
  ConditionalCheckFailed and ValidationError (with the runtime messages, e.g.
  "Item size to update has exceeded the maximum allowed size").
- paritysuite/dynamodb-conformance tier3 (real us-east-1 / eu-west-2, 2026):
  "Transaction request cannot include multiple operations on one item",
  a missing table is ResourceNotFoundException "Requested resource not
  found", empty key values and a Put over 400 KB are top-level
  ValidationExceptions, a wrong key type cancels with a ValidationError reason
  (Put: "Type mismatch for key pk expected: S actual: N"; Key: "The provided
  key element does not match the schema"), an Update over 400 KB cancels,
  member constraints first ("Value '[]' at 'transactItems' ..."), a syntax
  error or an unused value in any action before any table is looked up,
  ClientRequestToken over 36 characters.
- moto (checked against AWS): "TransactItems can only contain one of Check,
  Put, Update or Delete".
- localstack#6529: member order does not matter for ClientRequestToken.
"""
import json
import uuid

import pytest

from dynamodb_util import assert_raw_error, create_table, expect_error, get, raw_call, unique

NOT_FOUND = "Requested resource not found"
CCF = "The conditional request failed"
KEY_MISMATCH = "The provided key element does not match the schema"
MULTIPLE = "Transaction request cannot include multiple operations on one item"
ENUM_RCC = ("Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: "
            "[INDEXES, TOTAL, NONE]")
MAX_ITEM = 400 * 1024


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def K(v):
    return {"pk": {"S": v}}


def cancelled(codes):
    return f"Transaction cancelled, please refer cancellation reasons for specific reasons [{', '.join(codes)}]"


@pytest.fixture
def table(ddb):
    return create_table(ddb)


def item_count(ddb, name):
    return ddb.describe_table(TableName=name)["Table"]["ItemCount"]


def expect_cancelled(fn, codes):
    err = expect_error(fn, "TransactionCanceledException", cancelled(codes))
    assert [r["Code"] for r in err["CancellationReasons"]] == codes
    return err["CancellationReasons"]


# =========================================================================== TransactWriteItems

def test_all_four_actions_apply_together(ddb, table):
    other = create_table(ddb)
    ddb.put_item(TableName=table, Item={**K("upd"), "n": N(1)})
    ddb.put_item(TableName=table, Item={**K("del"), "v": S("x")})
    ddb.put_item(TableName=other, Item={**K("chk"), "status": S("open")})
    resp = ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {**K("new"), "v": S("fresh")}, "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": table, "Key": K("upd"), "UpdateExpression": "SET n = n + :one, #t = :t",
                    "ExpressionAttributeNames": {"#t": "tag"}, "ExpressionAttributeValues": {":one": N(1), ":t": S("t")}}},
        {"Delete": {"TableName": table, "Key": K("del"), "ConditionExpression": "v = :x",
                    "ExpressionAttributeValues": {":x": S("x")}}},
        {"ConditionCheck": {"TableName": other, "Key": K("chk"), "ConditionExpression": "#s = :open",
                            "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":open": S("open")}}},
    ])
    assert set(resp) == {"ResponseMetadata"}
    assert get(ddb, table, K("new")) == {**K("new"), "v": S("fresh")}
    assert get(ddb, table, K("upd")) == {**K("upd"), "n": N(2), "tag": S("t")}
    assert get(ddb, table, K("del")) is None
    assert get(ddb, other, K("chk")) == {**K("chk"), "status": S("open")}
    assert item_count(ddb, table) == 2


def test_update_creates_missing_item(ddb, table):
    ddb.transact_write_items(TransactItems=[{"Update": {"TableName": table, "Key": K("u"), "UpdateExpression": "ADD c :one",
                                                        "ExpressionAttributeValues": {":one": N(1)}}}])
    assert get(ddb, table, K("u")) == {**K("u"), "c": N(1)}


def test_failing_third_condition_writes_nothing(server, ddb, table):
    ddb.put_item(TableName=table, Item={**K("existing"), "n": N(1)})
    ddb.put_item(TableName=table, Item={**K("guard"), "state": S("locked")})
    items = [
        {"Put": {"TableName": table, "Item": {**K("p1"), "v": S("1")}}},
        {"Update": {"TableName": table, "Key": K("existing"), "UpdateExpression": "SET n = :n",
                    "ExpressionAttributeValues": {":n": N(99)}}},
        {"ConditionCheck": {"TableName": table, "Key": K("guard"), "ConditionExpression": "#s = :open",
                            "ExpressionAttributeNames": {"#s": "state"}, "ExpressionAttributeValues": {":open": S("open")}}},
        {"Delete": {"TableName": table, "Key": K("existing2")}},
    ]
    reasons = expect_cancelled(lambda: ddb.transact_write_items(TransactItems=items),
                               ["None", "None", "ConditionalCheckFailed", "None"])
    assert reasons[2] == {"Code": "ConditionalCheckFailed", "Message": CCF}
    assert get(ddb, table, K("p1")) is None
    assert get(ddb, table, K("existing")) == {**K("existing"), "n": N(1)}
    assert item_count(ddb, table) == 2
    # The wire: HTTP 400, capital-M Message, reasons in order, no Message for the fine ones.
    resp = raw_call(server.url, "TransactWriteItems", {"TransactItems": items})
    assert resp.status == 400
    assert resp.json == {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": cancelled(["None", "None", "ConditionalCheckFailed", "None"]),
        "CancellationReasons": [{"Code": "None"}, {"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": CCF},
                                {"Code": "None"}],
    }


def test_every_failing_action_gets_its_reason(ddb, table):
    ddb.put_item(TableName=table, Item=K("a"))
    ddb.put_item(TableName=table, Item=K("b"))
    expect_cancelled(lambda: ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": K("a"), "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Put": {"TableName": table, "Item": K("c")}},
        {"Put": {"TableName": table, "Item": K("b"), "ConditionExpression": "attribute_not_exists(pk)"}},
    ]), ["ConditionalCheckFailed", "None", "ConditionalCheckFailed"])
    assert get(ddb, table, K("c")) is None


def test_return_values_on_condition_check_failure(ddb, table):
    ddb.put_item(TableName=table, Item={**K("a"), "v": S("old")})
    ddb.put_item(TableName=table, Item={**K("b"), "v": S("old")})
    reasons = expect_cancelled(lambda: ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": table, "Key": K("a"), "UpdateExpression": "SET v = :n", "ConditionExpression": "v = :x",
                    "ExpressionAttributeValues": {":n": S("new"), ":x": S("other")},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        {"Delete": {"TableName": table, "Key": K("b"), "ConditionExpression": "attribute_not_exists(v)",
                    "ReturnValuesOnConditionCheckFailure": "NONE"}},
        {"ConditionCheck": {"TableName": table, "Key": K("missing"), "ConditionExpression": "attribute_exists(pk)",
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
    ]), ["ConditionalCheckFailed"] * 3)
    assert reasons[0] == {"Code": "ConditionalCheckFailed", "Message": CCF, "Item": {**K("a"), "v": S("old")}}
    assert reasons[1] == {"Code": "ConditionalCheckFailed", "Message": CCF}
    assert reasons[2] == {"Code": "ConditionalCheckFailed", "Message": CCF}  # no item to return


def test_two_actions_on_one_item(ddb, table):
    for items in (
        [{"Put": {"TableName": table, "Item": {**K("x"), "v": S("1")}}}, {"Delete": {"TableName": table, "Key": K("x")}}],
        [{"ConditionCheck": {"TableName": table, "Key": K("x"), "ConditionExpression": "attribute_not_exists(pk)"}},
         {"Put": {"TableName": table, "Item": K("x")}}],
        [{"Put": {"TableName": table, "Item": K("y")}}, {"Put": {"TableName": table, "Item": {**K("x"), "a": S("1")}}},
         {"Update": {"TableName": table, "Key": K("x"), "UpdateExpression": "SET b = :b",
                     "ExpressionAttributeValues": {":b": S("2")}}}],
    ):
        expect_error(lambda: ddb.transact_write_items(TransactItems=items), "ValidationException", MULTIPLE)
    assert item_count(ddb, table) == 0


def test_same_key_in_two_tables_is_two_items(ddb, table):
    other = create_table(ddb)
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": K("x")}},
                                            {"Put": {"TableName": other, "Item": K("x")}}])
    assert get(ddb, table, K("x")) and get(ddb, other, K("x"))


def test_missing_table(ddb, table):
    expect_error(lambda: ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": K("a")}},
        {"Put": {"TableName": unique("missing"), "Item": K("a")}}]), "ResourceNotFoundException", NOT_FOUND)
    assert get(ddb, table, K("a")) is None


def test_put_key_type_mismatch_cancels(ddb, table):
    reasons = expect_cancelled(lambda: ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": K("fine")}},
        {"Put": {"TableName": table, "Item": {"pk": N(5)}}}]), ["None", "ValidationError"])
    assert reasons[1] == {"Code": "ValidationError",
                          "Message": "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"}
    assert get(ddb, table, K("fine")) is None


@pytest.mark.parametrize("action", ["Update", "Delete", "ConditionCheck"])
@pytest.mark.parametrize("key", [{"pk": N(5)}, {"pk": {"L": [S("x")]}}, {"other": S("x")}], ids=["number", "list", "name"])
def test_key_schema_mismatch_cancels(ddb, table, action, key):
    body = {"TableName": table, "Key": key}
    if action == "Update":
        body.update(UpdateExpression="SET a = :v", ExpressionAttributeValues={":v": S("x")})
    if action == "ConditionCheck":
        body.update(ConditionExpression="attribute_not_exists(pk)")
    reasons = expect_cancelled(lambda: ddb.transact_write_items(TransactItems=[{action: body}]), ["ValidationError"])
    assert reasons[0] == {"Code": "ValidationError", "Message": KEY_MISMATCH}


@pytest.mark.parametrize("action", ["Put", "Update", "Delete", "ConditionCheck"])
def test_empty_key_value_is_a_validation_exception(ddb, table, action):
    body = {"TableName": table, ("Item" if action == "Put" else "Key"): K("")}
    if action == "Update":
        body.update(UpdateExpression="SET a = :v", ExpressionAttributeValues={":v": S("x")})
    if action == "ConditionCheck":
        body.update(ConditionExpression="attribute_not_exists(pk)")
    expect_error(lambda: ddb.transact_write_items(TransactItems=[{action: body}]), "ValidationException",
                 "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
                 "empty string value. Key: pk")


def test_put_over_400kb_is_a_validation_exception(ddb, table):
    expect_error(lambda: ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": K("small")}},
        {"Put": {"TableName": table, "Item": {**K("big"), "d": S("x" * MAX_ITEM)}}}]),
        "ValidationException", "Item size has exceeded the maximum allowed size")
    assert get(ddb, table, K("small")) is None


def test_update_runtime_errors_cancel(ddb, table):
    ddb.put_item(TableName=table, Item={**K("a"), "s": S("text")})
    reasons = expect_cancelled(lambda: ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": K("b")}},
        {"Update": {"TableName": table, "Key": K("a"), "UpdateExpression": "SET s = s + :one",
                    "ExpressionAttributeValues": {":one": N(1)}}}]), ["None", "ValidationError"])
    assert reasons[1] == {"Code": "ValidationError", "Message": "An operand in the update expression has an incorrect data type"}
    reasons = expect_cancelled(lambda: ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": table, "Key": K("grow"), "UpdateExpression": "SET d = :d",
                    "ExpressionAttributeValues": {":d": S("x" * MAX_ITEM)}}}]), ["ValidationError"])
    assert reasons[0]["Message"] == "Item size to update has exceeded the maximum allowed size"
    assert get(ddb, table, K("b")) is None and get(ddb, table, K("grow")) is None


def test_update_of_a_key_attribute_is_a_validation_exception(ddb, table):
    expect_error(lambda: ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": table, "Key": K("a"), "UpdateExpression": "SET pk = :v",
                    "ExpressionAttributeValues": {":v": S("b")}}}]), "ValidationException",
        "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key")


def test_request_level_errors_come_before_tables(server, table):
    url = server.url
    missing = unique("missing")
    # A syntax error in a later action wins over a missing table in an earlier one.
    assert_raw_error(raw_call(url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": missing, "Item": K("a")}},
        {"ConditionCheck": {"TableName": table, "Key": K("c"), "ConditionExpression": "attribute_not_exists("}}]}),
        "ValidationException", 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "("')
    # So does a value no expression uses, on either side.
    unused = {"ConditionCheck": {"TableName": table, "Key": K("c"), "ConditionExpression": "attribute_not_exists(pk)",
                                 "ExpressionAttributeValues": {":v": S("x")}}}
    for items in ([{"Put": {"TableName": missing, "Item": K("a")}}, unused],
                  [unused, {"Put": {"TableName": missing, "Item": K("a")}}],
                  [{"Put": {"TableName": table, "Item": K("c")}}, unused]):
        assert_raw_error(raw_call(url, "TransactWriteItems", {"TransactItems": items}), "ValidationException",
                         "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}")
    # Member constraints come first of all.
    assert_raw_error(raw_call(url, "TransactWriteItems", {"TransactItems": [{"Put": {"TableName": missing, "Item": K("a")}}],
                                                          "ReturnConsumedCapacity": "BOGUS"}),
                     "ValidationException", "1 validation error detected: " + ENUM_RCC)
    assert_raw_error(raw_call(url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": table, "Item": K("d")}}, {"Delete": {"TableName": table, "Key": K("d")}}],
        "ReturnConsumedCapacity": "BOGUS", "ReturnItemCollectionMetrics": "BOGUS2"}),
        "ValidationException",
        "2 validation errors detected: " + ENUM_RCC + "; Value 'BOGUS2' at 'returnItemCollectionMetrics' failed to "
        "satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]")


def test_transact_items_shape(server, table):
    url = server.url
    assert_raw_error(raw_call(url, "TransactWriteItems", {"TransactItems": []}), "ValidationException",
                     "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member "
                     "must have length greater than or equal to 1")
    assert_raw_error(raw_call(url, "TransactWriteItems", {}), "ValidationException",
                     "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member "
                     "must not be null")
    resp = assert_raw_error(raw_call(url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": table, "Item": K(f"k{i}")}} for i in range(101)]}), "ValidationException",
        regex=r"^1 validation error detected: Value '\[.+\]' at 'transactItems' failed to satisfy constraint: "
              r"Member must have length less than or equal to 100$")
    assert "com.amazonaws.dynamodb.v20120810.TransactWriteItem@" in resp.message
    for element in ({}, {"Put": {"TableName": table, "Item": K("a")}, "Delete": {"TableName": table, "Key": K("b")}}):
        assert_raw_error(raw_call(url, "TransactWriteItems", {"TransactItems": [element]}), "ValidationException",
                         "TransactItems can only contain one of Check, Put, Update or Delete")
    assert_raw_error(raw_call(url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"Item": K("a")}}, {"Update": {"TableName": table, "Key": K("b")}},
        {"ConditionCheck": {"TableName": "ab", "Key": K("c"), "ReturnValuesOnConditionCheckFailure": "SOME"}}]}),
        "ValidationException",
        "5 validation errors detected: "
        "Value null at 'transactItems.1.member.put.tableName' failed to satisfy constraint: Member must not be null; "
        "Value null at 'transactItems.2.member.update.updateExpression' failed to satisfy constraint: Member must not be null; "
        "Value 'ab' at 'transactItems.3.member.conditionCheck.tableName' failed to satisfy constraint: Member must have "
        "length greater than or equal to 3; "
        "Value null at 'transactItems.3.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member "
        "must not be null; "
        "Value 'SOME' at 'transactItems.3.member.conditionCheck.returnValuesOnConditionCheckFailure' failed to satisfy "
        "constraint: Member must satisfy enum value set: [ALL_OLD, NONE]")
    assert_raw_error(raw_call(url, "TransactWriteItems", {"TransactItems": [{"Put": "x"}]}), "SerializationException")


def test_exactly_100_actions(ddb, table):
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": K(f"k{i}")}} for i in range(100)])
    assert item_count(ddb, table) == 100


def test_client_request_token_makes_retries_idempotent(ddb, table):
    token = str(uuid.uuid4())
    items = [{"Update": {"TableName": table, "Key": K("counter"), "UpdateExpression": "ADD n :one",
                         "ExpressionAttributeValues": {":one": N(1)}}}]
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    assert get(ddb, table, K("counter"))["n"] == N(1)
    # A new token is a new transaction.
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=str(uuid.uuid4()))
    assert get(ddb, table, K("counter"))["n"] == N(2)
    # The same token with a different request is refused, and changes nothing.
    other = [{"Update": {"TableName": table, "Key": K("counter"), "UpdateExpression": "ADD n :two",
                         "ExpressionAttributeValues": {":two": N(2)}}}]
    expect_error(lambda: ddb.transact_write_items(TransactItems=other, ClientRequestToken=token),
                 "IdempotentParameterMismatchException")
    assert get(ddb, table, K("counter"))["n"] == N(2)


def test_client_request_token_ignores_member_order(server, ddb, table):
    token = "order-" + uuid.uuid4().hex[:20]
    first = ('{"ClientRequestToken": "%s", "TransactItems": [{"Update": {"TableName": "%s", "Key": {"pk": {"S": "c"}}, '
             '"UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}]}' % (token, table))
    second = ('{"TransactItems": [{"Update": {"ExpressionAttributeValues": {":one": {"N": "1"}}, '
              '"UpdateExpression": "ADD n :one", "Key": {"pk": {"S": "c"}}, "TableName": "%s"}}], '
              '"ClientRequestToken": "%s"}' % (table, token))
    assert raw_call(server.url, "TransactWriteItems", first).status == 200
    assert raw_call(server.url, "TransactWriteItems", second).status == 200
    assert get(ddb, table, K("c"))["n"] == N(1)


def test_cancelled_transaction_does_not_claim_its_token(ddb, table):
    token = str(uuid.uuid4())
    items = [{"Put": {"TableName": table, "Item": K("t"), "ConditionExpression": "attribute_exists(pk)"}}]
    expect_cancelled(lambda: ddb.transact_write_items(TransactItems=items, ClientRequestToken=token),
                     ["ConditionalCheckFailed"])
    ddb.put_item(TableName=table, Item={**K("t"), "v": S("now it exists")})
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    assert get(ddb, table, K("t")) == K("t")


def test_client_request_token_length(server, table):
    items = [{"Put": {"TableName": table, "Item": K("a")}}]
    token = "x" * 37
    assert_raw_error(raw_call(server.url, "TransactWriteItems", {"TransactItems": items, "ClientRequestToken": token}),
                     "ValidationException",
                     f"1 validation error detected: Value '{token}' at 'clientRequestToken' failed to satisfy "
                     "constraint: Member must have length less than or equal to 36")
    assert_raw_error(raw_call(server.url, "TransactWriteItems", {"TransactItems": items, "ClientRequestToken": token,
                                                                 "ReturnConsumedCapacity": "BOGUS"}),
                     "ValidationException",
                     f"2 validation errors detected: Value '{token}' at 'clientRequestToken' failed to satisfy "
                     "constraint: Member must have length less than or equal to 36; " + ENUM_RCC)


def test_consumed_capacity_is_double(ddb, table):
    other = create_table(ddb)
    ddb.put_item(TableName=other, Item=K("c"))
    resp = ddb.transact_write_items(ReturnConsumedCapacity="TOTAL", TransactItems=[
        {"Put": {"TableName": table, "Item": {**K("big"), "d": S("x" * 1500)}}},   # 2 KB: 2 WCU, doubled
        {"Put": {"TableName": table, "Item": K("small")}},                       # 1 WCU, doubled
        {"ConditionCheck": {"TableName": other, "Key": K("c"), "ConditionExpression": "attribute_exists(pk)"}},
    ])
    assert resp["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 6.0}, {"TableName": other, "CapacityUnits": 2.0}]
    resp = ddb.transact_write_items(ReturnConsumedCapacity="INDEXES", TransactItems=[
        {"Delete": {"TableName": table, "Key": K("small")}}])
    assert resp["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 2.0, "Table": {"CapacityUnits": 2.0}}]


def test_indexes_and_item_count_follow_transactions(ddb):
    name = create_table(ddb, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                   {"AttributeName": "g", "AttributeType": "S"}],
                        GlobalSecondaryIndexes=[{"IndexName": "by-g",
                                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                                 "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    ddb.put_item(TableName=name, Item={**K("a"), "g": S("1")})
    ddb.put_item(TableName=name, Item={**K("b"), "g": S("1")})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": {**K("c"), "g": S("2")}}},
        {"Update": {"TableName": name, "Key": K("a"), "UpdateExpression": "REMOVE g"}},
        {"Delete": {"TableName": name, "Key": K("b")}},
        {"Put": {"TableName": name, "Item": K("d")}},
    ])
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["ItemCount"] == 3
    assert table["GlobalSecondaryIndexes"][0]["ItemCount"] == 1  # only c has g now
    # A cancelled transaction leaves both unchanged, even after a wrong index key type.
    reasons = expect_cancelled(lambda: ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": {**K("e"), "g": S("3")}}},
        {"Update": {"TableName": name, "Key": K("d"), "UpdateExpression": "SET g = :n",
                    "ExpressionAttributeValues": {":n": N(1)}}}]), ["None", "ValidationError"])
    assert reasons[1]["Message"] == ("One or more parameter values were invalid: Type mismatch for Index Key g "
                                     "Expected: S Actual: N IndexName: by-g")
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["ItemCount"] == 3
    assert table["GlobalSecondaryIndexes"][0]["ItemCount"] == 1


def test_unknown_members_of_an_action_are_ignored(server, ddb, table):
    resp = raw_call(server.url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": table, "Item": K("a"), "ReturnValues": "ALL_OLD", "Expected": {"x": {"Exists": False}}}}]})
    assert resp.status == 200, resp
    assert resp.json == {}
    assert get(ddb, table, K("a")) == K("a")


# =========================================================================== TransactGetItems

def test_transact_get_items_in_order(ddb, table):
    other = create_table(ddb, range_key=("sk", "N"))
    ddb.put_item(TableName=table, Item={**K("a"), "v": S("1"), "m": {"M": {"x": N(1), "y": N(2)}}})
    ddb.put_item(TableName=other, Item={**K("a"), "sk": N(5), "w": S("2")})
    resp = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": table, "Key": K("missing")}},
        {"Get": {"TableName": other, "Key": {**K("a"), "sk": N(5)}}},
        {"Get": {"TableName": table, "Key": K("a"), "ProjectionExpression": "#v, m.y",
                 "ExpressionAttributeNames": {"#v": "v"}}},
    ])
    assert resp["Responses"] == [{}, {"Item": {**K("a"), "sk": N(5), "w": S("2")}},
                                 {"Item": {"v": S("1"), "m": {"M": {"y": N(2)}}}}]
    assert "ConsumedCapacity" not in resp


def test_transact_get_items_errors(server, ddb, table):
    expect_error(lambda: ddb.transact_get_items(TransactItems=[{"Get": {"TableName": unique("missing"), "Key": K("a")}}]),
                 "ResourceNotFoundException", NOT_FOUND)
    expect_error(lambda: ddb.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": K("a")}},
                                                               {"Get": {"TableName": table, "Key": K("a")}}]),
                 "ValidationException", MULTIPLE)
    reasons = expect_cancelled(lambda: ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": table, "Key": K("fine")}}, {"Get": {"TableName": table, "Key": {}}}]),
        ["None", "ValidationError"])
    assert reasons[1]["Message"] == KEY_MISMATCH
    expect_error(lambda: ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": table, "Key": K("a"), "ProjectionExpression": "!!!"}}]),
        "ValidationException", 'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"')
    url = server.url
    assert_raw_error(raw_call(url, "TransactGetItems", {"TransactItems": []}), "ValidationException",
                     "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member "
                     "must have length greater than or equal to 1")
    assert_raw_error(raw_call(url, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": table, "Key": K(f"k{i}")}} for i in range(101)]}), "ValidationException",
        regex=r"^1 validation error detected: Value '\[.+\]' at 'transactItems' failed to satisfy constraint: "
              r"Member must have length less than or equal to 100$")
    assert_raw_error(raw_call(url, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": unique("missing"), "Key": K("a")}}], "ReturnConsumedCapacity": "BOGUS"}),
        "ValidationException", "1 validation error detected: " + ENUM_RCC)
    assert_raw_error(raw_call(url, "TransactGetItems", {"TransactItems": [{}]}), "ValidationException",
                     "1 validation error detected: Value null at 'transactItems.1.member.get' failed to satisfy "
                     "constraint: Member must not be null")


def test_transact_get_items_consumed_capacity(ddb, table):
    ddb.put_item(TableName=table, Item={**K("big"), "d": S("x" * 5000)})  # over 4 KB: 2 RCU, doubled
    resp = ddb.transact_get_items(ReturnConsumedCapacity="TOTAL", TransactItems=[
        {"Get": {"TableName": table, "Key": K("big")}}, {"Get": {"TableName": table, "Key": K("missing")}}])
    assert resp["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 6.0}]


def test_transact_get_sees_a_committed_transaction(ddb, table):
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": {**K(f"k{i}"), "i": N(i)}}}
                                            for i in range(10)])
    resp = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": K(f"k{i}")}} for i in range(10)])
    assert [r["Item"]["i"] for r in resp["Responses"]] == [N(i) for i in range(10)]
