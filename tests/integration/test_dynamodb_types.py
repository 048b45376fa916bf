"""The ten DynamoDB types, number semantics and value validation.

Sources for exact messages and canonical forms:
- dynalite test/putItem.js "should put really long numbers" and the number
  validation table (written against real DynamoDB): 38 digits, the 1E-130 ..
  9.99..E+125 range, and the overflow / underflow / precision messages.
- Set messages: nubo-db/dynamodb-conformance us-east-1 capture (2026-06):
  "An string set  may not be empty" (two spaces), "An number set  may not be
  empty", "Input collection [a, a] contains duplicates."; dynalite for BS and NS.
- Nesting: conformance tests/tier1 nesting-depth (31 nested maps accepted, 32
  rejected; wording varies by region, so only the phrase is pinned).
"""
from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary

from dynamodb_util import assert_raw_error, create_table, expect_error, get, make_resource, raw_call

OVERFLOW = "Number overflow. Attempting to store a number with magnitude larger than supported range"
UNDERFLOW = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
PRECISION = "Attempting to store more than 38 significant digits in a Number"
NOT_A_NUMBER = "The parameter cannot be converted to a numeric value"


@pytest.fixture
def table(ddb):
    return create_table(ddb)


@pytest.fixture
def ntable(ddb):
    return create_table(ddb, hash_key=("k", "N"))


def K(v):
    return {"pk": {"S": v}}


# =========================================================================== all ten types through boto3

def test_all_ten_types_roundtrip_through_resource(server, table):
    t = make_resource(server.url).Table(table)
    item = {
        "pk": "all-types",
        "s": "text",
        "n": Decimal("-12.5"),
        "b": Binary(b"\x00\x01\x02\xff"),
        "bool": True,
        "null": None,
        "l": ["a", Decimal(1), [Decimal(2)], {"x": "y"}],
        "m": {"inner": {"deep": Decimal("3.14")}, "flag": False},
        "ss": {"a", "b", "c"},
        "ns": {Decimal(1), Decimal("2.5"), Decimal(-3)},
        "bs": {Binary(b"\x01"), Binary(b"\x02\x03")},
    }
    t.put_item(Item=item)
    got = t.get_item(Key={"pk": "all-types"}, ConsistentRead=True)["Item"]
    assert got == item


def test_all_ten_types_on_the_wire(ddb, table):
    item = {
        "pk": {"S": "wire"}, "s": {"S": "x"}, "n": {"N": "1"}, "b": {"B": b"\x80"}, "bool": {"BOOL": False},
        "null": {"NULL": True}, "l": {"L": [{"NULL": True}, {"BOOL": True}]}, "m": {"M": {"e": {"M": {}}, "el": {"L": []}}},
        "ss": {"SS": ["x"]}, "ns": {"NS": ["7"]}, "bs": {"BS": [b"\x00"]},
    }
    ddb.put_item(TableName=table, Item=item)
    assert get(ddb, table, K("wire")) == item


def test_empty_string_and_binary_allowed_outside_keys(ddb, table):
    item = {"pk": {"S": "e"}, "s": {"S": ""}, "b": {"B": b""}, "l": {"L": [{"S": ""}]}, "m": {"M": {"k": {"S": ""}}}}
    ddb.put_item(TableName=table, Item=item)
    assert get(ddb, table, K("e")) == item


def test_update_can_set_empty_string(ddb, table):
    ddb.update_item(TableName=table, Key=K("e"), UpdateExpression="SET s = :e", ExpressionAttributeValues={":e": {"S": ""}})
    assert get(ddb, table, K("e"))["s"] == {"S": ""}


def test_attribute_value_with_two_types_rejected(server, ddb, table):
    # sent raw: newer botocore treats AttributeValue as a union and refuses it client-side
    resp = raw_call(server.url, "PutItem", {"TableName": table, "Item": {"pk": {"S": "a"}, "x": {"S": "a", "N": "1"}}})
    assert_raw_error(resp, "ValidationException",
                     message="Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
                             "supported datatypes")
    assert get(ddb, table, K("a")) is None


