"""UpdateTable's GlobalSecondaryIndexUpdates: adding a GSI to a table with
data (backfilled; items whose key has the wrong type are left out, as
DynamoDB does), deleting one, changing its throughput, and DynamoDB's
errors. Index contents are checked through DescribeTable's ItemCount."""
import pytest

from dynamodb_util import create_table, expect_error


def gsi_create(name, attr, attr_type="S", **extra):
    create = {"IndexName": name, "KeySchema": [{"AttributeName": attr, "KeyType": "HASH"}],
              "Projection": {"ProjectionType": "ALL"}}
    create.update(extra)
    return dict(AttributeDefinitions=[{"AttributeName": attr, "AttributeType": attr_type}],
                GlobalSecondaryIndexUpdates=[{"Create": create}])


def index(ddb, table, name):
    for i in ddb.describe_table(TableName=table)["Table"].get("GlobalSecondaryIndexes", []):
        if i["IndexName"] == name:
            return i
    return None


@pytest.fixture
def filled(ddb):
    t = create_table(ddb)
    for i in range(10):
        ddb.put_item(TableName=t, Item={"pk": {"S": f"s{i}"}, "x": {"S": f"v{i % 3}"}})
    for i in range(4):
        ddb.put_item(TableName=t, Item={"pk": {"S": f"n{i}"}, "x": {"N": str(i)}})
    for i in range(3):
        ddb.put_item(TableName=t, Item={"pk": {"S": f"m{i}"}})
    return t


def test_create_backfills_and_skips_wrong_types(ddb, filled):
    ddb.update_table(TableName=filled, **gsi_create("byx", "x"))
    i = index(ddb, filled, "byx")
    assert i["IndexStatus"] == "ACTIVE"
    assert i["ItemCount"] == 10
    assert i["IndexSizeBytes"] > 0
    assert {"AttributeName": "x", "AttributeType": "S"} in ddb.describe_table(TableName=filled)["Table"]["AttributeDefinitions"]


def test_after_create_writes_must_match_the_index_type(ddb, filled):
    ddb.update_table(TableName=filled, **gsi_create("byx", "x"))
    expect_error(lambda: ddb.put_item(TableName=filled, Item={"pk": {"S": "z"}, "x": {"N": "1"}}), "ValidationException",
                 message="One or more parameter values were invalid: Type mismatch for Index Key x Expected: S Actual: N IndexName: byx")
    ddb.put_item(TableName=filled, Item={"pk": {"S": "z"}, "x": {"S": "new"}})
    assert index(ddb, filled, "byx")["ItemCount"] == 11


def test_delete_removes_the_index_and_its_type_rule(ddb, filled):
    ddb.update_table(TableName=filled, **gsi_create("byx", "x"))
    ddb.update_table(TableName=filled, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byx"}}])
    assert index(ddb, filled, "byx") is None
    table = ddb.describe_table(TableName=filled)["Table"]
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    ddb.put_item(TableName=filled, Item={"pk": {"S": "z"}, "x": {"N": "7"}})
    expect_error(lambda: ddb.update_table(TableName=filled, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byx"}}]),
                 "ResourceNotFoundException")


def test_recreate_after_delete(ddb, filled):
    ddb.update_table(TableName=filled, **gsi_create("byx", "x"))
    ddb.update_table(TableName=filled, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byx"}}])
    ddb.update_table(TableName=filled, **gsi_create("byx", "x", "N"))
    assert index(ddb, filled, "byx")["ItemCount"] == 4


def test_update_changes_throughput(ddb):
    t = create_table(ddb, billing="PROVISIONED")
    ddb.update_table(TableName=t, **gsi_create("byx", "x", ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}))
    ddb.update_table(TableName=t, GlobalSecondaryIndexUpdates=[
        {"Update": {"IndexName": "byx", "ProvisionedThroughput": {"ReadCapacityUnits": 7, "WriteCapacityUnits": 3}}}])
    pt = index(ddb, t, "byx")["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (7, 3)


@pytest.mark.parametrize("name,request_args,code,fragment", [
    ("create_existing_name", "existing", "ValidationException", "already exists"),
    ("missing_attribute_definitions", {"GlobalSecondaryIndexUpdates": [{"Create": {
        "IndexName": "gsi2", "KeySchema": [{"AttributeName": "y", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}]},
     "ValidationException", "AttributeDefinitions"),
    ("two_creates", {"AttributeDefinitions": [{"AttributeName": "y", "AttributeType": "S"}], "GlobalSecondaryIndexUpdates": [
        {"Create": {"IndexName": "gsi2", "KeySchema": [{"AttributeName": "y", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}},
        {"Create": {"IndexName": "gsi3", "KeySchema": [{"AttributeName": "y", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}]},
     "LimitExceededException", "Only 1 online index"),
    ("create_and_delete", {"AttributeDefinitions": [{"AttributeName": "y", "AttributeType": "S"}], "GlobalSecondaryIndexUpdates": [
        {"Create": {"IndexName": "gsi2", "KeySchema": [{"AttributeName": "y", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}},
        {"Delete": {"IndexName": "byx"}}]}, "LimitExceededException", "Only 1 online index"),
    ("redefined_type", "redefine", "ValidationException", "redefined"),
    ("throughput_on_pay_per_request", "throughput", "ValidationException", "PAY_PER_REQUEST"),
])
def test_gsi_update_errors(ddb, name, request_args, code, fragment):
    t = create_table(ddb)
    ddb.update_table(TableName=t, **gsi_create("byx", "x"))
    if request_args == "existing":
        request_args = gsi_create("byx", "y")
    elif request_args == "redefine":
        request_args = gsi_create("byx2", "x", "N")
    elif request_args == "throughput":
        request_args = gsi_create("gsi2", "y", ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    expect_error(lambda: ddb.update_table(TableName=t, **request_args), code, contains=fragment)
    assert [i["IndexName"] for i in ddb.describe_table(TableName=t)["Table"]["GlobalSecondaryIndexes"]] == ["byx"]


def test_lsi_counts_follow_writes(ddb):
    t = create_table(ddb, range_key=("sk", "S"),
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
                                           {"AttributeName": "l", "AttributeType": "N"}],
                     LocalSecondaryIndexes=[{"IndexName": "byl", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                               {"AttributeName": "l", "KeyType": "RANGE"}],
                                             "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    ddb.put_item(TableName=t, Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "l": {"N": "5"}})
    ddb.put_item(TableName=t, Item={"pk": {"S": "a"}, "sk": {"S": "2"}})
    lsi = ddb.describe_table(TableName=t)["Table"]["LocalSecondaryIndexes"][0]
    assert lsi["ItemCount"] == 1
    ddb.delete_item(TableName=t, Key={"pk": {"S": "a"}, "sk": {"S": "1"}})
    assert ddb.describe_table(TableName=t)["Table"]["LocalSecondaryIndexes"][0]["ItemCount"] == 0


def test_query_a_backfilled_gsi(ddb, filled):
    ddb.update_table(TableName=filled, **gsi_create("byx", "x"))
    items = ddb.query(TableName=filled, IndexName="byx", KeyConditionExpression="x = :v",
                      ExpressionAttributeValues={":v": {"S": "v1"}})["Items"]
    assert sorted(i["pk"]["S"] for i in items) == ["s1", "s4", "s7"]
    ddb.put_item(TableName=filled, Item={"pk": {"S": "late"}, "x": {"S": "v1"}})
    assert ddb.query(TableName=filled, IndexName="byx", KeyConditionExpression="x = :v",
                     ExpressionAttributeValues={":v": {"S": "v1"}}, Select="COUNT")["Count"] == 4
