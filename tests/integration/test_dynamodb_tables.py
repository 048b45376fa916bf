"""DynamoDB control plane: CreateTable, DescribeTable, ListTables, DeleteTable,
UpdateTable, tags, TTL, DescribeLimits, DescribeEndpoints, and the AWS CLI.

Sources for exact messages (see the report for the full list):
- CreateTable validation: dynalite test/createTable.js (written against real
  DynamoDB), nubo-db/dynamodb-conformance captures (us-east-1, 2026-06) and
  tests/tier3/error-messages/createTable.test.ts.
- UpdateTable: dynalite test/updateTable.js.
- Tags: dynalite test/tagResource.js, untagResource.js, listTagsOfResource.js.
- "Table already exists: NAME": boto error bodies from real AWS in user code.
- "TimeToLive is already enabled": many clients compare it by equality.
"""
import datetime
import json
import re

import pytest
from botocore.exceptions import ClientError

from conftest import aws_cli
from dynamodb_util import (ACCOUNT, REGION, assert_raw_error, create_table, expect_error, make_client,
                           raw_call, table_arn, unique)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def sorted_defs(defs):
    return sorted(defs, key=lambda d: d["AttributeName"])


# --------------------------------------------------------------------------- CreateTable / DescribeTable

def test_create_hash_table_pay_per_request(ddb):
    name = unique("ct")
    out = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                           KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                           AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    desc = out["TableDescription"]
    assert desc["TableName"] == name
    assert desc["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert desc["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


@pytest.mark.parametrize("hash_type,range_type", [("S", None), ("N", None), ("B", None),
                                                   ("S", "S"), ("S", "N"), ("N", "B"), ("B", "S")])
def test_create_table_key_types(ddb, hash_type, range_type):
    name = create_table(ddb, hash_key=("h", hash_type), range_key=("r", range_type) if range_type else None)
    table = ddb.describe_table(TableName=name)["Table"]
    expected_keys = [{"AttributeName": "h", "KeyType": "HASH"}]
    expected_defs = [{"AttributeName": "h", "AttributeType": hash_type}]
    if range_type:
        expected_keys.append({"AttributeName": "r", "KeyType": "RANGE"})
        expected_defs.append({"AttributeName": "r", "AttributeType": range_type})
    assert table["KeySchema"] == expected_keys
    assert sorted_defs(table["AttributeDefinitions"]) == sorted_defs(expected_defs)


def test_describe_table_fields(ddb):
    before = datetime.datetime.now(datetime.timezone.utc)
    name = create_table(ddb)
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["TableName"] == name
    assert table["TableStatus"] == "ACTIVE"
    assert table["TableArn"] == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
    assert UUID.match(table["TableId"])
    assert table["ItemCount"] == 0
    assert table["TableSizeBytes"] == 0
    created = table["CreationDateTime"]
    assert isinstance(created, datetime.datetime)
    assert abs((created - before).total_seconds()) < 60
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    pt = table["ProvisionedThroughput"]
    assert pt["ReadCapacityUnits"] == 0 and pt["WriteCapacityUnits"] == 0
    assert pt["NumberOfDecreasesToday"] == 0


def test_create_response_matches_describe(ddb):
    name = unique("ct")
    created = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                               KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                               AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])["TableDescription"]
    described = ddb.describe_table(TableName=name)["Table"]
    assert created["TableId"] == described["TableId"]
    assert created["TableArn"] == described["TableArn"]
    assert created["CreationDateTime"] == described["CreationDateTime"]
    assert described["TableId"] == ddb.describe_table(TableName=name)["Table"]["TableId"]


def test_create_provisioned_table(ddb):
    name = unique("ct")
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     ProvisionedThroughput={"ReadCapacityUnits": 7, "WriteCapacityUnits": 3})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    pt = table["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"], pt["NumberOfDecreasesToday"]) == (7, 3, 0)
    assert table.get("BillingModeSummary", {"BillingMode": "PROVISIONED"})["BillingMode"] == "PROVISIONED"


