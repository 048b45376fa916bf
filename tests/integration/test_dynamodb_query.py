"""DynamoDB Query on tables: key conditions (expression and legacy
KeyConditions), sort order per key type, ScanIndexForward, Select,
projections, filters, Limit and LastEvaluatedKey / ExclusiveStartKey, the
1 MB page rule, consumed capacity, the AWS CLI's automatic pagination, and
that a Query's cost follows its page rather than the table.

Sources for exact messages and results:
- dynalite test/query.js (recorded against real DynamoDB): key-condition and
  ExclusiveStartKey errors, filter-on-key errors, sort orders, Limit with a
  filter (LastEvaluatedKey is the last item *read*), COUNT with LastEvaluatedKey.
- moto tests/test_dynamodb/test_dynamodb_select.py (aws_verified): Select
  messages; nubo-db/dynamodb-conformance: "Query condition missed key schema
  element", SPECIFIC_ATTRIBUTES without a projection.
Where DynamoDB itself is inconsistent (a LastEvaluatedKey is sometimes
returned when a page ends exactly at the last item), the emulator returns one
only when more items remain; the test says so.
"""
import json
import time
from decimal import Decimal

import pytest

from conftest import aws_cli
from dynamodb_model import all_items, check_pages, key_of, pages, query_model
from dynamodb_util import B, N, S, assert_raw_error, create_table, expect_error, put_all, raw_call, unique

NOT_INDEXABLE = "Attempted conditional constraint is not an indexable operation"
NOT_SUPPORTED = "Query key condition not supported"
TYPE_MISMATCH = "One or more parameter values were invalid: Condition parameter type does not match schema type"
START_INVALID = "The provided starting key is invalid"
KEY_MISMATCH = "The provided key element does not match the schema"


@pytest.fixture
def htable(ddb):
    return create_table(ddb)


@pytest.fixture
def rtable(ddb):
    return create_table(ddb, range_key=("sk", "S"))


@pytest.fixture
def ntable(ddb):
    return create_table(ddb, range_key=("sk", "N"))


@pytest.fixture
def btable(ddb):
    return create_table(ddb, range_key=("sk", "B"))


def q(ddb, table, pk, **kw):
    """Query by partition key with a KeyConditionExpression."""
    values = dict(kw.pop("ExpressionAttributeValues", {}), **{":pk": S(pk)})
    cond = kw.pop("KeyConditionExpression", "pk = :pk")
    return ddb.query(TableName=table, KeyConditionExpression=cond, ExpressionAttributeValues=values, **kw)


def sks(resp):
    return [it["sk"] for it in resp["Items"]]


# =========================================================================== basics

def test_query_empty_and_single_item_hash_table(ddb, htable):
    out = q(ddb, htable, "nobody", ConsistentRead=False, ReturnConsumedCapacity="NONE", ScanIndexForward=True,
            Select="ALL_ATTRIBUTES")
    assert {k: out[k] for k in out if k != "ResponseMetadata"} == {"Count": 0, "ScannedCount": 0, "Items": []}
    item = {"pk": S("a"), "b": N(1)}
    put_all(ddb, htable, [item, {"pk": S("b"), "b": N(1)}])
    out = q(ddb, htable, "a", ConsistentRead=True)
    assert (out["Count"], out["ScannedCount"], out["Items"]) == (1, 1, [item])
    assert "LastEvaluatedKey" not in out


RANGE_CASES = [
    ("pk = :pk", "EQ", None, ["1", "2", "3"]),
    ("pk = :pk AND sk = :v", "EQ", ["2"], ["2"]),
    ("pk = :pk AND sk <= :v", "LE", ["2"], ["1", "2"]),
    ("pk = :pk AND sk < :v", "LT", ["2"], ["1"]),
    ("pk = :pk AND sk >= :v", "GE", ["2"], ["2", "3"]),
    ("pk = :pk AND sk > :v", "GT", ["2"], ["3"]),
    (":v < sk AND pk = :pk", "GT", ["2"], ["3"]),  # mirrored, and key order in the expression is free
    ("pk = :pk AND sk BETWEEN :v AND :w", "BETWEEN", ["2", "3"], ["2", "3"]),
    ("pk = :pk AND begins_with(sk, :v)", "BEGINS_WITH", ["2"], ["2"]),
]


