"""Helpers shared by the test_dynamodb_*.py modules.

Two ways in: the boto3 low-level client (what user code runs) and a raw
HTTP helper for requests boto3 refuses to send (botocore checks `min`
lengths and required members client-side, and the boto3 on this machine
predates ReturnValuesOnConditionCheckFailure) or for checking the wire
(headers, exact error bodies).

Expected messages in the test modules were checked against what real
DynamoDB (us-east-1) answers; each constant carries its source.
"""
import http.client
import json
import re
import urllib.parse
import uuid

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

TARGET_PREFIX = "DynamoDB_20120810"
ACCOUNT = "000000000000"
REGION = "us-east-1"

# A syntactically valid SigV4 header: the emulator accepts any credentials,
# so raw requests look signed without being verifiable.
FAKE_AUTH = ("AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/dynamodb/aws4_request, "
             "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64)


def unique(prefix="t"):
    """A fresh table name (valid: [A-Za-z0-9_.-], 3..255)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def table_arn(name):
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


def make_client(url, access_key="test", region=REGION, service="dynamodb"):
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key="secret",
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


def make_resource(url):
    return boto3.resource(
        "dynamodb",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except ValueError:
            self.json = None

    @property
    def error_type(self):
        return (self.json or {}).get("__type")

    @property
    def message(self):
        j = self.json or {}
        return j.get("message", j.get("Message"))

    def __repr__(self):
        return f"RawResponse({self.status}, {self.body[:500]!r})"


def raw_request(url, body=b"", target=None, content_type="application/x-amz-json-1.0", sign=True,
                method="POST", path="/", extra_headers=None, conn=None):
    """One HTTP request; returns RawResponse. `body` may be bytes, str or a JSON-able object."""
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if target is not None:
        headers["X-Amz-Target"] = target
    if sign:
        headers["Authorization"] = FAKE_AUTH
        headers["X-Amz-Date"] = "20240101T000000Z"
    headers.update(extra_headers or {})
    own = conn is None
    if own:
        u = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request(method, path, body=body if (body or method == "POST") else None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        if own:
            conn.close()


def raw_call(url, operation, payload, **kw):
    """POST a DynamoDB operation with a JSON payload, bypassing botocore's checks."""
    return raw_request(url, payload, target=f"{TARGET_PREFIX}.{operation}", **kw)


def assert_raw_error(resp, code, message=None, contains=None, regex=None):
    """A 400 with `__type` ending in #code; optional exact / substring / regex message checks."""
    assert resp.status == 400, resp
    assert resp.error_type is not None and resp.error_type.endswith("#" + code), resp
    if code == "ValidationException":
        assert resp.error_type == "com.amazon.coral.validate#ValidationException", resp
    elif code in ("SerializationException", "UnknownOperationException"):
        assert resp.error_type == "com.amazon.coral.service#" + code, resp
    else:
        assert resp.error_type == "com.amazonaws.dynamodb.v20120810#" + code, resp
    _check_message(resp.message, message, contains, regex)
    return resp


def _check_message(actual, message, contains, regex):
    if message is not None:
        assert actual == message
    if contains is not None:
        for part in ([contains] if isinstance(contains, str) else contains):
            assert actual is not None and part in actual, actual
    if regex is not None:
        assert actual is not None and re.search(regex, actual), actual


def expect_error(fn, code, message=None, contains=None, regex=None):
    """Runs fn (a boto3 call); it must fail with `code`. Returns the error response dict."""
    with pytest.raises(ClientError) as ei:
        fn()
    err = ei.value.response["Error"]
    assert err["Code"] == code, ei.value.response
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400, ei.value.response
    _check_message(err.get("Message"), message, contains, regex)
    return ei.value.response


def create_table(ddb, name=None, hash_key=("pk", "S"), range_key=None, billing="PAY_PER_REQUEST", **extra):
    """Creates a table (PAY_PER_REQUEST by default) and returns its name."""
    name = name or unique()
    keys = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    defs = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
    if range_key:
        keys.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
        defs.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
    args = dict(TableName=name, KeySchema=keys, AttributeDefinitions=defs)
    if billing == "PAY_PER_REQUEST":
        args["BillingMode"] = "PAY_PER_REQUEST"
    else:
        args["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    args.update(extra)
    ddb.create_table(**args)
    return name


def get(ddb, table, key, **kw):
    """GetItem with ConsistentRead; returns the item or None."""
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True, **kw).get("Item")


def S(v):
    """A DynamoDB string value."""
    return {"S": v}


def N(v):
    """A DynamoDB number value (any Python number or numeric string)."""
    return {"N": str(v)}


def B(v):
    """A DynamoDB binary value (bytes; boto3 encodes base64)."""
    return {"B": v}


def put_all(ddb, table, items):
    """Writes items with BatchWriteItem, 25 at a time."""
    for i in range(0, len(items), 25):
        out = ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": it}} for it in items[i:i + 25]]})
        assert not out.get("UnprocessedItems"), out
