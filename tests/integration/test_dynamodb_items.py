"""DynamoDB item operations: PutItem, GetItem, UpdateItem, DeleteItem with the
expression language, the legacy parameters, ReturnValues, consumed capacity,
key validation and the 400 KB item limit.

Sources for exact messages:
- dynalite test/putItem.js, getItem.js, updateItem.js (written and checked
  against real DynamoDB): key validation, item size, ReturnValues, legacy
  Expected/AttributeUpdates checks, expression errors (format of syntax,
  reserved-word, undefined/unused name and value, operand-type errors).
- nubo-db/dynamodb-conformance captures of us-east-1 (2026-06): "Syntax error;
  token: \"INVALID\", near: \"INVALID SYNTAX\"", unused EAN/EAV, missing EAV,
  cannot update key, mixing expression/non-expression, redundant parentheses,
  contains() distinct operands, ReturnValuesOnConditionCheckFailure Item,
  capacity units without a read/write split (0.5 / 1 RCU, 1 WCU).
"""
import re

import pytest

from dynamodb_util import assert_raw_error, create_table, expect_error, get, raw_call, unique

CCF = "The conditional request failed"
KEY_MISMATCH = "The provided key element does not match the schema"
NOT_FOUND = "Requested resource not found"
MAX_ITEM = 400 * 1024


@pytest.fixture
def table(ddb):
    return create_table(ddb)


@pytest.fixture
def rtable(ddb):
    return create_table(ddb, range_key=("sk", "N"))


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def K(v):
    return {"pk": {"S": v}}


def values_for(expression, pool):
    """The subset of `pool` that `expression` references (unused values are an error)."""
    return {k: pool[k] for k in set(re.findall(r":[A-Za-z0-9_]+", expression))}


# =========================================================================== Put / Get / Delete

def test_put_then_get(ddb, table):
    item = {"pk": S("a"), "s": S("x"), "n": N("-56.789"), "b": {"B": b"\x00\x01\xff"}, "t": {"BOOL": True},
            "z": {"NULL": True}, "l": {"L": [S("a"), N(1)]}, "m": {"M": {"k": S("v")}}}
    out = ddb.put_item(TableName=table, Item=item)
    assert set(out) == {"ResponseMetadata"}
    assert get(ddb, table, K("a")) == item


def test_get_missing_item_has_no_item_key(ddb, table):
    out = ddb.get_item(TableName=table, Key=K("nope"))
    assert set(out) == {"ResponseMetadata"}


def test_get_eventually_consistent_read_is_accepted(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "v": N(1)})
    assert ddb.get_item(TableName=table, Key=K("a"), ConsistentRead=False)["Item"]["v"] == N(1)
    assert ddb.get_item(TableName=table, Key=K("a"))["Item"]["v"] == N(1)


def test_put_replaces_whole_item(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "old": S("x")})
    ddb.put_item(TableName=table, Item={"pk": S("a"), "new": S("y")})
    assert get(ddb, table, K("a")) == {"pk": S("a"), "new": S("y")}


def test_put_return_values_all_old(ddb, table):
    first = ddb.put_item(TableName=table, Item={"pk": S("a"), "v": N("-0015.789e6")}, ReturnValues="ALL_OLD")
    assert "Attributes" not in first
    second = ddb.put_item(TableName=table, Item={"pk": S("a"), "v": S("b")}, ReturnValues="ALL_OLD")
    assert second["Attributes"] == {"pk": S("a"), "v": N("-15789000")}


@pytest.mark.parametrize("rv", ["UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"])
def test_put_return_values_other_than_all_old_rejected(ddb, table, rv):
    expect_error(lambda: ddb.put_item(TableName=table, Item=K("a"), ReturnValues=rv), "ValidationException",
                 message="ReturnValues can only be ALL_OLD or NONE")
    assert get(ddb, table, K("a")) is None


@pytest.mark.parametrize("rv", ["UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"])
def test_delete_return_values_other_than_all_old_rejected(ddb, table, rv):
    ddb.put_item(TableName=table, Item=K("a"))
    expect_error(lambda: ddb.delete_item(TableName=table, Key=K("a"), ReturnValues=rv), "ValidationException")
    assert get(ddb, table, K("a")) == K("a")


def test_delete_item(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "v": N(1)})
    out = ddb.delete_item(TableName=table, Key=K("a"))
    assert set(out) == {"ResponseMetadata"}
    assert get(ddb, table, K("a")) is None


def test_delete_missing_item_succeeds(ddb, table):
    assert "Attributes" not in ddb.delete_item(TableName=table, Key=K("nope"), ReturnValues="ALL_OLD")


def test_delete_return_values_all_old(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "v": N(1)})
    assert ddb.delete_item(TableName=table, Key=K("a"), ReturnValues="ALL_OLD")["Attributes"] == \
        {"pk": S("a"), "v": N(1)}


def test_composite_key_items_are_distinct(ddb, rtable):
    ddb.put_item(TableName=rtable, Item={"pk": S("a"), "sk": N(1), "v": S("one")})
    ddb.put_item(TableName=rtable, Item={"pk": S("a"), "sk": N(2), "v": S("two")})
    assert get(ddb, rtable, {"pk": S("a"), "sk": N(2)})["v"] == S("two")
    assert get(ddb, rtable, {"pk": S("a"), "sk": N("1.0")})["v"] == S("one")
    ddb.delete_item(TableName=rtable, Key={"pk": S("a"), "sk": N(1)})
    assert get(ddb, rtable, {"pk": S("a"), "sk": N(1)}) is None
    assert get(ddb, rtable, {"pk": S("a"), "sk": N(2)}) is not None


def test_binary_and_number_hash_keys(ddb):
    btable = create_table(ddb, hash_key=("k", "B"))
    ddb.put_item(TableName=btable, Item={"k": {"B": b"\x00\xffkey"}, "v": S("b")})
    assert get(ddb, btable, {"k": {"B": b"\x00\xffkey"}}) == {"k": {"B": b"\x00\xffkey"}, "v": S("b")}
    ntable = create_table(ddb, hash_key=("k", "N"))
    ddb.put_item(TableName=ntable, Item={"k": N("42"), "v": S("n")})
    assert get(ddb, ntable, {"k": N("42.000")}) == {"k": N("42"), "v": S("n")}


# =========================================================================== Conditions

def test_put_if_not_exists_then_conflict(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "v": N(1)}, ConditionExpression="attribute_not_exists(pk)")
    expect_error(lambda: ddb.put_item(TableName=table, Item={"pk": S("a"), "v": N(2)},
                                      ConditionExpression="attribute_not_exists(pk)"),
                 "ConditionalCheckFailedException", message=CCF)
    assert get(ddb, table, K("a")) == {"pk": S("a"), "v": N(1)}