@pytest.mark.parametrize("expression,operator,args,expected", RANGE_CASES)
def test_sort_key_conditions_expression_and_legacy(ddb, rtable, expression, operator, args, expected):
    put_all(ddb, rtable, [{"pk": S("p"), "sk": S(x)} for x in ["1", "2", "3"]] + [{"pk": S("q"), "sk": S("2")}])
    values = {":pk": S("p")}
    for name, v in zip([":v", ":w"], args or []):
        values[name] = S(v)
    out = ddb.query(TableName=rtable, KeyConditionExpression=expression, ExpressionAttributeValues=values)
    assert sks(out) == [S(x) for x in expected]
    conditions = {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p")]}}
    if args:
        conditions["sk"] = {"ComparisonOperator": operator, "AttributeValueList": [S(v) for v in args]}
    legacy = ddb.query(TableName=rtable, KeyConditions=conditions)
    assert legacy["Items"] == out["Items"]
    assert legacy["Count"] == legacy["ScannedCount"] == len(expected)


def test_string_sort_keys_order_by_utf8_bytes(ddb, rtable):
    keys = ["1", "2", "10", "a", "b", "aa", "ab", "A", "B", "Z", "\u00e9", "\u00fc", "\U0001F600", "\uffef", "a b", "a\u0000"]
    put_all(ddb, rtable, [{"pk": S("p"), "sk": S(k)} for k in keys])
    out = q(ddb, rtable, "p")
    assert [x["S"] for x in sks(out)] == sorted(keys, key=lambda k: k.encode("utf-8"))
    back = q(ddb, rtable, "p", ScanIndexForward=False)
    assert back["Items"] == list(reversed(out["Items"]))


def test_number_sort_keys_order_numerically(ddb, ntable):
    numbers = ["0", "99.1", "10.9", "10.1", "9.1", "9", "1.9", "1.1", "1", "0.9", "0.1", "0.09", "0.01", "-0.01",
               "-0.09", "-0.1", "-0.9", "-1", "-1.01", "-9", "-9.9", "-10.1", "-99.1", "1e20", "-1e-20", "123456789012345678"]
    put_all(ddb, ntable, [{"pk": S("p"), "sk": N(n)} for n in numbers])
    out = q(ddb, ntable, "p")
    assert [Decimal(x["N"]) for x in sks(out)] == sorted(Decimal(n) for n in numbers)
    ranged = q(ddb, ntable, "p", KeyConditionExpression="pk = :pk AND sk BETWEEN :lo AND :hi",
               ExpressionAttributeValues={":lo": N("-1"), ":hi": N("1.1")})
    assert [Decimal(x["N"]) for x in sks(ranged)] == sorted(Decimal(n) for n in numbers if -1 <= Decimal(n) <= Decimal("1.1"))


def test_binary_sort_keys_order_by_unsigned_bytes(ddb, btable):
    keys = [b"\x00", b"\x00\x00", b"\x01", b"\x7f", b"\x80", b"\xfe", b"\xff", b"\xff\x00", b"\xff\xff", b"a", b"ab"]
    put_all(ddb, btable, [{"pk": S("p"), "sk": B(k)} for k in keys])
    assert [x["B"] for x in sks(q(ddb, btable, "p"))] == sorted(keys)
    # begins_with on bytes, including a prefix of 0xFF (no successor byte).
    for prefix in [b"\xff", b"\x00", b"\xfe"]:
        out = q(ddb, btable, "p", KeyConditionExpression="pk = :pk AND begins_with(sk, :b)",
                ExpressionAttributeValues={":b": B(prefix)})
        assert [x["B"] for x in sks(out)] == sorted(k for k in keys if k.startswith(prefix))


def test_begins_with_on_multibyte_strings(ddb, rtable):
    keys = ["\u00ff\u00ff\u00ff", "c\u00ffb\u00ff", "c\u00ffb\u00ff\u00ffabg", "c\u00ffc", "d"]
    put_all(ddb, rtable, [{"pk": S("u"), "sk": S(k)} for k in keys])
    for prefix in ["\u00ff\u00ff", "c\u00ffb\u00ff", "c\u00ff", "c"]:
        out = q(ddb, rtable, "u", KeyConditionExpression="pk = :pk AND begins_with(sk, :p)", ExpressionAttributeValues={":p": S(prefix)})
        assert [x["S"] for x in sks(out)] == sorted((k for k in keys if k.startswith(prefix)), key=lambda k: k.encode())


def test_reverse_order_with_limit_and_start_key(ddb, rtable):
    item, item2, item3 = ({"pk": S("r"), "sk": S(x)} for x in ["1", "2", "10"])
    put_all(ddb, rtable, [item, item2, item3])
    out = q(ddb, rtable, "r", ScanIndexForward=False)
    assert out["Items"] == [item2, item3, item]
    out = q(ddb, rtable, "r", ScanIndexForward=False, Limit=2)
    assert (out["Items"], out["LastEvaluatedKey"]) == ([item2, item3], item3)
    out = q(ddb, rtable, "r", ScanIndexForward=False, ExclusiveStartKey=item2)
    assert (out["Items"], out["Count"], out["ScannedCount"]) == ([item3, item], 2, 2)


# =========================================================================== Select, projection, filter

def test_select_count_and_projections(ddb, rtable):
    items = [{"pk": S("s"), "sk": S("b1"), "d": S("d1")}, {"pk": S("s"), "sk": S("b2")},
             {"pk": S("s"), "sk": S("b3"), "d": S("d3"), "e": {"M": {"a": S("x"), "d": S("y")}}, "f": {"L": [S("f0"), S("f1"), S("f2")]}}]
    put_all(ddb, rtable, items)
    out = q(ddb, rtable, "s", Select="COUNT")
    assert "Items" not in out and (out["Count"], out["ScannedCount"]) == (3, 3)
    expected = [{"sk": S("b1"), "d": S("d1")}, {"sk": S("b2")}, {"sk": S("b3"), "d": S("d3")}]
    assert q(ddb, rtable, "s", ProjectionExpression="sk, d")["Items"] == expected
    assert q(ddb, rtable, "s", Select="SPECIFIC_ATTRIBUTES", ProjectionExpression="#s, d",
             ExpressionAttributeNames={"#s": "sk"})["Items"] == expected
    legacy = ddb.query(TableName=rtable, KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("s")]}},
                       AttributesToGet=["sk", "d"], Select="SPECIFIC_ATTRIBUTES")
    assert legacy["Items"] == expected
    nested = q(ddb, rtable, "s", ProjectionExpression="f[2], f[0], e.d, nope")
    assert nested["Items"] == [{}, {}, {"e": {"M": {"d": S("y")}}, "f": {"L": [S("f0"), S("f2")]}}]
    assert q(ddb, rtable, "s", Select="ALL_ATTRIBUTES")["Items"] == items