def test_create_table_with_lsi_and_gsi_is_described(ddb):
    name = unique("idx")
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"},
                              {"AttributeName": "lsk", "AttributeType": "N"},
                              {"AttributeName": "gpk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        LocalSecondaryIndexes=[{
            "IndexName": "by-lsk",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "lsk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        GlobalSecondaryIndexes=[{
            "IndexName": "by-gpk",
            "KeySchema": [{"AttributeName": "gpk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["extra"]}}])
    table = ddb.describe_table(TableName=name)["Table"]
    [lsi] = table["LocalSecondaryIndexes"]
    assert lsi["IndexName"] == "by-lsk"
    assert lsi["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "lsk", "KeyType": "RANGE"}]
    assert lsi["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert lsi["IndexArn"] == f"{table_arn(name)}/index/by-lsk"
    assert lsi["IndexSizeBytes"] == 0 and lsi["ItemCount"] == 0
    [gsi] = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "by-gpk"
    assert gsi["KeySchema"] == [{"AttributeName": "gpk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert gsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["extra"]}
    assert gsi["IndexStatus"] == "ACTIVE"
    assert gsi["IndexArn"] == f"{table_arn(name)}/index/by-gpk"
    assert gsi["IndexSizeBytes"] == 0 and gsi["ItemCount"] == 0
    assert gsi["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    assert gsi["ProvisionedThroughput"]["WriteCapacityUnits"] == 0
    assert len(table["AttributeDefinitions"]) == 4


def test_create_provisioned_table_with_gsi_throughput(ddb):
    name = unique("idx")
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"},
                                 "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 1}}])
    [gsi] = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
    assert gsi["ProvisionedThroughput"]["ReadCapacityUnits"] == 2
    assert gsi["ProvisionedThroughput"]["WriteCapacityUnits"] == 1
    assert gsi["IndexStatus"] == "ACTIVE"


def test_duplicate_create_table_is_resource_in_use(ddb):
    name = create_table(ddb)
    expect_error(lambda: create_table(ddb, name=name), "ResourceInUseException",
                 message=f"Table already exists: {name}")


def test_tables_are_one_namespace_across_access_keys(server, ddb):
    name = create_table(ddb)
    other = make_client(server.url, access_key="AKIAOTHERKEY")
    assert name in other.list_tables(Limit=100, ExclusiveStartTableName=name[:-1])["TableNames"]
    assert other.describe_table(TableName=name)["Table"]["TableName"] == name


def test_tables_are_one_namespace_across_regions(server, ddb):
    name = create_table(ddb)
    other = make_client(server.url, region="eu-west-1")
    assert other.describe_table(TableName=name)["Table"]["TableName"] == name


def test_describe_missing_table(ddb):
    name = unique("missing")
    expect_error(lambda: ddb.describe_table(TableName=name), "ResourceNotFoundException",
                 message=f"Requested resource not found: Table: {name} not found")


# --------------------------------------------------------------------------- CreateTable validation
# Sent raw: botocore would refuse several of these client-side (min lengths, required members).

KS_A = [{"AttributeName": "a", "KeyType": "HASH"}]
AD_A = [{"AttributeName": "a", "AttributeType": "S"}]
PT = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}

CREATE_TABLE_ERRORS = [
    ("missing-table-name",
     {"AttributeDefinitions": AD_A, "KeySchema": KS_A, "ProvisionedThroughput": PT},
     "The parameter 'TableName' is required but was not present in the request"),
    ("short-name",
     {"TableName": "ab", "AttributeDefinitions": AD_A, "KeySchema": KS_A, "ProvisionedThroughput": PT},
     "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: "
     "Member must have length greater than or equal to 3"),
    ("bad-name-chars",
     {"TableName": "abc;", "AttributeDefinitions": AD_A, "KeySchema": KS_A, "ProvisionedThroughput": PT},
     "1 validation error detected: Value 'abc;' at 'tableName' failed to satisfy constraint: "
     "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
    ("no-throughput-default-provisioned",
     {"TableName": "abc", "AttributeDefinitions": AD_A, "KeySchema": KS_A},
     "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be "
     "specified when BillingMode is PROVISIONED"),
    ("throughput-with-pay-per-request",
     {"TableName": "abc", "AttributeDefinitions": AD_A, "KeySchema": KS_A, "ProvisionedThroughput": PT,
      "BillingMode": "PAY_PER_REQUEST"},
     "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be "
     "specified when BillingMode is PAY_PER_REQUEST"),
    ("bad-billing-mode",
     {"TableName": "abc", "AttributeDefinitions": AD_A, "KeySchema": KS_A, "BillingMode": "A"},
     "1 validation error detected: Value 'A' at 'billingMode' failed to satisfy constraint: "
     "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"),
    ("zero-read-capacity",
     {"TableName": "abc", "AttributeDefinitions": AD_A, "KeySchema": KS_A,
      "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 1}},
     "1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy "
     "constraint: Member must have value greater than or equal to 1"),
    ("capacity-out-of-bounds",
     {"TableName": "abc", "AttributeDefinitions": AD_A, "KeySchema": KS_A,
      "ProvisionedThroughput": {"ReadCapacityUnits": 1000000000001, "WriteCapacityUnits": 1}},
     "Given value 1000000000001 for ReadCapacityUnits is out of bounds"),
    ("bad-attribute-type",
     {"TableName": "abc", "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "SS"}],
      "KeySchema": KS_A, "ProvisionedThroughput": PT},
     "1 validation error detected: Value 'SS' at 'attributeDefinitions.1.member.attributeType' failed to "
     "satisfy constraint: Member must satisfy enum value set: [B, N, S]"),
    ("bad-key-type",
     {"TableName": "abc", "AttributeDefinitions": AD_A,
      "KeySchema": [{"AttributeName": "a", "KeyType": "INVALID"}], "ProvisionedThroughput": PT},
     "1 validation error detected: Value 'INVALID' at 'keySchema.1.member.keyType' failed to satisfy "
     "constraint: Member must satisfy enum value set: [HASH, RANGE]"),
    ("key-not-defined",
     {"TableName": "abc", "AttributeDefinitions": [{"AttributeName": "b", "AttributeType": "S"}],
      "KeySchema": KS_A, "ProvisionedThroughput": PT},
     "One or more parameter values were invalid: Some index key attributes are not defined in "
     "AttributeDefinitions. Keys: [a], AttributeDefinitions: [b]"),
    ("range-key-not-defined",
     {"TableName": "abc", "AttributeDefinitions": [{"AttributeName": "b", "AttributeType": "S"}],
      "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"}],
      "ProvisionedThroughput": PT},
     "Invalid KeySchema: Some index key attribute have no definition"),
    ("extra-attribute-definition",
     {"TableName": "abc", "AttributeDefinitions": AD_A + [{"AttributeName": "b", "AttributeType": "S"}],
      "KeySchema": KS_A, "ProvisionedThroughput": PT},
     "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match "
     "number of attributes defined in AttributeDefinitions"),
    ("hash-and-range-same-name",
     {"TableName": "abc", "AttributeDefinitions": AD_A + [{"AttributeName": "b", "AttributeType": "S"}],
      "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "a", "KeyType": "HASH"}],
      "ProvisionedThroughput": PT},
     "Both the Hash Key and the Range Key element in the KeySchema have the same name"),
    ("first-key-not-hash",
     {"TableName": "abc", "AttributeDefinitions": AD_A + [{"AttributeName": "b", "AttributeType": "S"}],
      "KeySchema": [{"AttributeName": "a", "KeyType": "RANGE"}, {"AttributeName": "b", "KeyType": "HASH"}],
      "ProvisionedThroughput": PT},
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
    ("second-key-not-range",
     {"TableName": "abc", "AttributeDefinitions": AD_A + [{"AttributeName": "b", "AttributeType": "S"}],
      "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "HASH"}],
      "ProvisionedThroughput": PT},
     "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"),
    ("lsi-without-table-range-key",
     {"TableName": "abc", "AttributeDefinitions": AD_A + [{"AttributeName": "b", "AttributeType": "S"}],
      "KeySchema": KS_A, "ProvisionedThroughput": PT,
      "LocalSecondaryIndexes": [{"IndexName": "lsi1",
                                 "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"},
                                               {"AttributeName": "b", "KeyType": "RANGE"}],
                                 "Projection": {"ProjectionType": "ALL"}}]},
     "One or more parameter values were invalid: Table KeySchema does not have a range key, which is "
     "required when specifying a LocalSecondaryIndex"),
    ("empty-gsi-list",
     {"TableName": "abc", "AttributeDefinitions": AD_A + [{"AttributeName": "b", "AttributeType": "S"}],
      "KeySchema": KS_A, "ProvisionedThroughput": PT, "GlobalSecondaryIndexes": []},
     "One or more parameter values were invalid: List of GlobalSecondaryIndexes is empty"),
    ("duplicate-index-name",
     {"TableName": "abc",
      "AttributeDefinitions": AD_A + [{"AttributeName": "g1", "AttributeType": "S"},
                                      {"AttributeName": "g2", "AttributeType": "S"}],
      "KeySchema": KS_A, "BillingMode": "PAY_PER_REQUEST",
      "GlobalSecondaryIndexes": [
          {"IndexName": "sameIndex", "KeySchema": [{"AttributeName": "g1", "KeyType": "HASH"}],
           "Projection": {"ProjectionType": "ALL"}},
          {"IndexName": "sameIndex", "KeySchema": [{"AttributeName": "g2", "KeyType": "HASH"}],
           "Projection": {"ProjectionType": "ALL"}}]},
     "One or more parameter values were invalid: Duplicate index name: sameIndex"),
    ("gsi-throughput-with-pay-per-request",
     {"TableName": "abc", "AttributeDefinitions": AD_A + [{"AttributeName": "g", "AttributeType": "S"}],
      "KeySchema": KS_A, "BillingMode": "PAY_PER_REQUEST",
      "GlobalSecondaryIndexes": [{"IndexName": "g-a", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                  "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": PT}]},
     ("contains", "ProvisionedThroughput should not be specified for index: g-a when BillingMode is PAY_PER_REQUEST")),
    ("non-key-attributes-with-all",
     {"TableName": "abc", "AttributeDefinitions": AD_A + [{"AttributeName": "g", "AttributeType": "S"}],
      "KeySchema": KS_A, "BillingMode": "PAY_PER_REQUEST",
      "GlobalSecondaryIndexes": [{"IndexName": "gix", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                  "Projection": {"ProjectionType": "ALL", "NonKeyAttributes": ["x"]}}]},
     "One or more parameter values were invalid: ProjectionType is ALL, but NonKeyAttributes is specified"),
]


@pytest.mark.parametrize("case,payload,message", CREATE_TABLE_ERRORS, ids=[c[0] for c in CREATE_TABLE_ERRORS])
def test_create_table_validation(server, case, payload, message):
    if payload.get("TableName") == "abc":
        payload = dict(payload, TableName=unique("bad"))
    resp = raw_call(server.url, "CreateTable", payload)
    if isinstance(message, tuple):
        assert_raw_error(resp, "ValidationException", contains=message[1])
    else:
        assert_raw_error(resp, "ValidationException", message=message)
    if re.fullmatch(r"[A-Za-z0-9_.-]{3,255}", payload.get("TableName", "")):
        # a rejected CreateTable creates nothing
        assert_raw_error(raw_call(server.url, "DescribeTable", {"TableName": payload["TableName"]}),
                         "ResourceNotFoundException")


def test_create_table_long_name_rejected(server):
    resp = raw_call(server.url, "CreateTable", {"TableName": "a" * 256, "AttributeDefinitions": AD_A,
                                                "KeySchema": KS_A, "BillingMode": "PAY_PER_REQUEST"})
    assert_raw_error(resp, "ValidationException", contains="Member must have length less than or equal to 255")


def test_create_table_empty_key_schema_rejected(server):
    resp = raw_call(server.url, "CreateTable", {"TableName": unique("bad"), "AttributeDefinitions": AD_A,
                                                "KeySchema": [], "BillingMode": "PAY_PER_REQUEST"})
    assert_raw_error(resp, "ValidationException")


def test_create_table_missing_key_schema_rejected(server):
    resp = raw_call(server.url, "CreateTable", {"TableName": unique("bad"), "AttributeDefinitions": AD_A,
                                                "BillingMode": "PAY_PER_REQUEST"})
    assert_raw_error(resp, "ValidationException",
                     contains="Value null at 'keySchema' failed to satisfy constraint: Member must not be null")


def test_create_table_name_with_allowed_punctuation(ddb):
    name = "A_b.c-" + unique("9")
    create_table(ddb, name=name)
    assert ddb.describe_table(TableName=name)["Table"]["TableName"] == name


# --------------------------------------------------------------------------- ListTables

def test_list_tables_paging(start_server, tmp_path):
    s = start_server("--in-memory", "--log-level", "warn", cwd=str(tmp_path))
    ddb = make_client(s.url)
    assert ddb.list_tables()["TableNames"] == []
    names = [f"page-{i}" for i in range(1, 6)]
    for n in reversed(names):
        create_table(ddb, name=n)
    assert ddb.list_tables()["TableNames"] == names
    first = ddb.list_tables(Limit=2)
    assert first["TableNames"] == names[:2]
    assert first["LastEvaluatedTableName"] == names[1]
    second = ddb.list_tables(Limit=2, ExclusiveStartTableName=first["LastEvaluatedTableName"])
    assert second["TableNames"] == names[2:4]
    assert second["LastEvaluatedTableName"] == names[3]
    third = ddb.list_tables(Limit=2, ExclusiveStartTableName=second["LastEvaluatedTableName"])
    assert third["TableNames"] == names[4:]
    assert "LastEvaluatedTableName" not in third
    # a limit equal to the number of tables left: no LastEvaluatedTableName
    exact = ddb.list_tables(Limit=5)
    assert exact["TableNames"] == names and "LastEvaluatedTableName" not in exact
    # the start name need not exist
    assert ddb.list_tables(ExclusiveStartTableName="page-2a")["TableNames"] == names[2:]
    # the paginator walks everything
    pages = ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2})
    assert [n for p in pages for n in p["TableNames"]] == names


def test_list_tables_contains_new_table(ddb):
    name = create_table(ddb)
    listed = []
    for page in ddb.get_paginator("list_tables").paginate():
        listed += page["TableNames"]
    assert name in listed


@pytest.mark.parametrize("limit,message", [
    (0, "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"),
    (101, "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
          "Member must have value less than or equal to 100"),
])
def test_list_tables_limit_bounds(server, limit, message):
    assert_raw_error(raw_call(server.url, "ListTables", {"Limit": limit}), "ValidationException", message=message)


# --------------------------------------------------------------------------- DeleteTable

def test_delete_table(ddb):
    name = create_table(ddb)
    desc = ddb.delete_table(TableName=name)["TableDescription"]
    assert desc["TableName"] == name
    assert desc["TableStatus"] == "DELETING"
    expect_error(lambda: ddb.describe_table(TableName=name), "ResourceNotFoundException",
                 message=f"Requested resource not found: Table: {name} not found")
    listed = ddb.list_tables(ExclusiveStartTableName=name[:-1], Limit=10)["TableNames"]
    assert name not in listed


def test_delete_missing_table(ddb):
    name = unique("missing")
    expect_error(lambda: ddb.delete_table(TableName=name), "ResourceNotFoundException",
                 message=f"Requested resource not found: Table: {name} not found")


def test_deleted_table_items_are_gone_when_recreated(ddb):
    name = create_table(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "x"}, "v": {"N": "1"}})
    ddb.delete_table(TableName=name)
    expect_error(lambda: ddb.get_item(TableName=name, Key={"pk": {"S": "x"}}), "ResourceNotFoundException",
                 message="Requested resource not found")
    create_table(ddb, name=name)
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "x"}}, ConsistentRead=True)