def test_condition_on_missing_item_fails_for_every_write(ddb, table):
    for call in (
        lambda: ddb.put_item(TableName=table, Item=K("a"), ConditionExpression="attribute_exists(pk)"),
        lambda: ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET v = :v",
                                ConditionExpression="attribute_exists(pk)", ExpressionAttributeValues={":v": N(1)}),
        lambda: ddb.delete_item(TableName=table, Key=K("a"), ConditionExpression="attribute_exists(pk)"),
    ):
        expect_error(call, "ConditionalCheckFailedException", message=CCF)
    assert get(ddb, table, K("a")) is None


def test_update_condition_failure_changes_nothing(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "v": N(1)})
    expect_error(lambda: ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET v = :two, w = :two",
                                         ConditionExpression="v = :three",
                                         ExpressionAttributeValues={":two": N(2), ":three": N(3)}),
                 "ConditionalCheckFailedException", message=CCF)
    assert get(ddb, table, K("a")) == {"pk": S("a"), "v": N(1)}


def test_delete_condition_failure_keeps_item(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "attr1": S("keep")})
    expect_error(lambda: ddb.delete_item(TableName=table, Key=K("a"), ConditionExpression="attr1 = :v",
                                         ExpressionAttributeValues={":v": S("wrong-value")}),
                 "ConditionalCheckFailedException", message=CCF)
    assert get(ddb, table, K("a")) == {"pk": S("a"), "attr1": S("keep")}


@pytest.mark.parametrize("operation", ["PutItem", "UpdateItem", "DeleteItem"])
def test_return_values_on_condition_check_failure_all_old(server, ddb, table, operation):
    old = {"pk": S("a"), "attr1": S("original-value")}
    ddb.put_item(TableName=table, Item=old)
    payload = {"TableName": table, "ConditionExpression": "attribute_not_exists(pk)",
               "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
    if operation == "PutItem":
        payload["Item"] = {"pk": S("a"), "attr1": S("overwrite")}
    else:
        payload["Key"] = K("a")
    if operation == "UpdateItem":
        payload["UpdateExpression"] = "SET attr1 = :v"
        payload["ExpressionAttributeValues"] = {":v": S("overwrite")}
    resp = raw_call(server.url, operation, payload)
    assert_raw_error(resp, "ConditionalCheckFailedException", message=CCF)
    assert resp.json["Item"] == old
    assert get(ddb, table, K("a")) == old


def test_condition_failure_without_return_values_has_no_item(server, ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a")})
    resp = raw_call(server.url, "PutItem", {"TableName": table, "Item": {"pk": S("a")},
                                            "ConditionExpression": "attribute_not_exists(pk)"})
    assert_raw_error(resp, "ConditionalCheckFailedException", message=CCF)
    assert "Item" not in resp.json


def test_return_values_on_condition_check_failure_for_missing_item(server, ddb, table):
    resp = raw_call(server.url, "PutItem", {"TableName": table, "Item": {"pk": S("new")},
                                            "ConditionExpression": "attribute_exists(pk)",
                                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})
    assert_raw_error(resp, "ConditionalCheckFailedException", message=CCF)
    assert "Item" not in resp.json


CONDITION_ITEM = {
    "pk": S("c"), "s": S("hello"), "n": N(5), "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]},
    "l": {"L": [N(1), S("x")]}, "m": {"M": {"k": S("v"), "deep": {"M": {"x": N(1)}}}},
    "b": {"B": b"\x01\x02"}, "t": {"BOOL": True}, "nul": {"NULL": True},
}
VALUE_POOL = {
    ":one": N(1), ":two": N(2), ":four": N(4), ":five": N(5), ":five0": N("5.0"), ":six": N(6),
    ":hello": S("hello"), ":he": S("he"), ":ell": S("ell"), ":a": S("a"), ":z": S("z"), ":x": S("x"), ":v": S("v"),
    ":tS": S("S"), ":tN": S("N"), ":tSS": S("SS"), ":tNS": S("NS"), ":tL": S("L"), ":tM": S("M"), ":tB": S("B"),
    ":tBOOL": S("BOOL"), ":tNULL": S("NULL"), ":true": {"BOOL": True}, ":b12": {"B": b"\x01\x02"},
    ":b1": {"B": b"\x01"}, ":ssba": {"SS": ["b", "a"]},
}
CONDITIONS = [
    ("n = :five", True), ("n = :five0", True), ("n <> :five", False), ("n < :six", True), ("n <= :five", True),
    ("n > :five", False), ("n >= :six", False), ("s = :five", False), ("s < :z", True), ("s > :z", False),
    ("n BETWEEN :four AND :six", True), ("n BETWEEN :five AND :five", True), ("n BETWEEN :six AND :six", False),
    ("n IN (:four, :five)", True), ("n IN (:four, :six)", False),
    ("begins_with(s, :he)", True), ("begins_with(s, :ell)", False), ("begins_with(b, :b1)", True),
    ("contains(s, :ell)", True), ("contains(s, :z)", False), ("contains(ss, :a)", True), ("contains(ss, :z)", False),
    ("contains(ns, :two)", True), ("contains(l, :x)", True), ("contains(l, :one)", True), ("contains(l, :z)", False),
    ("size(s) = :five", True), ("size(ss) = :two", True), ("size(l) = :two", True), ("size(m) = :two", True),
    ("size(b) = :two", True), ("size(s) > :six", False),
    ("attribute_type(n, :tN)", True), ("attribute_type(n, :tS)", False), ("attribute_type(s, :tS)", True),
    ("attribute_type(ss, :tSS)", True), ("attribute_type(ns, :tNS)", True), ("attribute_type(l, :tL)", True),
    ("attribute_type(m, :tM)", True), ("attribute_type(b, :tB)", True), ("attribute_type(t, :tBOOL)", True),
    ("attribute_type(nul, :tNULL)", True),
    ("attribute_exists(m.k)", True), ("attribute_exists(m.deep.x)", True), ("attribute_not_exists(m.zz)", True),
    ("attribute_exists(l[1])", True), ("attribute_exists(l[5])", False), ("attribute_exists(absentattr)", False),
    ("m.k = :v", True), ("m.deep.x = :one", True), ("l[0] = :one", True), ("l[1] = :x", True),
    ("t = :true", True), ("b = :b12", True), ("ss = :ssba", True),
    ("absentattr = :five", False), ("absentattr <> :five", True), ("absentattr < :five", False),
    ("NOT n = :five", False), ("NOT (n = :four)", True),
    ("n = :four OR n = :five", True), ("n = :five AND s = :z", False),
    ("n = :five OR n = :four AND s = :z", True), ("(n = :five OR n = :four) AND s = :z", False),
    ("NOT (n = :four OR s = :z)", True), ("n = :five and s = :hello", True),
]


@pytest.mark.parametrize("expression,holds", CONDITIONS, ids=[c[0] for c in CONDITIONS])
def test_condition_expression_semantics(ddb, table, expression, holds):
    ddb.put_item(TableName=table, Item=CONDITION_ITEM)
    values = values_for(expression, VALUE_POOL)
    extra = {"ExpressionAttributeValues": values} if values else {}  # an empty map is an error
    call = lambda: ddb.put_item(TableName=table, Item=CONDITION_ITEM, ConditionExpression=expression, **extra)
    if holds:
        call()
    else:
        expect_error(call, "ConditionalCheckFailedException", message=CCF)
    assert get(ddb, table, K("c")) == CONDITION_ITEM


def test_condition_with_attribute_names(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "status": S("open"), "a.b": S("dotted")})
    ddb.put_item(TableName=table, Item={"pk": S("a"), "status": S("closed")},
                 ConditionExpression="#s = :open AND #dot = :d",
                 ExpressionAttributeNames={"#s": "status", "#dot": "a.b"},
                 ExpressionAttributeValues={":open": S("open"), ":d": S("dotted")})
    assert get(ddb, table, K("a"))["status"] == S("closed")


# =========================================================================== UpdateExpression

def test_update_set_creates_item(ddb, table):
    out = ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET v = :v, w = :w",
                          ExpressionAttributeValues={":v": N(1), ":w": S("x")}, ReturnValues="ALL_NEW")
    assert out["Attributes"] == {"pk": S("a"), "v": N(1), "w": S("x")}