SELECT_ERRORS = [
    (dict(Select="SPECIFIC_ATTRIBUTES"),
     "1 validation error detected: Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"),
    (dict(Select="ALL_ATTRIBUTES", ProjectionExpression="sk"),
     "1 validation error detected: Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"),
    (dict(Select="COUNT", ProjectionExpression="sk"),
     "1 validation error detected: Cannot specify the ProjectionExpression when choosing to get only the Count"),
    (dict(Select="ALL_PROJECTED_ATTRIBUTES", ProjectionExpression="sk"),
     "1 validation error detected: Cannot specify the ProjectionExpression when choosing to get ALL_PROJECTED_ATTRIBUTES"),
    (dict(Select="ALL_PROJECTED_ATTRIBUTES"),
     "1 validation error detected: ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"),
]


@pytest.mark.parametrize("extra,message", SELECT_ERRORS)
def test_select_rules(ddb, rtable, extra, message):
    expect_error(lambda: q(ddb, rtable, "x", **extra), "ValidationException", message)


def test_select_rules_with_attributes_to_get(ddb, rtable):
    for select, said in [("ALL_ATTRIBUTES", "ALL_ATTRIBUTES"), ("COUNT", "only the Count")]:
        expect_error(lambda: ddb.query(TableName=rtable, Select=select, AttributesToGet=["sk"],
                                       KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("x")]}}),
                     "ValidationException", f"1 validation error detected: Cannot specify the AttributesToGet when choosing to get {said}")


def test_select_must_be_known(ddb, rtable):
    resp = raw_call(ddb.meta.endpoint_url, "Query", {"TableName": rtable, "Select": "count", "KeyConditionExpression": "pk = :p",
                                                     "ExpressionAttributeValues": {":p": S("x")}})
    assert_raw_error(resp, "ValidationException",
                     "1 validation error detected: Value 'count' at 'select' failed to satisfy constraint: Member must satisfy "
                     "enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]")


def test_filter_counts_and_legacy_query_filter(ddb, rtable):
    items = [{"pk": S("f"), "sk": S("b1"), "d": S("1")}, {"pk": S("f"), "sk": S("b2")},
             {"pk": S("f"), "sk": S("b3"), "d": S("d3"), "e": S("e3")}]
    put_all(ddb, rtable, items)
    out = q(ddb, rtable, "f", FilterExpression="attribute_exists(e)")
    assert (out["Count"], out["ScannedCount"], out["Items"]) == (1, 3, [items[2]])
    legacy = ddb.query(TableName=rtable, KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("f")]}},
                       QueryFilter={"e": {"ComparisonOperator": "NOT_NULL"}})
    assert (legacy["Count"], legacy["ScannedCount"], legacy["Items"]) == (1, 3, [items[2]])
    either = ddb.query(TableName=rtable, KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("f")]}},
                       QueryFilter={"e": {"ComparisonOperator": "NOT_NULL"}, "d": {"ComparisonOperator": "EQ", "AttributeValueList": [S("1")]}},
                       ConditionalOperator="OR")
    assert either["Items"] == [items[0], items[2]]
    counted = q(ddb, rtable, "f", FilterExpression="attribute_not_exists(e)", Select="COUNT")
    assert (counted["Count"], counted["ScannedCount"]) == (2, 3)