@pytest.mark.parametrize("value", [{}, {"M": {"a": {}}}, {"L": [{}]}])
def test_attribute_value_with_no_type_rejected(server, table, value):
    resp = raw_call(server.url, "PutItem", {"TableName": table, "Item": {"pk": {"S": "a"}, "x": value}})
    assert_raw_error(resp, "ValidationException",
                     message="Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")


def test_nesting_of_31_levels_accepted_32_rejected(ddb, table):
    def deep(depth):
        v = {"S": "leaf"}
        for _ in range(depth):
            v = {"M": {"n": v}}
        return v

    ddb.put_item(TableName=table, Item={"pk": {"S": "deep"}, "d": deep(31)})
    got = get(ddb, table, K("deep"))["d"]
    depth = 0
    while "M" in got:
        got = got["M"]["n"]
        depth += 1
    assert depth == 31
    expect_error(lambda: ddb.put_item(TableName=table, Item={"pk": {"S": "deeper"}, "d": deep(32)}),
                 "ValidationException", regex=r"(?i)nest(?:ing|ed) levels[\s\S]*supported limit")
    assert get(ddb, table, K("deeper")) is None


# =========================================================================== sets

@pytest.mark.parametrize("value,message", [
    ({"SS": []}, "One or more parameter values were invalid: An string set  may not be empty"),
    ({"NS": []}, "One or more parameter values were invalid: An number set  may not be empty"),
    ({"BS": []}, "One or more parameter values were invalid: Binary sets should not be empty"),
    ({"SS": ["a", "a"]}, "One or more parameter values were invalid: Input collection [a, a] contains duplicates."),
    ({"BS": [b"b", b"b"]}, "One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS "
                           "contains duplicates."),
    ({"NS": ["1", "1"]}, "Input collection contains duplicates"),
], ids=["empty-SS", "empty-NS", "empty-BS", "dup-SS", "dup-BS", "dup-NS"])
def test_invalid_sets_rejected(ddb, table, value, message):
    expect_error(lambda: ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "x": value}), "ValidationException",
                 message=message)
    assert get(ddb, table, K("a")) is None


def test_number_set_duplicates_are_numeric(ddb, table):
    expect_error(lambda: ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "x": {"NS": ["1", "1.0"]}}),
                 "ValidationException", contains="contains duplicates")


def test_invalid_set_in_expression_value_rejected(ddb, table):
    expect_error(lambda: ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="ADD x :s",
                                         ExpressionAttributeValues={":s": {"SS": ["a", "a"]}}),
                 "ValidationException",
                 message="ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
                         "Input collection [a, a] contains duplicates. for key :s")


def test_number_set_is_returned_canonical(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "x": {"NS": ["1e2", "-0.50", "007"]}})
    assert sorted(get(ddb, table, K("a"))["x"]["NS"]) == sorted(["100", "-0.5", "7"])


# =========================================================================== numbers: limits