def test_update_without_expression_creates_key_only_item(ddb, table):
    out = ddb.update_item(TableName=table, Key=K("a"))
    assert "Attributes" not in out
    assert get(ddb, table, K("a")) == K("a")


def test_update_keywords_are_case_insensitive(ddb, table):
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="set v = :v add c :one",
                    ExpressionAttributeValues={":v": N(1), ":one": N(1)})
    assert get(ddb, table, K("a")) == {"pk": S("a"), "v": N(1), "c": N(1)}


def test_update_set_nested_map_and_list(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "m": {"M": {"mm": {"M": {"x": N(1)}}}},
                                        "l": {"L": [S("a"), S("b")]}})
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET m.mm.y = :y, m.lvl = :t, l[1] = :b2",
                    ExpressionAttributeValues={":y": N(2), ":t": S("t"), ":b2": S("B")})
    item = get(ddb, table, K("a"))
    assert item["m"] == {"M": {"mm": {"M": {"x": N(1), "y": N(2)}}, "lvl": S("t")}}
    assert item["l"] == {"L": [S("a"), S("B")]}


def test_update_set_list_index_past_end_appends(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "l": {"L": [S("a"), S("b")]}})
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET l[10] = :c",
                    ExpressionAttributeValues={":c": S("c")})
    assert get(ddb, table, K("a"))["l"] == {"L": [S("a"), S("b"), S("c")]}


def test_update_remove(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "x": N(1), "m": {"M": {"k": S("v"), "j": S("w")}},
                                        "l": {"L": [S("0"), S("1"), S("2")]}})
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="REMOVE x, m.k, l[0], nothing_here")
    assert get(ddb, table, K("a")) == {"pk": S("a"), "m": {"M": {"j": S("w")}}, "l": {"L": [S("1"), S("2")]}}


def test_update_add_numbers(ddb, table):
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="ADD c :five",
                    ExpressionAttributeValues={":five": N(5)})
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="ADD c :minus",
                    ExpressionAttributeValues={":minus": N("-7.5")})
    assert get(ddb, table, K("a"))["c"] == N("-2.5")


def test_update_add_and_delete_sets(ddb, table):
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="ADD ss :ab, ns :n12",
                    ExpressionAttributeValues={":ab": {"SS": ["a", "b"]}, ":n12": {"NS": ["1", "2"]}})
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="ADD ss :bcd DELETE ns :n14",
                    ExpressionAttributeValues={":bcd": {"SS": ["b", "c", "d"]}, ":n14": {"NS": ["1", "4"]}})
    item = get(ddb, table, K("a"))
    assert sorted(item["ss"]["SS"]) == ["a", "b", "c", "d"]
    assert item["ns"]["NS"] == ["2"]
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="DELETE ns :n2",
                    ExpressionAttributeValues={":n2": {"NS": ["2"]}})
    assert "ns" not in get(ddb, table, K("a"))


def test_update_add_binary_set(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "bs": {"BS": [b"\x01\x02", b"\x02"]}})
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="ADD bs :more",
                    ExpressionAttributeValues={":more": {"BS": [b"\x02", b"\x01"]}})
    assert sorted(get(ddb, table, K("a"))["bs"]["BS"]) == [b"\x01", b"\x01\x02", b"\x02"]


def test_update_list_append(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "l": {"L": [S("m")]}})
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET l = list_append(l, :tail)",
                    ExpressionAttributeValues={":tail": {"L": [S("t1"), S("t2")]}})
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET l = list_append(:head, l)",
                    ExpressionAttributeValues={":head": {"L": [S("h")]}})
    assert get(ddb, table, K("a"))["l"] == {"L": [S("h"), S("m"), S("t1"), S("t2")]}


def test_update_list_append_with_if_not_exists(ddb, table):
    for value in ("x", "y"):
        ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET l = list_append(if_not_exists(l, :e), :v)",
                        ExpressionAttributeValues={":e": {"L": []}, ":v": {"L": [S(value)]}})
    assert get(ddb, table, K("a"))["l"] == {"L": [S("x"), S("y")]}


def test_update_if_not_exists(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "kept": N(1)})
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET kept = if_not_exists(kept, :d), fresh = "
                    "if_not_exists(fresh, :d)", ExpressionAttributeValues={":d": N(9)})
    item = get(ddb, table, K("a"))
    assert item["kept"] == N(1) and item["fresh"] == N(9)


def test_update_arithmetic(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "a": N(10), "b": N(3)})
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET a = a - :one, c = :two + b, d = a + b",
                    ExpressionAttributeValues={":one": N(1), ":two": N(2)})
    item = get(ddb, table, K("a"))
    assert (item["a"], item["c"], item["d"]) == (N(9), N(5), N(13))