def test_waiters_see_created_and_deleted_tables(ddb):
    name = create_table(ddb)
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 3})
    ddb.delete_table(TableName=name)
    ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 3})


# --------------------------------------------------------------------------- UpdateTable

def test_update_table_throughput(ddb):
    name = create_table(ddb, billing="PROVISIONED")
    out = ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 20, "WriteCapacityUnits": 15})
    assert out["TableDescription"]["TableName"] == name
    pt = ddb.describe_table(TableName=name)["Table"]["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (20, 15)


def test_update_table_to_pay_per_request(ddb):
    name = create_table(ddb, billing="PROVISIONED")
    ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TableStatus"] == "ACTIVE"


def test_update_table_to_provisioned(ddb):
    name = create_table(ddb)
    ddb.update_table(TableName=name, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 4, "WriteCapacityUnits": 2})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    pt = table["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (4, 2)


def test_update_table_pay_per_request_noop_is_accepted(ddb):
    name = create_table(ddb)
    ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    assert ddb.describe_table(TableName=name)["Table"]["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_update_table_same_throughput_rejected(ddb):
    name = create_table(ddb, billing="PROVISIONED")
    expect_error(lambda: ddb.update_table(TableName=name,
                                          ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}),
                 "ValidationException",
                 message="The provisioned throughput for the table will not change. The requested value equals the "
                         "current value. Current ReadCapacityUnits provisioned for the table: 5. Requested "
                         "ReadCapacityUnits: 5. Current WriteCapacityUnits provisioned for the table: 5. Requested "
                         "WriteCapacityUnits: 5. Refer to the Amazon DynamoDB Developer Guide for current limits "
                         "and how to request higher limits.")


def test_update_table_throughput_on_pay_per_request_rejected(ddb):
    name = create_table(ddb)
    expect_error(lambda: ddb.update_table(TableName=name,
                                          ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}),
                 "ValidationException",
                 message="One or more parameter values were invalid: Neither ReadCapacityUnits nor "
                         "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
    assert ddb.describe_table(TableName=name)["Table"]["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_update_table_provisioned_without_throughput_rejected(ddb):
    name = create_table(ddb)
    expect_error(lambda: ddb.update_table(TableName=name, BillingMode="PROVISIONED"), "ValidationException",
                 message="One or more parameter values were invalid: ProvisionedThroughput must be specified "
                         "when BillingMode is PROVISIONED")


def test_update_table_with_nothing_to_do_rejected(ddb):
    name = create_table(ddb)
    expect_error(lambda: ddb.update_table(TableName=name), "ValidationException")


def test_update_missing_table(ddb):
    name = unique("missing")
    expect_error(lambda: ddb.update_table(TableName=name,
                                          ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}),
                 "ResourceNotFoundException", message=f"Requested resource not found: Table: {name} not found")


# --------------------------------------------------------------------------- Tags

def test_tags_roundtrip(ddb):
    name = create_table(ddb)
    arn = table_arn(name)
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == []
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "t1", "Value": "v1"}, {"Key": "t2", "Value": "v2"}])
    tags = ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]
    assert sorted(tags, key=lambda t: t["Key"]) == [{"Key": "t1", "Value": "v1"}, {"Key": "t2", "Value": "v2"}]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "t1", "Value": "changed"}])
    tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]}
    assert tags == {"t1": "changed", "t2": "v2"}
    ddb.untag_resource(ResourceArn=arn, TagKeys=["t1", "no-such-key"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "t2", "Value": "v2"}]


