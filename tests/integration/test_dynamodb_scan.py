"""DynamoDB Scan: order (a hash of the partition key), filters (expression and
legacy ScanFilter), Select and projections, Limit / LastEvaluatedKey paging,
parallel scan (Segment / TotalSegments: every item exactly once across the
segments), the 1 MB page rule, consumed capacity, ExclusiveStartKey and
segment errors, and the AWS CLI's automatic pagination.

Sources for exact messages: dynalite test/scan.js (recorded against real
DynamoDB): segment messages, ExclusiveStartKey errors (Scan words a table
key mismatch as "The provided starting key is invalid: The provided key
element does not match the schema"), "Invalid ExclusiveStartKey. Please use
ExclusiveStartKey with correct Segment", key-path errors; moto
test_dynamodb_select.py (aws_verified): Scan reports the Select rules without
the "1 validation error detected" envelope; the AWS API reference: Segment
0..999999, TotalSegments 1..1000000.
"""
import json

import pytest

from conftest import aws_cli
from dynamodb_model import all_items, check_pages, key_of, pages, partition_hash, scan_model, segment_range
from dynamodb_util import N, S, assert_raw_error, create_table, expect_error, put_all, raw_call, unique

START_INVALID = "The provided starting key is invalid"
START_MISMATCH = "The provided starting key is invalid: The provided key element does not match the schema"


@pytest.fixture
def htable(ddb):
    return create_table(ddb)


@pytest.fixture
def rtable(ddb):
    return create_table(ddb, range_key=("sk", "N"))


@pytest.fixture
def filled(ddb, rtable):
    """40 partitions of 1..4 items: a table whose scan order differs from insertion order."""
    items = [{"pk": S(f"user-{p:03d}"), "sk": N(s), "v": N(p * 10 + s), "tag": S("even" if (p + s) % 2 == 0 else "odd")}
             for p in range(40) for s in range(1 + p % 4)]
    put_all(ddb, rtable, items)
    return rtable, items


def test_scan_empty_table(ddb, htable):
    out = ddb.scan(TableName=htable)
    assert (out["Items"], out["Count"], out["ScannedCount"]) == ([], 0, 0)
    assert "LastEvaluatedKey" not in out


def test_scan_order_follows_the_partition_hash(ddb, filled):
    table, items = filled
    out = ddb.scan(TableName=table)
    assert out["Items"] == scan_model(items, "pk", "sk")
    assert out["Count"] == out["ScannedCount"] == len(items)
    hashes = [partition_hash(it["pk"]) for it in out["Items"]]
    assert hashes == sorted(hashes)


@pytest.mark.parametrize("limit", [1, 2, 5, 13, 200])
def test_scan_paging_with_and_without_filter(ddb, filled, limit):
    table, items = filled
    model = scan_model(items, "pk", "sk")
    check_pages(pages(ddb.scan, TableName=table, Limit=limit), model, limit, None, ["pk", "sk"])
    even = lambda it: it["tag"]["S"] == "even"
    check_pages(pages(ddb.scan, TableName=table, Limit=limit, FilterExpression="tag = :t", ExpressionAttributeValues={":t": S("even")}),
                model, limit, even, ["pk", "sk"])
    check_pages(pages(ddb.scan, TableName=table, Limit=limit, ScanFilter={"tag": {"ComparisonOperator": "EQ", "AttributeValueList": [S("even")]}}),
                model, limit, even, ["pk", "sk"])
    check_pages(pages(ddb.scan, TableName=table, Limit=limit, ProjectionExpression="v"), model, limit, None, ["pk", "sk"],
                project=lambda it: {"v": it["v"]})