def test_update_set_from_other_attribute_and_path(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "src": S("s"), "m": {"M": {"k": S("v")}}})
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET copied = src, fromMap = m.k")
    item = get(ddb, table, K("a"))
    assert item["copied"] == S("s") and item["fromMap"] == S("v")


def test_update_all_four_clauses(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "gone": S("x"), "ss": {"SS": ["x", "y"]}})
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET a = :a REMOVE gone ADD c :one DELETE ss :x",
                    ExpressionAttributeValues={":a": S("A"), ":one": N(1), ":x": {"SS": ["x"]}})
    assert get(ddb, table, K("a")) == {"pk": S("a"), "a": S("A"), "c": N(1), "ss": {"SS": ["y"]}}


def test_update_with_attribute_names(ddb, table):
    # a nested SET needs the parent map to exist
    ddb.put_item(TableName=table, Item={"pk": S("a"), "name": {"M": {}}})
    ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET #y = :y, #n.#k = :v",
                    ExpressionAttributeNames={"#y": "year", "#n": "name", "#k": "key"},
                    ExpressionAttributeValues={":y": N(2004), ":v": S("v")})
    assert get(ddb, table, K("a")) == {"pk": S("a"), "year": N(2004), "name": {"M": {"key": S("v")}}}


# =========================================================================== ReturnValues (UpdateItem)

@pytest.fixture
def abc_item(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "a": N(1), "b": N(2), "c": N(3)})
    return table


def update_abc(ddb, table, rv):
    return ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET a = :new ADD d :one",
                           ExpressionAttributeValues={":new": N(10), ":one": N(1)}, ReturnValues=rv)


def test_update_return_values_none(ddb, abc_item):
    assert "Attributes" not in update_abc(ddb, abc_item, "NONE")


def test_update_return_values_all_old(ddb, abc_item):
    assert update_abc(ddb, abc_item, "ALL_OLD")["Attributes"] == {"pk": S("a"), "a": N(1), "b": N(2), "c": N(3)}


def test_update_return_values_updated_old(ddb, abc_item):
    assert update_abc(ddb, abc_item, "UPDATED_OLD")["Attributes"] == {"a": N(1)}


def test_update_return_values_all_new(ddb, abc_item):
    assert update_abc(ddb, abc_item, "ALL_NEW")["Attributes"] == \
        {"pk": S("a"), "a": N(10), "b": N(2), "c": N(3), "d": N(1)}


def test_update_return_values_updated_new(ddb, abc_item):
    assert update_abc(ddb, abc_item, "UPDATED_NEW")["Attributes"] == {"a": N(10), "d": N(1)}


def test_update_return_values_updated_new_after_remove(ddb, abc_item):
    out = ddb.update_item(TableName=abc_item, Key=K("a"), UpdateExpression="REMOVE b SET c = :c",
                          ExpressionAttributeValues={":c": S("x")}, ReturnValues="UPDATED_NEW")
    assert out["Attributes"] == {"c": S("x")}


def test_update_return_values_all_old_on_new_item(ddb, table):
    out = ddb.update_item(TableName=table, Key=K("new"), UpdateExpression="SET v = :v",
                          ExpressionAttributeValues={":v": N(1)}, ReturnValues="ALL_OLD")
    assert "Attributes" not in out


# =========================================================================== Consumed capacity

def test_put_consumed_capacity_total_and_indexes(ddb, table):
    out = ddb.put_item(TableName=table, Item={"pk": S("a"), "d": S("x")}, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 1.0}
    out = ddb.put_item(TableName=table, Item={"pk": S("a"), "d": S("x")}, ReturnConsumedCapacity="INDEXES")
    assert out["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 1.0, "Table": {"CapacityUnits": 1.0}}
    out = ddb.put_item(TableName=table, Item={"pk": S("a")}, ReturnConsumedCapacity="NONE")
    assert "ConsumedCapacity" not in out


@pytest.mark.parametrize("size,units", [(100, 1.0), (1500, 2.0), (2500, 3.0), (10000, 10.0)])
def test_put_write_units_round_up_per_kb(ddb, table, size, units):
    out = ddb.put_item(TableName=table, Item={"pk": S("k"), "b": S("x" * size)}, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"]["CapacityUnits"] == units


def test_put_over_larger_item_charges_the_larger(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("k"), "b": S("x" * 2500)})
    out = ddb.put_item(TableName=table, Item={"pk": S("k")}, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"]["CapacityUnits"] == 3.0


@pytest.mark.parametrize("size,consistent,units", [
    (10, True, 1.0), (10, False, 0.5), (5000, True, 2.0), (5000, False, 1.0), (9000, True, 3.0),
])
def test_get_read_units(ddb, table, size, consistent, units):
    ddb.put_item(TableName=table, Item={"pk": S("k"), "b": S("x" * size)})
    out = ddb.get_item(TableName=table, Key=K("k"), ConsistentRead=consistent, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": units}


@pytest.mark.parametrize("consistent,units", [(True, 1.0), (False, 0.5)])
def test_get_missing_item_read_units(ddb, table, consistent, units):
    out = ddb.get_item(TableName=table, Key=K("nope"), ConsistentRead=consistent, ReturnConsumedCapacity="INDEXES")
    assert out["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": units, "Table": {"CapacityUnits": units}}


def test_update_consumed_capacity(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("k"), "b": S("x" * 1500)})
    out = ddb.update_item(TableName=table, Key=K("k"), UpdateExpression="REMOVE b", ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 2.0}
    out = ddb.update_item(TableName=table, Key=K("k"), UpdateExpression="SET v = :v",
                          ExpressionAttributeValues={":v": N(1)}, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 1.0}


def test_delete_consumed_capacity(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("k"), "b": S("x" * 1500)})
    out = ddb.delete_item(TableName=table, Key=K("k"), ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 2.0}
    out = ddb.delete_item(TableName=table, Key=K("k"), ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 1.0}


# =========================================================================== ProjectionExpression / AttributesToGet

@pytest.fixture
def nested_item(ddb, table):
    item = {"pk": S("p"), "a": S("A"), "b": {"M": {"a": S("a"), "b": S("b"), "c": S("c")}},
            "c": {"L": [S("a"), S("b"), S("c")]}, "g": N(23)}
    ddb.put_item(TableName=table, Item=item)
    return item


def test_projection_top_level(ddb, table, nested_item):
    out = ddb.get_item(TableName=table, Key=K("p"), ProjectionExpression="a, g, absentattr")
    assert out["Item"] == {"a": S("A"), "g": N(23)}


def test_projection_nested_paths(ddb, table, nested_item):
    for kw in ({"ProjectionExpression": "b.c,c[2],b.b,c[1],c[0].a"},
               {"ProjectionExpression": "#b.#c,#c[2],#b.#b,#c[1],#c[0][1]",
                "ExpressionAttributeNames": {"#b": "b", "#c": "c"}}):
        out = ddb.get_item(TableName=table, Key=K("p"), ConsistentRead=True, **kw)
        assert out["Item"] == {"b": {"M": {"b": S("b"), "c": S("c")}}, "c": {"L": [S("b"), S("c")]}}


def test_attributes_to_get(ddb, table, nested_item):
    out = ddb.get_item(TableName=table, Key=K("p"), AttributesToGet=["a", "g"])
    assert out["Item"] == {"a": S("A"), "g": N(23)}


def test_projection_with_reserved_word_via_name(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("p"), "year": N(2004), "status": S("old")})
    out = ddb.get_item(TableName=table, Key=K("p"), ProjectionExpression="#y, #s",
                       ExpressionAttributeNames={"#y": "year", "#s": "status"})
    assert out["Item"] == {"year": N(2004), "status": S("old")}