def test_create_table_with_tags(ddb):
    name = create_table(ddb, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "empty", "Value": ""}])
    tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=table_arn(name))["Tags"]}
    assert tags == {"env": "dev", "empty": ""}


def test_tag_missing_table(ddb):
    arn = table_arn(unique("missing"))
    expect_error(lambda: ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "b"}]),
                 "ResourceNotFoundException", message=f"Requested resource not found: ResourcArn: {arn} not found")


def test_list_tags_of_missing_table(ddb):
    arn = table_arn(unique("missing"))
    expect_error(lambda: ddb.list_tags_of_resource(ResourceArn=arn),
                 "ResourceNotFoundException", message=f"Requested resource not found: ResourcArn: {arn} not found")


def test_untag_missing_table(ddb):
    arn = table_arn(unique("missing"))
    expect_error(lambda: ddb.untag_resource(ResourceArn=arn, TagKeys=["a"]),
                 "ResourceNotFoundException", message="Requested resource not found")


def test_tag_invalid_arn(ddb):
    expect_error(lambda: ddb.tag_resource(ResourceArn="a:b:c:d:e:f/g", Tags=[{"Key": "a", "Value": "b"}]),
                 "ValidationException", message="Invalid TableArn: Invalid ResourceArn provided as input a:b:c:d:e:f/g")