def test_legacy_key_conditions_mix_with_filter_expression(ddb, rtable):
    # Only KeyConditionExpression excludes KeyConditions (dynalite test/query.js).
    put_all(ddb, rtable, [{"pk": S("m"), "sk": S("1"), "v": N(1)}, {"pk": S("m"), "sk": S("2"), "v": N(2)}])
    out = ddb.query(TableName=rtable, KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("m")]}},
                    FilterExpression="v > :v", ExpressionAttributeValues={":v": N(1)}, ProjectionExpression="sk")
    assert out["Items"] == [{"sk": S("2")}]
    expect_error(lambda: ddb.query(TableName=rtable, KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("m")]}},
                                   KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("m")}),
                 "ValidationException", contains="Can not use both expression and non-expression parameters in the same request")


@pytest.mark.parametrize("expression", ["attribute_exists(pk.b) AND d = :b", "pk = :b", "pk[1] = :b"])
def test_filter_on_partition_key_is_rejected(ddb, htable, expression):
    expect_error(lambda: q(ddb, htable, "x", FilterExpression=expression, ExpressionAttributeValues={":b": N(1)}),
                 "ValidationException", "Filter Expression can only contain non-primary key attributes: Primary key attribute: pk")


def test_filter_on_sort_key_is_rejected(ddb, rtable):
    expect_error(lambda: q(ddb, rtable, "x", FilterExpression="sk = :b", ExpressionAttributeValues={":b": S("1")}),
                 "ValidationException", "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk")
    expect_error(lambda: ddb.query(TableName=rtable, KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("x")]}},
                                   QueryFilter={"sk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("a")]}}),
                 "ValidationException", "QueryFilter can only contain non-primary key attributes: Primary key attribute: sk")


# =========================================================================== Limit and LastEvaluatedKey

def test_limit_counts_items_read_before_the_filter(ddb, rtable):
    items = [{"pk": S("l"), "sk": S(str(i)), "c": S("c")} for i in range(1, 6)]
    items[2]["d"] = S("d")
    put_all(ddb, rtable, items)
    out = q(ddb, rtable, "l", KeyConditionExpression="pk = :pk AND sk >= :b", ExpressionAttributeValues={":b": S("2")}, Limit=2)
    assert (out["Count"], out["ScannedCount"], out["Items"]) == (2, 2, items[1:3])
    assert out["LastEvaluatedKey"] == key_of(items[2], ["pk", "sk"])
    out = q(ddb, rtable, "l", KeyConditionExpression="pk = :pk AND sk >= :b", FilterExpression="d = :d",
            ExpressionAttributeValues={":b": S("2"), ":d": S("d")}, Limit=2)
    assert (out["Count"], out["ScannedCount"], out["Items"]) == (1, 2, [items[2]])
    assert out["LastEvaluatedKey"] == key_of(items[2], ["pk", "sk"])
    # The key of the last item read, even when the filter dropped it; COUNT keeps it too.
    out = q(ddb, rtable, "l", FilterExpression="d = :d", ExpressionAttributeValues={":d": S("d")}, Limit=2, Select="COUNT")
    assert (out["Count"], out["ScannedCount"], out["LastEvaluatedKey"]) == (0, 2, key_of(items[1], ["pk", "sk"]))


def test_last_evaluated_key_only_while_items_remain(ddb, rtable):
    put_all(ddb, rtable, [{"pk": S("e"), "sk": S(str(i))} for i in range(3)])
    for limit in (3, 4, 100):
        out = q(ddb, rtable, "e", Limit=limit)
        assert out["Count"] == 3 and "LastEvaluatedKey" not in out
    out = q(ddb, rtable, "e", Limit=2)
    rest = q(ddb, rtable, "e", Limit=2, ExclusiveStartKey=out["LastEvaluatedKey"])
    assert (rest["Count"], "LastEvaluatedKey" in rest) == (1, False)


@pytest.mark.parametrize("forward", [True, False])
@pytest.mark.parametrize("limit", [1, 2, 3, 7, 10, 17, 100])
def test_paging_returns_every_item_once_in_order(ddb, ntable, limit, forward):
    numbers = [Decimal(i) / 4 for i in range(-20, 20)]
    items = [{"pk": S("pg"), "sk": N(n), "odd": {"BOOL": bool(i % 2)}} for i, n in enumerate(numbers)]
    put_all(ddb, ntable, items)
    model = query_model(items, "pk", S("pg"), "sk", forward=forward)
    responses = pages(ddb.query, TableName=ntable, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("pg")},
                      Limit=limit, ScanIndexForward=forward)
    check_pages(responses, model, limit, None, ["pk", "sk"])
    filtered = pages(ddb.query, TableName=ntable, KeyConditionExpression="pk = :p", FilterExpression="odd = :t",
                     ExpressionAttributeValues={":p": S("pg"), ":t": {"BOOL": True}}, Limit=limit, ScanIndexForward=forward)
    check_pages(filtered, model, limit, lambda it: it["odd"]["BOOL"], ["pk", "sk"])