def test_scan_filters_and_select(ddb, filled):
    table, items = filled
    out = ddb.scan(TableName=table, FilterExpression="v BETWEEN :lo AND :hi", ExpressionAttributeValues={":lo": N(100), ":hi": N(150)})
    assert out["Items"] == [it for it in scan_model(items, "pk", "sk") if 100 <= int(it["v"]["N"]) <= 150]
    assert out["ScannedCount"] == len(items)
    counted = ddb.scan(TableName=table, Select="COUNT", ScanFilter={"v": {"ComparisonOperator": "LT", "AttributeValueList": [N(50)]},
                                                                     "tag": {"ComparisonOperator": "EQ", "AttributeValueList": [S("odd")]}},
                       ConditionalOperator="OR")
    assert "Items" not in counted
    assert counted["Count"] == sum(1 for it in items if int(it["v"]["N"]) < 50 or it["tag"]["S"] == "odd")
    legacy = ddb.scan(TableName=table, AttributesToGet=["pk", "v"], Select="SPECIFIC_ATTRIBUTES", Limit=3)
    assert legacy["Items"] == [key_of(it, ["pk", "v"]) for it in scan_model(items, "pk", "sk")[:3]]
    # Scans may filter on key attributes (only Query forbids it).
    keyed = ddb.scan(TableName=table, FilterExpression="pk = :p", ExpressionAttributeValues={":p": S("user-003")})
    assert [it["sk"] for it in keyed["Items"]] == [N(0), N(1), N(2), N(3)]


SCAN_SELECT_ERRORS = [
    (dict(Select="SPECIFIC_ATTRIBUTES"), "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"),
    (dict(Select="ALL_ATTRIBUTES", ProjectionExpression="pk"), "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"),
    (dict(Select="COUNT", AttributesToGet=["pk"]), "Cannot specify the AttributesToGet when choosing to get only the Count"),
    (dict(Select="ALL_PROJECTED_ATTRIBUTES"), "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"),
]


@pytest.mark.parametrize("extra,message", SCAN_SELECT_ERRORS)
def test_scan_select_rules(ddb, htable, extra, message):
    expect_error(lambda: ddb.scan(TableName=htable, **extra), "ValidationException", message)


# =========================================================================== parallel scan