def test_tag_with_empty_list_rejected(ddb):
    arn = table_arn(create_table(ddb))
    expect_error(lambda: ddb.tag_resource(ResourceArn=arn, Tags=[]), "ValidationException",
                 message="Atleast one Tag needs to be provided as Input.")


def test_untag_with_empty_list_rejected(ddb):
    arn = table_arn(create_table(ddb))
    expect_error(lambda: ddb.untag_resource(ResourceArn=arn, TagKeys=[]), "ValidationException",
                 message="Atleast one Tag Key needs to be provided as Input.")


# --------------------------------------------------------------------------- Time to live

def test_ttl_disabled_by_default(ddb):
    name = create_table(ddb)
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}


def test_ttl_enable_and_describe(ddb):
    name = create_table(ddb)
    out = ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    assert out["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "expires"}
    desc = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert desc["TimeToLiveStatus"] in ("ENABLED", "ENABLING")
    assert desc["AttributeName"] == "expires"


def test_ttl_enable_twice_rejected(ddb):
    name = create_table(ddb)
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    expect_error(lambda: ddb.update_time_to_live(TableName=name,
                                                 TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}),
                 "ValidationException", message="TimeToLive is already enabled")
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["AttributeName"] == "ttl"


def test_ttl_missing_table(ddb):
    name = unique("missing")
    expect_error(lambda: ddb.describe_time_to_live(TableName=name), "ResourceNotFoundException")
    expect_error(lambda: ddb.update_time_to_live(TableName=name,
                                                 TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}),
                 "ResourceNotFoundException")