@pytest.mark.parametrize("given,stored", [
    ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
    ("0000012345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
    ("-00001.23456789012345678901234567890123456780000", "-1.2345678901234567890123456789012345678"),
    ("9.9999999999999999999999999999999999999E+125", "9" * 38 + "0" * 88),
    ("0009.99999999999999999999999999999999999990000e125", "9" * 38 + "0" * 88),
    ("-9.9999999999999999999999999999999999999E+125", "-" + "9" * 38 + "0" * 88),
    ("1E-130", "0." + "0" * 129 + "1"),
    ("0001.000e-130", "0." + "0" * 129 + "1"),
    ("-1E-130", "-0." + "0" * 129 + "1"),
], ids=["38-digits", "leading-zeros", "negative-fraction", "max", "max-padded", "min-negative", "smallest",
        "smallest-padded", "smallest-negative"])
def test_numbers_at_the_limits_are_stored(ddb, table, given, stored):
    ddb.put_item(TableName=table, Item={"pk": {"S": "n"}, "v": {"N": given}})
    assert get(ddb, table, K("n"))["v"] == {"N": stored}


@pytest.mark.parametrize("given,message", [
    ("123456789012345678901234567890123456789", PRECISION),
    ("-1.23456789012345678901234567890123456789", PRECISION),
    ("1E+126", OVERFLOW),
    ("1e126", OVERFLOW),
    ("-1e126", OVERFLOW),
    ("1E-131", UNDERFLOW),
    ("-1e-131", UNDERFLOW),
    ("b", NOT_A_NUMBER + ": b"),
    ("", NOT_A_NUMBER),
], ids=["39-digits", "39-digits-fraction", "1E+126", "1e126", "-1e126", "1E-131", "-1e-131", "letters", "empty"])
def test_numbers_out_of_range_rejected(ddb, table, given, message):
    expect_error(lambda: ddb.put_item(TableName=table, Item={"pk": {"S": "n"}, "v": {"N": given}}),
                 "ValidationException", message=message)
    assert get(ddb, table, K("n")) is None


@pytest.mark.parametrize("given", ["1E+126", "1E-131", "123456789012345678901234567890123456789"])
def test_numbers_out_of_range_rejected_in_keys(ddb, ntable, given):
    expect_error(lambda: ddb.get_item(TableName=ntable, Key={"k": {"N": given}}), "ValidationException")


@pytest.mark.parametrize("given", ["NaN", "Infinity", "0x10", "1,5", "1 2", "--1"])
def test_not_a_number_rejected(ddb, table, given):
    expect_error(lambda: ddb.put_item(TableName=table, Item={"pk": {"S": "n"}, "v": {"N": given}}),
                 "ValidationException", contains=NOT_A_NUMBER)


def test_arithmetic_overflow_rejected(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "n"}, "v": {"N": "9.9999999999999999999999999999999999999E+125"}})
    expect_error(lambda: ddb.update_item(TableName=table, Key=K("n"), UpdateExpression="SET v = v + v"),
                 "ValidationException", contains="Number overflow")
    assert get(ddb, table, K("n"))["v"] == {"N": "9" * 38 + "0" * 88}


# =========================================================================== numbers: canonical form

@pytest.mark.parametrize("given,canonical", [
    ("1e3", "1000"), ("1E3", "1000"), ("1000", "1000"), ("1.0E+2", "100"), ("-0", "0"), ("0.0", "0"),
    ("-0.0e5", "0"), (".5", "0.5"), ("0.50", "0.5"), ("00012", "12"), ("-1.5e-3", "-0.0015"), ("1.2300", "1.23"),
    ("-15.789e6", "-15789000"), ("123.456e-2", "1.23456"),
])
def test_numbers_are_stored_canonically(ddb, table, given, canonical):
    ddb.put_item(TableName=table, Item={"pk": {"S": "c"}, "v": {"N": given}})
    assert get(ddb, table, K("c"))["v"] == {"N": canonical}


def test_equal_numbers_are_one_key(ddb, ntable):
    ddb.put_item(TableName=ntable, Item={"k": {"N": "1e3"}, "v": {"S": "first"}})
    ddb.put_item(TableName=ntable, Item={"k": {"N": "1000.00"}, "w": {"S": "second"}})
    assert get(ddb, ntable, {"k": {"N": "1000"}}) == {"k": {"N": "1000"}, "w": {"S": "second"}}
    assert get(ddb, ntable, {"k": {"N": "10E2"}}) == {"k": {"N": "1000"}, "w": {"S": "second"}}


def test_negative_zero_is_zero_key(ddb, ntable):
    ddb.put_item(TableName=ntable, Item={"k": {"N": "-0"}})
    assert get(ddb, ntable, {"k": {"N": "0"}}) == {"k": {"N": "0"}}


def test_numbers_compare_numerically_in_conditions(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "c"}, "v": {"N": "10"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "c"}, "v": {"N": "10"}}, ConditionExpression="v > :nine",
                 ExpressionAttributeValues={":nine": {"N": "9"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "c"}, "v": {"N": "10"}}, ConditionExpression="v = :ten",
                 ExpressionAttributeValues={":ten": {"N": "1.0E1"}})


# =========================================================================== numbers: exact arithmetic