def test_update_all_new_returns_whole_item(ddb, table, nested_item):
    out = ddb.update_item(TableName=table, Key=K("p"), UpdateExpression="SET g = :g",
                          ExpressionAttributeValues={":g": N(24)}, ReturnValues="ALL_NEW")
    assert out["Attributes"] == dict(nested_item, g=N(24))


# =========================================================================== Legacy parameters

def test_legacy_expected_value_and_exists(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "v": N(1)}, Expected={"pk": {"Exists": False}})
    expect_error(lambda: ddb.put_item(TableName=table, Item={"pk": S("a")}, Expected={"pk": {"Exists": False}}),
                 "ConditionalCheckFailedException", message=CCF)
    ddb.put_item(TableName=table, Item={"pk": S("a"), "v": N(2)}, Expected={"v": {"Value": N(1)}})
    expect_error(lambda: ddb.put_item(TableName=table, Item={"pk": S("a"), "v": N(3)},
                                      Expected={"v": {"Value": N(1)}}),
                 "ConditionalCheckFailedException", message=CCF)
    assert get(ddb, table, K("a"))["v"] == N(2)


def test_legacy_expected_comparison_operators(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "s": S("hello"), "n": N(5)})
    ddb.put_item(TableName=table, Item={"pk": S("a"), "s": S("hello"), "n": N(5)},
                 Expected={"n": {"ComparisonOperator": "GT", "AttributeValueList": [N(4)]},
                           "s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [S("he")]},
                           "zz": {"ComparisonOperator": "NULL"}})
    expect_error(lambda: ddb.put_item(TableName=table, Item={"pk": S("a")},
                                      Expected={"n": {"ComparisonOperator": "BETWEEN",
                                                      "AttributeValueList": [N(6), N(9)]}}),
                 "ConditionalCheckFailedException", message=CCF)


def test_legacy_conditional_operator_or(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "c": S("x")})
    ddb.put_item(TableName=table, Item={"pk": S("a"), "c": S("y")}, ConditionalOperator="OR",
                 Expected={"c": {"ComparisonOperator": "EQ", "AttributeValueList": [S("nope")]},
                           "b": {"ComparisonOperator": "NULL"}})
    assert get(ddb, table, K("a"))["c"] == S("y")


def test_legacy_attribute_updates(ddb, table):
    ddb.update_item(TableName=table, Key=K("a"), AttributeUpdates={
        "p": {"Action": "PUT", "Value": S("v")}, "n": {"Action": "ADD", "Value": N(5)},
        "ss": {"Action": "ADD", "Value": {"SS": ["a", "b"]}}, "gone": {"Action": "DELETE"}})
    ddb.update_item(TableName=table, Key=K("a"), AttributeUpdates={
        "n": {"Action": "ADD", "Value": N(-2)}, "ss": {"Action": "DELETE", "Value": {"SS": ["a"]}},
        "p": {"Action": "DELETE"}, "q": {"Value": S("default action is PUT")}})
    assert get(ddb, table, K("a")) == {"pk": S("a"), "n": N(3), "ss": {"SS": ["b"]}, "q": S("default action is PUT")}


def test_legacy_attribute_updates_return_updated_old(ddb, table):
    ddb.update_item(TableName=table, Key=K("a"), AttributeUpdates={"b": {"Value": S("a")}, "c": {"Value": S("a")}})
    out = ddb.update_item(TableName=table, Key=K("a"), ReturnValues="UPDATED_OLD",
                          AttributeUpdates={"b": {"Value": S("b")}, "c": {"Value": S("a")}})
    assert out["Attributes"] == {"b": S("a"), "c": S("a")}