@pytest.mark.parametrize("total", [1, 2, 3, 4, 7, 16, 100, 1000000])
def test_segments_return_every_item_exactly_once(ddb, filled, total):
    table, items = filled
    seen = []
    for segment in (range(total) if total <= 100 else [0, 1, total // 2, total - 1]):
        got = all_items(pages(ddb.scan, TableName=table, Segment=segment, TotalSegments=total, Limit=4))
        low, high = segment_range(segment, total)
        assert all(low <= partition_hash(it["pk"]) <= high for it in got)
        assert got == [it for it in scan_model(items, "pk", "sk") if low <= partition_hash(it["pk"]) <= high]
        seen += got
    if total <= 100:
        keys = sorted((it["pk"]["S"], int(it["sk"]["N"])) for it in seen)
        assert keys == sorted((it["pk"]["S"], int(it["sk"]["N"])) for it in items)


def test_segments_split_a_large_table_evenly(ddb, htable):
    items = [{"pk": S(f"k{i}")} for i in range(2000)]
    put_all(ddb, htable, items)
    counts = [ddb.scan(TableName=htable, Segment=s, TotalSegments=4, Select="COUNT")["Count"] for s in range(4)]
    assert sum(counts) == 2000
    assert all(350 < c < 650 for c in counts), counts


def test_segment_parameter_errors(ddb, htable):
    expect_error(lambda: ddb.scan(TableName=htable, Segment=1), "ValidationException",
                 "The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
    expect_error(lambda: ddb.scan(TableName=htable, Segment=0), "ValidationException",
                 "The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
    expect_error(lambda: ddb.scan(TableName=htable, TotalSegments=1), "ValidationException",
                 "The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
    expect_error(lambda: ddb.scan(TableName=htable, Segment=1, TotalSegments=1), "ValidationException",
                 "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 1 is not less than TotalSegments: 1")
    url = ddb.meta.endpoint_url
    assert_raw_error(raw_call(url, "Scan", {"TableName": htable, "Segment": -1, "TotalSegments": 1000001}), "ValidationException",
                     "2 validation errors detected: Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have "
                     "value less than or equal to 1000000; Value '-1' at 'segment' failed to satisfy constraint: Member must have "
                     "value greater than or equal to 0")
    assert_raw_error(raw_call(url, "Scan", {"TableName": htable, "Segment": 1000000, "TotalSegments": 0, "Limit": 0}), "ValidationException",
                     "3 validation errors detected: Value '0' at 'totalSegments' failed to satisfy constraint: Member must have value "
                     "greater than or equal to 1; Value '1000000' at 'segment' failed to satisfy constraint: Member must have value "
                     "less than or equal to 999999; Value '0' at 'limit' failed to satisfy constraint: Member must have value greater "
                     "than or equal to 1")


def test_start_key_from_another_segment(ddb, htable):
    put_all(ddb, htable, [{"pk": S(str(i))} for i in range(10)])
    out = ddb.scan(TableName=htable, Segment=1, TotalSegments=2)
    assert out["Count"] > 0
    expect_error(lambda: ddb.scan(TableName=htable, Segment=0, TotalSegments=2, ExclusiveStartKey={"pk": out["Items"][0]["pk"]}),
                 "ValidationException", "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey "
                 "with correct Segment. TotalSegments: 2 Segment: 0")
    same = ddb.scan(TableName=htable, Segment=1, TotalSegments=2, ExclusiveStartKey={"pk": out["Items"][0]["pk"]})
    assert same["Items"] == out["Items"][1:]


# =========================================================================== start keys, limits, pages

@pytest.mark.parametrize("start", [{}, {"b": S("a")}, {"pk": S("a"), "b": S("a")}, {"pk": N(1)}, {"pk": {"BOOL": True}},
                                   {"pk": {"SS": ["a"]}}])
def test_scan_start_key_errors_hash_table(ddb, htable, start):
    expect_error(lambda: ddb.scan(TableName=htable, ExclusiveStartKey=start), "ValidationException", START_MISMATCH)


@pytest.mark.parametrize("start", [{"pk": S("a")}, {"pk": S("a"), "z": N(1)}, {"pk": S("a"), "sk": S("1")}, {"pk": N(1), "sk": N(1)}])
def test_scan_start_key_errors_range_table(ddb, rtable, start):
    expect_error(lambda: ddb.scan(TableName=rtable, ExclusiveStartKey=start), "ValidationException", START_MISMATCH)


def test_scan_start_key_need_not_exist(ddb, filled):
    table, items = filled
    model = scan_model(items, "pk", "sk")
    # Resume after an item that was deleted in between.
    first = ddb.scan(TableName=table, Limit=5)
    ddb.delete_item(TableName=table, Key=first["LastEvaluatedKey"])
    rest = all_items(pages(ddb.scan, TableName=table, ExclusiveStartKey=first["LastEvaluatedKey"]))
    assert rest == model[5:]


def test_scan_constraints_and_unknown_things(ddb, htable):
    url = ddb.meta.endpoint_url
    assert_raw_error(raw_call(url, "Scan", {"TableName": "abc;", "ReturnConsumedCapacity": "hi", "Select": "hi", "Limit": -1,
                                            "ConditionalOperator": "AN"}), "ValidationException",
                     "5 validation errors detected: Value 'hi' at 'select' failed to satisfy constraint: Member must satisfy enum "
                     "value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]; Value 'hi' at "
                     "'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, "
                     "NONE]; Value 'abc;' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression "
                     "pattern: [a-zA-Z0-9_.-]+; Value 'AN' at 'conditionalOperator' failed to satisfy constraint: Member must "
                     "satisfy enum value set: [OR, AND]; Value '-1' at 'limit' failed to satisfy constraint: Member must have "
                     "value greater than or equal to 1")
    expect_error(lambda: ddb.scan(TableName=unique()), "ResourceNotFoundException", "Requested resource not found")
    expect_error(lambda: ddb.scan(TableName=htable, IndexName="whatever", FilterExpression="attribute_exists(a.b.c)"),
                 "ValidationException", "The table does not have the specified index: whatever")
    expect_error(lambda: ddb.scan(TableName=htable, FilterExpression="attribute_exists(#a.b.c)", ExpressionAttributeNames={"#a": "pk"}),
                 "ValidationException",
                 "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk")
    assert_raw_error(raw_call(url, "Scan", {"TableName": htable, "ExclusiveStartKey": {"pk": {}}}), "ValidationException",
                     "The provided starting key is invalid: Supplied AttributeValue is empty, must contain exactly one of the "
                     "supported datatypes")


def test_one_mb_page_rule(ddb, htable):
    # 100,010-byte items (names + values): a page stops once 1 MB has been read.
    items = [{"pk": S(f"{i:04d}"), "data": S("x" * 100000)} for i in range(30)]
    put_all(ddb, htable, items)
    responses = pages(ddb.scan, TableName=htable, ProjectionExpression="pk")
    assert [r["ScannedCount"] for r in responses] == [11, 11, 8]
    assert [it["pk"] for it in all_items(responses)] == [it["pk"] for it in scan_model(items, "pk")]
    counted = pages(ddb.scan, TableName=htable, Select="COUNT", FilterExpression="attribute_exists(nope)")
    assert [(r["Count"], r["ScannedCount"]) for r in counted] == [(0, 11), (0, 11), (0, 8)]
    limited = pages(ddb.scan, TableName=htable, Limit=4, ProjectionExpression="pk")
    assert [r["ScannedCount"] for r in limited] == [4] * 7 + [2]
    segmented = [r["ScannedCount"] for s in range(3) for r in pages(ddb.scan, TableName=htable, Segment=s, TotalSegments=3,
                                                                     ProjectionExpression="pk")]
    assert sum(segmented) == 30 and max(segmented) <= 11


def test_scan_consumed_capacity(ddb, htable):
    put_all(ddb, htable, [{"pk": S(f"c{i}"), "d": S("x" * 1000)} for i in range(5)])  # 5 x 1,004 bytes
    assert ddb.scan(TableName=htable, ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"] == {"TableName": htable, "CapacityUnits": 1.0}
    assert ddb.scan(TableName=htable, ReturnConsumedCapacity="INDEXES", ConsistentRead=True)["ConsumedCapacity"] == \
        {"TableName": htable, "CapacityUnits": 2.0, "Table": {"CapacityUnits": 2.0}}


def test_aws_cli_paginates_scans(ddb, server, filled):
    table, items = filled
    model = scan_model(items, "pk", "sk")
    whole = json.loads(aws_cli(server.url, "dynamodb", "scan", "--table-name", table, "--page-size", "7").stdout)
    assert whole["Items"] == model and whole["Count"] == len(items)
    first = json.loads(aws_cli(server.url, "dynamodb", "scan", "--table-name", table, "--max-items", "10").stdout)
    assert first["Items"] == model[:10] and "NextToken" in first
    rest = json.loads(aws_cli(server.url, "dynamodb", "scan", "--table-name", table, "--starting-token", first["NextToken"]).stdout)
    assert rest["Items"] == model[10:]
    seg = json.loads(aws_cli(server.url, "dynamodb", "scan", "--table-name", table, "--segment", "1", "--total-segments", "3",
                             "--page-size", "2", "--filter-expression", "tag = :t", "--expression-attribute-values",
                             json.dumps({":t": S("odd")})).stdout)
    low, high = segment_range(1, 3)
    assert seg["Items"] == [it for it in model if low <= partition_hash(it["pk"]) <= high and it["tag"]["S"] == "odd"]