def test_add_one_tenth_ten_times_is_exactly_one(ddb, table):
    for _ in range(10):
        ddb.update_item(TableName=table, Key=K("sum"), UpdateExpression="ADD v :d",
                        ExpressionAttributeValues={":d": {"N": "0.1"}})
    assert get(ddb, table, K("sum"))["v"] == {"N": "1"}


def test_set_plus_is_exact(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "0.1"}})
    out = ddb.update_item(TableName=table, Key=K("a"), UpdateExpression="SET v = v + :d",
                          ExpressionAttributeValues={":d": {"N": "0.2"}}, ReturnValues="UPDATED_NEW")
    assert out["Attributes"] == {"v": {"N": "0.3"}}


@pytest.mark.parametrize("a,op,b,result", [
    ("99999999999999999999999999999999999999", "+", "1", "100000000000000000000000000000000000000"),
    ("1", "-", "0.0000000000000000000000000000000000001", "0.9999999999999999999999999999999999999"),
    ("12345678901234567890.123", "-", "12345678901234567890.123", "0"),
    ("-5", "+", "5", "0"),
    ("1.10", "+", "2.20", "3.3"),
    ("1E+100", "+", "1E+100", "2" + "0" * 100),
])
def test_exact_decimal_arithmetic(ddb, table, a, op, b, result):
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": a}})
    out = ddb.update_item(TableName=table, Key=K("a"), UpdateExpression=f"SET v = v {op} :b",
                          ExpressionAttributeValues={":b": {"N": b}}, ReturnValues="UPDATED_NEW")
    assert out["Attributes"]["v"] == {"N": result}


def test_decimal_roundtrip_through_resource(server, table):
    t = make_resource(server.url).Table(table)
    # (boto3's deserializer traps Rounded, so numbers with more than 38 digits of
    # trailing zeros cannot come back through the resource API even from AWS)
    values = [Decimal("0.1"), Decimal("-99999999999999999999999999999999999999"), Decimal("1E+37"),
              Decimal("3.14159265358979323846264338327950288"), Decimal("-0.000001")]
    for i, v in enumerate(values):
        t.put_item(Item={"pk": f"d{i}", "v": v})
        assert t.get_item(Key={"pk": f"d{i}"}, ConsistentRead=True)["Item"]["v"] == v


# =========================================================================== Unicode

UNICODE_KEYS = [
    "キャリバーホイヤー01",
    "\ufeffRectangular",
    "😀 emoji 👍🏽",
    "MIKROPENDULUM'S_AUTO",
    " leading and trailing ",
    "CAR2A8A.BF0707-AM",
    "e\u0301",           # decomposed é stays decomposed
    "\u00e9",            # precomposed é is a different key
    "a\u0000b",          # NUL inside a string
    "\U0010FFFF",
]


@pytest.mark.parametrize("key", UNICODE_KEYS, ids=[f"u{i}" for i in range(len(UNICODE_KEYS))])
def test_unicode_keys_and_values_are_byte_exact(ddb, table, key):
    ddb.put_item(TableName=table, Item={"pk": {"S": key}, "v": {"S": key + "|" + key}})
    item = get(ddb, table, {"pk": {"S": key}})
    assert item == {"pk": {"S": key}, "v": {"S": key + "|" + key}}
    assert item["pk"]["S"].encode("utf-8") == key.encode("utf-8")


def test_normalization_forms_are_distinct_keys(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "e\u0301"}, "v": {"S": "decomposed"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "\u00e9"}, "v": {"S": "precomposed"}})
    assert get(ddb, table, {"pk": {"S": "e\u0301"}})["v"] == {"S": "decomposed"}
    assert get(ddb, table, {"pk": {"S": "\u00e9"}})["v"] == {"S": "precomposed"}


def test_unicode_attribute_names(ddb, table):
    item = {"pk": {"S": "names"}, "年": {"N": "2017"}, "\ufeffcase_form": {"S": "x"}, "emoji😀": {"BOOL": True}}
    ddb.put_item(TableName=table, Item=item)
    assert get(ddb, table, K("names")) == item
    out = ddb.get_item(TableName=table, Key=K("names"), ProjectionExpression="#y",
                       ExpressionAttributeNames={"#y": "年"})
    assert out["Item"] == {"年": {"N": "2017"}}