LEGACY_ERRORS = [
    ("put", dict(Item={"pk": S("a")}, Expected={"pk": {"Exists": False}}, ConditionExpression="attribute_not_exists(pk)"),
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"),
    ("update", dict(Key=K("a"), AttributeUpdates={"v": {"Value": N(1)}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": N(1)}),
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}"),
    ("get", dict(Key=K("a"), AttributesToGet=["a"], ProjectionExpression="a"),
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}"),
    ("put", dict(Item={"pk": S("a")}, Expected={"a": {"Exists": False, "Value": S("a")}}),
     "One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: a"),
    ("put", dict(Item={"pk": S("a")}, Expected={"a": {"Exists": True}}),
     "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: a"),
    ("put", dict(Item={"pk": S("a")}, Expected={"a": {"ComparisonOperator": "EQ", "AttributeValueList": []}}),
     "One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator"),
    ("put", dict(Item={"pk": S("a")}, Expected={"a": {"Exists": True, "ComparisonOperator": "LT",
                                                      "AttributeValueList": [S("a")]}}),
     "One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together "
     "for Attribute: a"),
    ("put", dict(Item={"pk": S("a")}, ExpressionAttributeValues={":v": S("unused")}),
     "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null"),
    ("put", dict(Item={"pk": S("a")}, ExpressionAttributeNames={"#n": "unused"}),
     "ExpressionAttributeNames can only be specified when using expressions"),
    ("update", dict(Key=K("a"), ExpressionAttributeValues={":v": S("unused")}),
     "ExpressionAttributeValues can only be specified when using expressions: "
     "UpdateExpression and ConditionExpression are null"),
    ("update", dict(Key=K("a"), AttributeUpdates={"a": {"Action": "ADD", "Value": S("1")}}),
     "One or more parameter values were invalid: ADD action is not supported for the type S"),
    ("update", dict(Key=K("a"), AttributeUpdates={"a": {"Action": "DELETE", "Value": N(1)}}),
     "One or more parameter values were invalid: DELETE action with value is not supported for the type N"),
]


def call_op(ddb, op, table, kwargs):
    fn = {"put": ddb.put_item, "get": ddb.get_item, "update": ddb.update_item, "delete": ddb.delete_item}[op]
    return fn(TableName=table, **kwargs)


@pytest.mark.parametrize("op,kwargs,message", LEGACY_ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(LEGACY_ERRORS)])
def test_legacy_parameter_errors(ddb, table, op, kwargs, message):
    expect_error(lambda: call_op(ddb, op, table, kwargs), "ValidationException", message=message)
    assert get(ddb, table, K("a")) is None


# =========================================================================== Expression errors

EXPRESSION_ERRORS = [
    # unused / undefined names and values
    ("update", dict(UpdateExpression="SET a = :v", ExpressionAttributeValues={":v": N(1)},
                    ExpressionAttributeNames={"#unused": "x"}),
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}"),
    ("update", dict(UpdateExpression="SET a = :v", ExpressionAttributeValues={":v": N(1), ":unused": N(2)}),
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}"),
    ("update", dict(UpdateExpression="SET a = :v", ExpressionAttributeValues={":w": N(1)}),
     "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :v"),
    ("update", dict(UpdateExpression="SET #x = :v", ExpressionAttributeValues={":v": N(1)}),
     "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; "
     "attribute name: #x"),
    ("put", dict(ConditionExpression="a = :v"),
     "Invalid ConditionExpression: An expression attribute value used in expression is not defined; "
     "attribute value: :v"),
    ("get", dict(ProjectionExpression="a,b,a,#a"),
     "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; "
     "attribute name: #a"),
    ("get", dict(ProjectionExpression="a", ExpressionAttributeNames={"#b": "b"}),
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"),
    # malformed maps
    ("put", dict(ConditionExpression="attribute_exists(a)", ExpressionAttributeNames={}),
     "ExpressionAttributeNames must not be empty"),
    ("put", dict(ConditionExpression="attribute_exists(a)", ExpressionAttributeValues={}),
     "ExpressionAttributeValues must not be empty"),
    ("put", dict(ConditionExpression="attribute_exists(#a)", ExpressionAttributeNames={"a": "a", "#a": "a"}),
     'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"'),
    ("put", dict(ConditionExpression="a = :a", ExpressionAttributeValues={":a": S("a"), "b": S("b")}),
     'ExpressionAttributeValues contains invalid key: Syntax error; key: "b"'),
    # reserved words used bare
    ("update", dict(UpdateExpression="SET status = :v", ExpressionAttributeValues={":v": N(1)}),
     "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status"),
    ("update", dict(UpdateExpression="SET #c = :c SET abOrt = :c", ExpressionAttributeValues={":c": N(1)},
                    ExpressionAttributeNames={"#c": "c"}),
     "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: abOrt"),
    ("update", dict(UpdateExpression="REMOVE Absolute"),
     "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: Absolute"),
    ("put", dict(ConditionExpression="attribute_not_exists(year)"),
     "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: year"),
    ("get", dict(ProjectionExpression="sku, Name"),
     "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: Name"),
    # syntax
    ("update", dict(UpdateExpression="INVALID SYNTAX HERE"),
     'Invalid UpdateExpression: Syntax error; token: "INVALID", near: "INVALID SYNTAX"'),
    ("get", dict(ProjectionExpression="!!! INVALID !!!"),
     'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"'),
    ("update", dict(UpdateExpression="", ConditionExpression="attribute_exists(a)"),
     "Invalid UpdateExpression: The expression can not be empty;"),
    ("put", dict(ConditionExpression=""), "Invalid ConditionExpression: The expression can not be empty;"),
    ("get", dict(ProjectionExpression=""), "Invalid ProjectionExpression: The expression can not be empty;"),
    ("update", dict(UpdateExpression="SET a = :v SET b = :v", ExpressionAttributeValues={":v": N(1)}),
     'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;'),
    ("update", dict(UpdateExpression="REMOVE a SET b = :v REMOVE c", ExpressionAttributeValues={":v": N(1)}),
     'Invalid UpdateExpression: The "REMOVE" section can only be used once in an update expression;'),
    ("put", dict(ConditionExpression="((attribute_not_exists(pk)))"),
     "Invalid ConditionExpression: The expression has redundant parentheses;"),
    ("put", dict(ConditionExpression="contains(#a, #a)", ExpressionAttributeNames={"#a": "data"}),
     "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this "
     "operator or function; operator: contains, first operand: [data]"),
    # operand types known before reading the item
    ("update", dict(UpdateExpression="ADD a :s", ExpressionAttributeValues={":s": S("a")}),
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, "
     "typeSet: ALLOWED_FOR_ADD_OPERAND"),
    ("update", dict(UpdateExpression="DELETE a :n", ExpressionAttributeValues={":n": N(1)}),
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, "
     "operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND"),
    ("update", dict(UpdateExpression="SET a = a + :s", ExpressionAttributeValues={":s": S("a")}),
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, "
     "operand type: S"),
    ("update", dict(UpdateExpression="SET a = list_append(:s, a)", ExpressionAttributeValues={":s": S("a")}),
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: "
     "list_append, operand type: S"),
]


@pytest.mark.parametrize("op,kwargs,message", EXPRESSION_ERRORS,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(EXPRESSION_ERRORS)])
def test_expression_errors(ddb, table, op, kwargs, message):
    kwargs = dict(kwargs)
    if op == "put":
        kwargs["Item"] = K("a")
    else:
        kwargs["Key"] = K("a")
    expect_error(lambda: call_op(ddb, op, table, kwargs), "ValidationException", message=message)
    assert get(ddb, table, K("a")) is None


@pytest.mark.parametrize("expression", [
    "whatever", "set a", "add a", "delete a", "set a=set", "remove a = b", "add a = b", "delete a b",
    "remove a b", "set :a = b", "add :a b", "remove :a", "set a = b / c", "set a = b * c",
    'set a[1] = "eight"', "SET if_not_exist(a, b) = a", "set (a = (b + c))", "set a = b + c + d", "SET",
])
def test_update_expression_syntax_errors(ddb, table, expression):
    expect_error(lambda: ddb.update_item(TableName=table, Key=K("a"), UpdateExpression=expression),
                 "ValidationException", regex=r"^Invalid UpdateExpression: Syntax error; token: \".*\", near: \".*\"$")


@pytest.mark.parametrize("expression", ["whatever(stuff)", ":a", "a,,b", "a..b", "a[b]", "(a)", "a-b"])
def test_projection_expression_syntax_errors(ddb, table, expression):
    expect_error(lambda: ddb.get_item(TableName=table, Key=K("a"), ProjectionExpression=expression),
                 "ValidationException", regex=r"^Invalid ProjectionExpression: Syntax error; ")


@pytest.mark.parametrize("expression", ["a = ", "a = = :v", "attribute_exists(", "a BETWEEN :v", "a IN ()",
                                        "AND a = :v"])
def test_condition_expression_syntax_errors(ddb, table, expression):
    values = values_for(expression, {":v": N(1)})
    kwargs = {"ExpressionAttributeValues": values} if values else {}
    expect_error(lambda: ddb.put_item(TableName=table, Item=K("a"), ConditionExpression=expression, **kwargs),
                 "ValidationException", regex=r"^Invalid ConditionExpression: Syntax error; ")


def test_update_expression_invalid_function(ddb, table):
    expect_error(lambda: ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET a = if_not_exist(a, :v)",
                                         ExpressionAttributeValues={":v": N(1)}),
                 "ValidationException", regex=r"^Invalid UpdateExpression: Invalid function name; function: ")


def test_condition_expression_invalid_function(ddb, table):
    expect_error(lambda: ddb.put_item(TableName=table, Item=K("a"), ConditionExpression="no_such_fn(a)"),
                 "ValidationException", regex=r"^Invalid ConditionExpression: Invalid function name; function: ")


@pytest.mark.parametrize("expression", ["SET a = if_not_exists(c)", "SET a = list_append(c)"])
def test_update_expression_wrong_operand_count(ddb, table, expression):
    expect_error(lambda: ddb.update_item(TableName=table, Key=K("a"), UpdateExpression=expression),
                 "ValidationException",
                 regex=r"^Invalid UpdateExpression: Incorrect number of operands for operator or function; "
                       r"operator or function: [a-z_]+, number of operands: \d+$")


def test_update_expression_if_not_exists_needs_path(ddb, table):
    expect_error(lambda: ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET a = if_not_exists(:a, c)",
                                         ExpressionAttributeValues={":a": S("a")}),
                 "ValidationException",
                 message="Invalid UpdateExpression: Operator or function requires a document path; "
                         "operator or function: if_not_exists")