def test_one_mb_page_rule(ddb, rtable):
    # Each item is 100,012 bytes (names + values); a page stops once the
    # items read reach 1 MB (1,048,576 bytes): after 11 items.
    items = [{"pk": S("p"), "sk": S(f"{i:03d}"), "data": S("x" * 100000)} for i in range(25)]
    put_all(ddb, rtable, items)
    responses = pages(q, ddb=ddb, table=rtable, pk="p", Select="COUNT")
    assert [(r["Count"], r["ScannedCount"]) for r in responses] == [(11, 11), (11, 11), (3, 3)]
    assert responses[0]["LastEvaluatedKey"] == key_of(items[10], ["pk", "sk"])
    filtered = pages(q, ddb=ddb, table=rtable, pk="p", FilterExpression="attribute_exists(nothing)")
    assert [(r["Count"], r["ScannedCount"], r["Items"]) for r in filtered] == [(0, 11, []), (0, 11, []), (0, 3, [])]
    both = pages(q, ddb=ddb, table=rtable, pk="p", Limit=5, ProjectionExpression="sk")
    assert [r["ScannedCount"] for r in both] == [5] * 5
    assert [it["sk"] for it in all_items(both)] == [it["sk"] for it in items]
    back = pages(q, ddb=ddb, table=rtable, pk="p", ScanIndexForward=False, ProjectionExpression="sk")
    assert [len(r["Items"]) for r in back] == [11, 11, 3]
    assert [it["sk"] for it in all_items(back)] == [it["sk"] for it in reversed(items)]


# =========================================================================== capacity