def test_ttl_empty_attribute_name_rejected(server, ddb):
    name = create_table(ddb)
    resp = raw_call(server.url, "UpdateTimeToLive",
                    {"TableName": name, "TimeToLiveSpecification": {"Enabled": True, "AttributeName": ""}})
    assert_raw_error(resp, "ValidationException")
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"


# --------------------------------------------------------------------------- DescribeLimits / DescribeEndpoints

def test_describe_limits(ddb):
    out = ddb.describe_limits()
    for key in ("AccountMaxReadCapacityUnits", "AccountMaxWriteCapacityUnits",
                "TableMaxReadCapacityUnits", "TableMaxWriteCapacityUnits"):
        assert isinstance(out[key], int) and out[key] > 0, out
    assert out["AccountMaxReadCapacityUnits"] >= out["TableMaxReadCapacityUnits"]


def test_describe_endpoints(ddb):
    endpoints = ddb.describe_endpoints()["Endpoints"]
    assert len(endpoints) >= 1
    assert isinstance(endpoints[0]["Address"], str) and endpoints[0]["Address"]
    assert isinstance(endpoints[0]["CachePeriodInMinutes"], int)


# --------------------------------------------------------------------------- AWS CLI

def test_cli_create_table_from_cli_input_json_and_wait(server, tmp_path):
    name = unique("cli")
    spec = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "sku", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "sku", "AttributeType": "S"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    }
    path = tmp_path / "create-table.json"
    path.write_text(json.dumps(spec))
    created = json.loads(aws_cli(server.url, "dynamodb", "create-table", "--cli-input-json", f"file://{path}").stdout)
    assert created["TableDescription"]["TableName"] == name
    aws_cli(server.url, "dynamodb", "wait", "table-exists", "--table-name", name)
    table = json.loads(aws_cli(server.url, "dynamodb", "describe-table", "--table-name", name).stdout)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == spec["KeySchema"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5


def test_cli_put_and_get_item(server, ddb):
    name = create_table(ddb, hash_key=("sku", "S"))
    item = {"sku": {"S": "CAR201N.EB0115"}, "movement": {"S": "キャリバーホイヤー01"}, "year": {"N": "2017"}}
    aws_cli(server.url, "dynamodb", "put-item", "--table-name", name, "--item", json.dumps(item, ensure_ascii=False))
    got = json.loads(aws_cli(server.url, "dynamodb", "get-item", "--table-name", name,
                             "--key", json.dumps({"sku": {"S": "CAR201N.EB0115"}}), "--consistent-read").stdout)
    assert got["Item"] == item


def test_cli_reports_service_errors(server):
    name = unique("missing")
    r = aws_cli(server.url, "dynamodb", "describe-table", "--table-name", name, check=False)
    assert r.returncode != 0
    assert "(ResourceNotFoundException)" in r.stderr
    assert f"Requested resource not found: Table: {name} not found" in r.stderr


def test_cli_list_tables(server, ddb):
    name = create_table(ddb)
    out = json.loads(aws_cli(server.url, "dynamodb", "list-tables").stdout)
    assert name in out["TableNames"]


# --- continuous backups (point-in-time recovery recorded, not performed) -----
# Shapes from the DynamoDB API reference and the AWS CLI's example; a missing
# table is TableNotFoundException (ScyllaDB's Alternator test_backup.py, run
# against DynamoDB), and TableName may be the table's ARN.

def test_continuous_backups_are_described_and_point_in_time_recovery_recorded(server, ddb):
    table = create_table(ddb)
    got = ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert got == {"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    # RecoveryPeriodInDays (2025) is newer than Debian's boto3 1.26: sent raw.
    on = raw_call(server.url, "UpdateContinuousBackups", {"TableName": table, "PointInTimeRecoverySpecification": {
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7}}).json["ContinuousBackupsDescription"]
    pitr = on["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED" and pitr["RecoveryPeriodInDays"] == 7
    assert pitr["EarliestRestorableDateTime"] <= pitr["LatestRestorableDateTime"]
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    assert ddb.describe_continuous_backups(TableName=arn)["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
        "PointInTimeRecoveryStatus"] == "ENABLED"
    off = ddb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})
    assert off["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"] == {"PointInTimeRecoveryStatus": "DISABLED"}


def test_continuous_backups_of_a_missing_table_and_bad_specifications(server, ddb):
    with pytest.raises(ClientError) as e:
        ddb.describe_continuous_backups(TableName="no-such-table-" + unique())
    assert e.value.response["Error"]["Code"] == "TableNotFoundException"
    table = create_table(ddb)
    resp = raw_call(server.url, "UpdateContinuousBackups", {"TableName": table, "PointInTimeRecoverySpecification": {
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 36}})
    assert_raw_error(resp, "ValidationException", contains="less than or equal to 35")
    resp = raw_call(server.url, "UpdateContinuousBackups", {"TableName": table, "PointInTimeRecoverySpecification": {}})
    assert_raw_error(resp, "ValidationException", contains="pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled")
    assert ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"] == {
        "PointInTimeRecoveryStatus": "DISABLED"}