def test_update_expression_overlapping_paths(ddb, table):
    expect_error(lambda: ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET a = :v, a.b = :v",
                                         ExpressionAttributeValues={":v": N(1)}),
                 "ValidationException",
                 regex=r"^Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
                       r"rewrite one of these paths; path one: \[.*\], path two: \[.*\]$")
    expect_error(lambda: ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET a = :v REMOVE a",
                                         ExpressionAttributeValues={":v": N(1)}),
                 "ValidationException", regex=r"^Invalid UpdateExpression: Two document paths overlap with each other")


def test_projection_expression_overlapping_paths(ddb, table):
    expect_error(lambda: ddb.get_item(TableName=table, Key=K("a"), ProjectionExpression="a, #a[1]",
                                      ExpressionAttributeNames={"#a": "a"}),
                 "ValidationException",
                 message="Invalid ProjectionExpression: Two document paths overlap with each other; must remove or "
                         "rewrite one of these paths; path one: [a], path two: [a, [1]]")


# =========================================================================== Errors found while applying an update

def test_update_operand_with_wrong_runtime_type(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "s": S("text"), "ns": {"NS": ["1"]}})
    for expression, values in (("SET e = s + :n", {":n": N(1)}), ("ADD ns :n", {":n": N(1)}),
                               ("DELETE ns :ss", {":ss": {"SS": ["t"]}}), ("SET e = list_append(s, :l)", {":l": {"L": []}})):
        expect_error(lambda: ddb.update_item(TableName=table, Key=K("a"), UpdateExpression=expression,
                                             ExpressionAttributeValues=values),
                     "ValidationException", message="An operand in the update expression has an incorrect data type")
    assert get(ddb, table, K("a")) == {"pk": S("a"), "s": S("text"), "ns": {"NS": ["1"]}}


def test_update_reference_to_missing_attribute(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "v": N(1)})
    expect_error(lambda: ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET v = :two, c = b",
                                         ExpressionAttributeValues={":two": N(2)}),
                 "ValidationException", message="The provided expression refers to an attribute that does not exist "
                                                "in the item")
    assert get(ddb, table, K("a")) == {"pk": S("a"), "v": N(1)}


@pytest.mark.parametrize("expression", ["SET b.a = :v", "SET b[1] = :v"])
def test_update_nested_path_in_missing_item(ddb, table, expression):
    expect_error(lambda: ddb.update_item(TableName=table, Key=K("a"), UpdateExpression=expression,
                                         ExpressionAttributeValues={":v": N(1)}),
                 "ValidationException", message="The document path provided in the update expression is invalid "
                                                "for update")
    assert get(ddb, table, K("a")) is None


def test_update_nested_path_through_scalar(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "s": S("x"), "l": {"L": [S("a")]}})
    for expression in ("SET s.a = :v", "SET s[0] = :v", "SET l.a = :v", "SET nope.a = :v"):
        expect_error(lambda: ddb.update_item(TableName=table, Key=K("a"), UpdateExpression=expression,
                                             ExpressionAttributeValues={":v": N(1)}),
                     "ValidationException",
                     message="The document path provided in the update expression is invalid for update")


@pytest.mark.parametrize("expression,values", [
    ("SET pk = :v", {":v": S("new")}),
    ("REMOVE pk", {}),
    ("SET v = :v, pk = :v", {":v": S("new")}),
])
def test_update_of_hash_key_rejected(ddb, table, expression, values):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "v": S("old")})
    kwargs = {"ExpressionAttributeValues": values} if values else {}
    expect_error(lambda: ddb.update_item(TableName=table, Key=K("a"), UpdateExpression=expression, **kwargs),
                 "ValidationException",
                 message="One or more parameter values were invalid: Cannot update attribute pk. "
                         "This attribute is part of the key")
    assert get(ddb, table, K("a")) == {"pk": S("a"), "v": S("old")}


def test_update_of_range_key_rejected(ddb, rtable):
    expect_error(lambda: ddb.update_item(TableName=rtable, Key={"pk": S("a"), "sk": N(1)},
                                         UpdateExpression="ADD sk :one", ExpressionAttributeValues={":one": N(1)}),
                 "ValidationException",
                 message="One or more parameter values were invalid: Cannot update attribute sk. "
                         "This attribute is part of the key")