def test_consumed_capacity_sums_sizes_before_rounding(ddb, rtable):
    # Five items of 1,010 bytes: 5,050 bytes read = 2 units of 4 KB (not 5).
    put_all(ddb, rtable, [{"pk": S("cap"), "sk": S(f"k{i}"), "d": S("x" * 1000)} for i in range(5)])
    out = q(ddb, rtable, "cap", ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == {"TableName": rtable, "CapacityUnits": 1.0}
    out = q(ddb, rtable, "cap", ReturnConsumedCapacity="INDEXES", ConsistentRead=True)
    assert out["ConsumedCapacity"] == {"TableName": rtable, "CapacityUnits": 2.0, "Table": {"CapacityUnits": 2.0}}
    # Filtered-out items were read all the same; an empty result still costs the minimum.
    out = q(ddb, rtable, "cap", ReturnConsumedCapacity="TOTAL", FilterExpression="d = :n", ExpressionAttributeValues={":n": S("n")})
    assert (out["Count"], out["ConsumedCapacity"]["CapacityUnits"]) == (0, 1.0)
    assert q(ddb, rtable, "none", ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]["CapacityUnits"] == 0.5
    assert "ConsumedCapacity" not in q(ddb, rtable, "cap", ReturnConsumedCapacity="NONE")


# =========================================================================== key-condition errors

KEY_CONDITION_ERRORS = [
    # (table fixture, request members, message)
    ("rtable", dict(KeyConditionExpression="sk = :v", ExpressionAttributeValues={":v": S("v")}),
     "Query condition missed key schema element: pk"),
    ("rtable", dict(KeyConditionExpression="attr1 = :v", ExpressionAttributeValues={":v": S("v")}),
     "Query condition missed key schema element: pk"),
    ("rtable", dict(KeyConditionExpression="pk = :v AND z = :v", ExpressionAttributeValues={":v": S("v")}),
     "Query condition missed key schema element: sk"),
    ("rtable", dict(KeyConditionExpression="pk = :a and sk = :a and z = :a", ExpressionAttributeValues={":a": S("a")}),
     "Conditions can be of length 1 or 2 only"),
    ("htable", dict(KeyConditionExpression="pk > :a", ExpressionAttributeValues={":a": S("1")}), NOT_SUPPORTED),
    ("htable", dict(KeyConditionExpression="begins_with(pk, :a)", ExpressionAttributeValues={":a": S("1")}), NOT_SUPPORTED),
    ("htable", dict(KeyConditionExpression="pk between :a and :a", ExpressionAttributeValues={":a": S("1")}), NOT_SUPPORTED),
    ("htable", dict(KeyConditionExpression="pk = :a AND b = :a", ExpressionAttributeValues={":a": S("1")}), NOT_SUPPORTED),
    ("htable", dict(KeyConditionExpression=":a > pk", ExpressionAttributeValues={":a": N(1)}), TYPE_MISMATCH),
    ("ntable", dict(KeyConditionExpression="pk = :a AND begins_with(sk, :a)", ExpressionAttributeValues={":a": S("1")}), TYPE_MISMATCH),
    ("ntable", dict(KeyConditionExpression="pk = :a AND begins_with(sk, :n)", ExpressionAttributeValues={":a": S("1"), ":n": N(1)}),
     "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"),
    ("htable", dict(KeyConditionExpression="pk = :a OR pk = :a", ExpressionAttributeValues={":a": S("1")}),
     "Invalid operator used in KeyConditionExpression: OR"),
    ("htable", dict(KeyConditionExpression="pk <> :a", ExpressionAttributeValues={":a": S("1")}),
     "Invalid operator used in KeyConditionExpression: <>"),
    ("htable", dict(KeyConditionExpression="pk IN (:a)", ExpressionAttributeValues={":a": S("1")}),
     "Invalid operator used in KeyConditionExpression: IN"),
    ("htable", dict(KeyConditionExpression="attribute_exists(pk)"), "Invalid operator used in KeyConditionExpression: attribute_exists"),
    ("htable", dict(KeyConditionExpression="NOT pk = :a", ExpressionAttributeValues={":a": S("1")}),
     "Invalid operator used in KeyConditionExpression: NOT"),
    ("htable", dict(KeyConditionExpression="size(pk) = :a", ExpressionAttributeValues={":a": N(1)}),
     "KeyConditionExpressions cannot contain nested operations"),
    ("htable", dict(KeyConditionExpression="pk.x = :a", ExpressionAttributeValues={":a": S("1")}),
     "KeyConditionExpressions cannot have conditions on nested attributes"),
    ("htable", dict(KeyConditionExpression="pk = sk"),
     "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
    ("htable", dict(KeyConditionExpression=":a = :a", ExpressionAttributeValues={":a": S("1")}),
     "Invalid condition in KeyConditionExpression: No key attribute specified"),
    ("rtable", dict(KeyConditionExpression="pk = :a AND pk = :a", ExpressionAttributeValues={":a": S("1")}),
     "KeyConditionExpressions must only contain one condition per key"),
    ("rtable", dict(KeyConditionExpression="pk = :a AND begins_with(:a, sk)", ExpressionAttributeValues={":a": S("1")}),
     "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"),
    ("rtable", dict(KeyConditionExpression="pk = :a AND sk BETWEEN :b AND :a", ExpressionAttributeValues={":a": S("a"), ":b": S("b")}),
     "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
     "lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}"),
    ("rtable", dict(), "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."),
    ("rtable", dict(KeyConditions={}), "Conditions can be of length 1 or 2 only"),
    ("htable", dict(KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("a")]},
                                   "b": {"ComparisonOperator": "EQ", "AttributeValueList": [S("a")]}}), NOT_SUPPORTED),
    ("htable", dict(KeyConditions={"pk": {"ComparisonOperator": "LE", "AttributeValueList": [S("a")]}}), NOT_SUPPORTED),
    ("rtable", dict(KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("b")]},
                                   "sk": {"ComparisonOperator": "NULL"}}), NOT_INDEXABLE),
    ("ntable", dict(KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("b")]},
                                   "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [N(1)]}}),
     "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"),
]


@pytest.mark.parametrize("fixture,members,message", KEY_CONDITION_ERRORS)
def test_key_condition_errors(ddb, request, fixture, members, message):
    table = request.getfixturevalue(fixture)
    expect_error(lambda: ddb.query(TableName=table, **members), "ValidationException", message)


@pytest.mark.parametrize("operator,values", [("NULL", None), ("NOT_NULL", None), ("NE", [N(1)]), ("CONTAINS", [S("a")]),
                                              ("NOT_CONTAINS", [S("a")]), ("IN", [S("a")])])
def test_legacy_non_indexable_operators(ddb, htable, operator, values):
    cond = {"ComparisonOperator": operator}
    if values:
        cond["AttributeValueList"] = values
    expect_error(lambda: ddb.query(TableName=htable, KeyConditions={"pk": cond}), "ValidationException", NOT_INDEXABLE)


def test_missing_table_is_checked_after_request_shape(ddb):
    expect_error(lambda: ddb.query(TableName=unique(), KeyConditionExpression="z = :a", ExpressionAttributeValues={":a": N(1)},
                                   ExclusiveStartKey={"b": S("a")}),
                 "ResourceNotFoundException", "Requested resource not found")
    expect_error(lambda: ddb.query(TableName=unique(), KeyConditionExpression="z = :a OR z = :a", ExpressionAttributeValues={":a": N(1)}),
                 "ValidationException", "Invalid operator used in KeyConditionExpression: OR")


def test_limit_and_index_name_constraints(ddb, rtable):
    url = ddb.meta.endpoint_url
    base = {"TableName": rtable, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": S("x")}}
    for limit in (0, -1):
        assert_raw_error(raw_call(url, "Query", dict(base, Limit=limit)), "ValidationException",
                         f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: "
                         "Member must have value greater than or equal to 1")
    assert_raw_error(raw_call(url, "Query", dict(base, IndexName="a;")), "ValidationException",
                     "2 validation errors detected: Value 'a;' at 'indexName' failed to satisfy constraint: Member must have length "
                     "greater than or equal to 3; Value 'a;' at 'indexName' failed to satisfy constraint: Member must satisfy regular "
                     "expression pattern: [a-zA-Z0-9_.-]+")
    expect_error(lambda: ddb.query(IndexName="whatever", **base), "ValidationException",
                 "The table does not have the specified index: whatever")
    assert_raw_error(raw_call(url, "Query", dict(base, Limit="1")), "SerializationException")


# =========================================================================== ExclusiveStartKey errors

START_KEY_ERRORS = [
    ("htable", {}, START_INVALID),
    ("htable", {"b": S("a")}, START_INVALID),
    ("htable", {"pk": S("a"), "b": S("a")}, START_INVALID),
    ("htable", {"pk": N(1)}, KEY_MISMATCH),
    ("htable", {"pk": {"BOOL": True}}, KEY_MISMATCH),
    ("rtable", {"pk": S("a")}, START_INVALID),
    ("rtable", {"pk": S("a"), "z": S("1")}, START_INVALID),
    ("rtable", {"pk": N(1), "sk": S("a")}, KEY_MISMATCH),
    ("rtable", {"pk": S("x"), "sk": N(1)}, KEY_MISMATCH),
    ("rtable", {"pk": S("other"), "sk": S("a")}, "The provided starting key is outside query boundaries based on provided conditions"),
]


@pytest.mark.parametrize("fixture,start,message", START_KEY_ERRORS)
def test_start_key_errors(ddb, request, fixture, start, message):
    table = request.getfixturevalue(fixture)
    expect_error(lambda: q(ddb, table, "x", ExclusiveStartKey=start), "ValidationException", message)


def test_start_key_against_sort_condition(ddb, rtable):
    expect_error(lambda: q(ddb, rtable, "b", KeyConditionExpression="pk = :pk AND sk > :v", ExpressionAttributeValues={":v": S("b")},
                           ExclusiveStartKey={"pk": S("a"), "sk": S("a")}),
                 "ValidationException", "The provided starting key does not match the range key predicate")
    expect_error(lambda: q(ddb, rtable, "b", KeyConditionExpression="pk = :pk AND sk < :v", ExpressionAttributeValues={":v": S("b")},
                           ExclusiveStartKey={"pk": S("a"), "sk": S("a")}),
                 "ValidationException", "The query can return at most one row and cannot be restarted")
    # A start key need not name an existing item.
    put_all(ddb, rtable, [{"pk": S("b"), "sk": S(x)} for x in ["a", "c", "e"]])
    out = q(ddb, rtable, "b", ExclusiveStartKey={"pk": S("b"), "sk": S("b")})
    assert sks(out) == [S("c"), S("e")]


def test_malformed_start_key_values(ddb, rtable):
    url = ddb.meta.endpoint_url
    base = {"TableName": rtable, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": S("x")}}
    assert_raw_error(raw_call(url, "Query", dict(base, ExclusiveStartKey={"pk": {}})), "ValidationException",
                     "The provided starting key is invalid: Supplied AttributeValue is empty, must contain exactly one of the "
                     "supported datatypes")
    assert_raw_error(raw_call(url, "Query", dict(base, ExclusiveStartKey={"pk": {"S": "a", "N": "1"}})), "ValidationException",
                     "The provided starting key is invalid: Supplied AttributeValue has more than one datatypes set, must contain "
                     "exactly one of the supported datatypes")
    assert_raw_error(raw_call(url, "Query", dict(base, ExclusiveStartKey={"pk": {"N": "1e126"}})), "ValidationException",
                     "Number overflow. Attempting to store a number with magnitude larger than supported range")


# =========================================================================== clients and scale

def test_aws_cli_paginates_queries(ddb, server, rtable):
    items = [{"pk": S("cli"), "sk": S(f"{i:02d}"), "v": N(i)} for i in range(12)]
    put_all(ddb, rtable, items)
    base = ["dynamodb", "query", "--table-name", rtable, "--key-condition-expression", "pk = :p",
            "--expression-attribute-values", json.dumps({":p": S("cli")})]
    whole = json.loads(aws_cli(server.url, *base, "--page-size", "5").stdout)
    assert [it["sk"]["S"] for it in whole["Items"]] == [f"{i:02d}" for i in range(12)]
    assert whole["Count"] == 12 and "NextToken" not in whole
    first = json.loads(aws_cli(server.url, *base, "--max-items", "7", "--page-size", "3").stdout)
    assert len(first["Items"]) == 7 and "NextToken" in first
    rest = json.loads(aws_cli(server.url, *base, "--max-items", "7", "--page-size", "3", "--starting-token", first["NextToken"]).stdout)
    assert [it["sk"]["S"] for it in first["Items"] + rest["Items"]] == [f"{i:02d}" for i in range(12)]
    backwards = json.loads(aws_cli(server.url, *base, "--no-scan-index-forward", "--page-size", "4",
                                   "--filter-expression", "v >= :min", "--expression-attribute-values",
                                   json.dumps({":p": S("cli"), ":min": N(6)})).stdout)
    assert [it["sk"]["S"] for it in backwards["Items"]] == [f"{i:02d}" for i in range(11, 5, -1)]


def test_boto3_paginator_and_resource(ddb, rtable):
    put_all(ddb, rtable, [{"pk": S("pag"), "sk": S(f"{i:02d}")} for i in range(9)])
    paginator = ddb.get_paginator("query")
    got = [it["sk"]["S"] for page in paginator.paginate(TableName=rtable, KeyConditionExpression="pk = :p",
                                                         ExpressionAttributeValues={":p": S("pag")}, PaginationConfig={"PageSize": 2})
           for it in page["Items"]]
    assert got == [f"{i:02d}" for i in range(9)]


def _fastest_pair(small_call, big_call, runs=15):
    """The fastest of `runs` timings of each call, the two alternating, so a
    burst of load on the machine hits both sides alike; a minimum, not a
    median: load only ever adds time."""
    small, big = [], []
    for _ in range(runs):
        for call, times in ((small_call, small), (big_call, big)):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
    return min(small), min(big)


def _page(ddb, table, pk, **kw):
    def call():
        assert q(ddb, table, pk, Limit=10, **kw)["Count"] == 10
    return call


def test_query_cost_follows_the_page_not_the_table(ddb):
    # One partition of 30,000 items (the worst case for a read that loads a
    # partition) against one of 300: a 10-item page costs about the same.
    # Reading the whole partition would cost ~100x; the bound is 5x + 20 ms.
    small, big = create_table(ddb, range_key=("sk", "N")), create_table(ddb, range_key=("sk", "N"))
    put_all(ddb, small, [{"pk": S("p"), "sk": N(i), "filler": S("y" * 100)} for i in range(300)])
    put_all(ddb, big, [{"pk": S("p"), "sk": N(i), "filler": S("y" * 100)} for i in range(30000)])
    mid = dict(KeyConditionExpression="pk = :pk AND sk BETWEEN :lo AND :hi", ExpressionAttributeValues={":lo": N(15000), ":hi": N(15100)})
    for kw in [dict(), dict(ScanIndexForward=False), dict(FilterExpression="attribute_exists(filler)"), mid]:
        small_kw = {} if kw is mid else kw
        t_small, t_big = _fastest_pair(_page(ddb, small, "p", **small_kw), _page(ddb, big, "p", **kw))
        assert t_big < t_small * 5 + 0.02, (kw, t_small, t_big)
    t_small, t_big = _fastest_pair(lambda: ddb.scan(TableName=small, Limit=10), lambda: ddb.scan(TableName=big, Limit=10))
    assert t_big < t_small * 5 + 0.02, ("scan", t_small, t_big)


def test_order_of_request_checks(ddb, rtable):
    # dynalite test/query.js: a malformed start key is reported after mixed
    # expression / legacy parameters, but before the expressions themselves,
    # the legacy KeyConditions and a missing key condition.
    url = ddb.meta.endpoint_url
    start_error = ("The provided starting key is invalid: Supplied AttributeValue is empty, must contain exactly one of the "
                   "supported datatypes")
    for members in [dict(KeyConditionExpression="", ExpressionAttributeNames={}, ExpressionAttributeValues={}),
                    dict(KeyConditions={"pk": {"ComparisonOperator": "EQ"}}), dict()]:
        assert_raw_error(raw_call(url, "Query", dict(TableName=rtable, ExclusiveStartKey={"pk": {}}, **members)),
                         "ValidationException", start_error)
    assert_raw_error(raw_call(url, "Query", {"TableName": rtable, "ExclusiveStartKey": {"pk": {}}, "AttributesToGet": ["a"],
                                             "ProjectionExpression": "a", "KeyConditionExpression": "pk = :p",
                                             "ExpressionAttributeValues": {":p": S("x")}}),
                     "ValidationException", contains="Can not use both expression and non-expression parameters in the same request")
    # Table existence is checked after the request's own shape, before the key schema.
    assert_raw_error(raw_call(url, "Query", {"TableName": unique(), "KeyConditionExpression": "z = :a",
                                             "ExpressionAttributeValues": {":a": N(1)}}), "ResourceNotFoundException")