def test_legacy_update_of_key_rejected(ddb, table):
    expect_error(lambda: ddb.update_item(TableName=table, Key=K("a"), AttributeUpdates={"pk": {"Value": S("b")}}),
                 "ValidationException",
                 message="One or more parameter values were invalid: Cannot update attribute pk. "
                         "This attribute is part of the key")


# =========================================================================== Key validation

PUT_KEY_ERRORS = [
    ({"b": S("a")}, "One or more parameter values were invalid: Missing the key pk in the item"),
    ({}, "One or more parameter values were invalid: Missing the key pk in the item"),
    ({"pk": N(1)}, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"),
    ({"pk": {"B": b"ab"}}, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: B"),
    ({"pk": {"SS": ["a"]}}, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: SS"),
    ({"pk": {"M": {}}}, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: M"),
    ({"pk": {"BOOL": True}}, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: BOOL"),
    ({"pk": S("")}, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
                    "contain an empty string value. Key: pk"),
    ({"pk": S("x" * 2049)}, "One or more parameter values were invalid: Size of hashkey has exceeded the maximum "
                            "size limit of2048 bytes"),
]


@pytest.mark.parametrize("item,message", PUT_KEY_ERRORS, ids=[str(i) for i in range(len(PUT_KEY_ERRORS))])
def test_put_key_validation(ddb, table, item, message):
    expect_error(lambda: ddb.put_item(TableName=table, Item=item), "ValidationException", message=message)


def test_put_range_key_validation(ddb, rtable):
    expect_error(lambda: ddb.put_item(TableName=rtable, Item={"pk": S("a")}), "ValidationException",
                 message="One or more parameter values were invalid: Missing the key sk in the item")
    expect_error(lambda: ddb.put_item(TableName=rtable, Item={"pk": S("a"), "sk": S("1")}), "ValidationException",
                 message="One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S")


def test_key_size_limits(ddb):
    t = create_table(ddb, range_key=("sk", "S"))
    ddb.put_item(TableName=t, Item={"pk": S("h" * 2048), "sk": S("r" * 1024)})
    assert get(ddb, t, {"pk": S("h" * 2048), "sk": S("r" * 1024)}) is not None
    expect_error(lambda: ddb.put_item(TableName=t, Item={"pk": S("a"), "sk": S("r" * 1025)}), "ValidationException",
                 message="One or more parameter values were invalid: Aggregated size of all range keys has exceeded "
                         "the size limit of 1024 bytes")
    # the limits are in UTF-8 bytes: 683 three-byte characters are 2049 bytes
    expect_error(lambda: ddb.put_item(TableName=t, Item={"pk": S("あ" * 683), "sk": S("r")}), "ValidationException",
                 message="One or more parameter values were invalid: Size of hashkey has exceeded the maximum size "
                         "limit of2048 bytes")


def test_empty_binary_key_rejected(ddb):
    t = create_table(ddb, hash_key=("pk", "B"))
    expect_error(lambda: ddb.put_item(TableName=t, Item={"pk": {"B": b""}}), "ValidationException",
                 message="One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
                         "contain an empty binary value. Key: pk")
    expect_error(lambda: ddb.get_item(TableName=t, Key={"pk": {"B": b""}}), "ValidationException",
                 message="One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
                         "contain an empty binary value. Key: pk")


@pytest.mark.parametrize("op", ["get", "update", "delete"])
@pytest.mark.parametrize("key", [{}, {"b": S("a")}, {"pk": S("a"), "b": S("a")}, {"pk": N(1)}, {"pk": {"B": b"ab"}},
                                 {"pk": {"SS": ["a"]}}, {"pk": {"NULL": True}}])
def test_key_must_match_schema(ddb, table, op, key):
    expect_error(lambda: call_op(ddb, op, table, {"Key": key}), "ValidationException", message=KEY_MISMATCH)


def test_missing_range_key_in_key(ddb, rtable):
    expect_error(lambda: ddb.get_item(TableName=rtable, Key={"pk": S("a")}), "ValidationException",
                 message=KEY_MISMATCH)


def test_get_empty_string_key_rejected(ddb, table):
    expect_error(lambda: ddb.get_item(TableName=table, Key=K("")), "ValidationException",
                 contains="The AttributeValue for a key attribute cannot contain an empty string value. Key: pk")


@pytest.mark.parametrize("op", ["put", "get", "update", "delete"])
def test_missing_table(ddb, op):
    kwargs = {"Item": K("a")} if op == "put" else {"Key": K("a")}
    expect_error(lambda: call_op(ddb, op, unique("missing"), kwargs), "ResourceNotFoundException", message=NOT_FOUND)


# =========================================================================== 400 KB item limit

def test_item_of_exactly_400kb_is_accepted(ddb, table):
    # size = attribute names + values in bytes: "pk" + "k1" + "b" + value
    value = "a" * (MAX_ITEM - len("pk") - len("k1") - len("b"))
    ddb.put_item(TableName=table, Item={"pk": S("k1"), "b": S(value)})
    assert len(get(ddb, table, K("k1"))["b"]["S"]) == len(value)


def test_item_one_byte_over_400kb_is_rejected(ddb, table):
    value = "a" * (MAX_ITEM - len("pk") - len("k1") - len("b") + 1)
    expect_error(lambda: ddb.put_item(TableName=table, Item={"pk": S("k1"), "b": S(value)}), "ValidationException",
                 message="Item size has exceeded the maximum allowed size")
    assert get(ddb, table, K("k1")) is None


def test_item_size_counts_utf8_bytes(ddb, table):
    # "é" is two bytes in UTF-8
    value = "é" * ((MAX_ITEM - len("pk") - len("k1") - len("b")) // 2 + 1)
    expect_error(lambda: ddb.put_item(TableName=table, Item={"pk": S("k1"), "b": S(value)}), "ValidationException",
                 message="Item size has exceeded the maximum allowed size")


def test_update_past_400kb_is_rejected_and_changes_nothing(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("k1"), "b": S("a" * 300000), "v": N(1)})
    expect_error(lambda: ddb.update_item(TableName=table, Key=K("k1"), UpdateExpression="SET c = :c, v = :two",
                                         ExpressionAttributeValues={":c": S("c" * 200000), ":two": N(2)}),
                 "ValidationException", message="Item size to update has exceeded the maximum allowed size")
    item = get(ddb, table, K("k1"))
    assert "c" not in item and item["v"] == N(1)
