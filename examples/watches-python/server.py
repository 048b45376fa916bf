"""Watches "Info Service v2": the course's two Lambda handlers, for API Gateway
Lambda proxy integrations, on boto3 and the DynamoDB table named by the
TABLE_NAME environment variable (default "project1").

  read   GET  /watch/{sku}  -> 200 the watch (year as a number), 404 when unknown
  create POST /watch        -> 200 the stored watch; 400 for an invalid body or
                               an existing SKU (a conditional put: of two racing
                               POSTs exactly one wins)

Nothing here knows about lowcloud: the same file runs on AWS Lambda.
"""
import decimal
import json
import os

import boto3
from botocore.exceptions import ClientError

TABLE = boto3.resource("dynamodb").Table(os.environ.get("TABLE_NAME", "project1"))

REQUIRED = ("sku", "type", "status", "gender", "year")
ENUMS = {"type": ("watch", "chrono"), "status": ("old", "current", "outlet"), "gender": ("man", "woman")}
OPTIONAL = ("dial_material", "dial_color", "case_material", "case_form", "bracelet_material", "movement")


def _plain(value):
    """DynamoDB numbers come back as Decimal: years are integers."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _response(status, body, headers=None):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return {"statusCode": status, "headers": h, "body": json.dumps(body, ensure_ascii=False)}


def read(event, context):
    sku = (event.get("pathParameters") or {}).get("sku")
    if not sku:
        return _response(400, {"message": "Missing SKU"})
    item = TABLE.get_item(Key={"sku": sku}).get("Item")
    if item is None:
        return _response(404, {"message": "Watch not found"})
    return _response(200, {k: _plain(v) for k, v in item.items()}, {"Cache-Control": "public, max-age=300"})


def _validate(watch):
    if not isinstance(watch, dict):
        return "the body must be a JSON object"
    for key in REQUIRED:
        if key not in watch:
            return "missing required property " + key
    if not isinstance(watch["sku"], str) or not watch["sku"]:
        return "sku must be a non-empty string"
    for key, allowed in ENUMS.items():
        if watch[key] not in allowed:
            return "%s must be one of %s" % (key, list(allowed))
    if not isinstance(watch["year"], int) or isinstance(watch["year"], bool):
        return "year must be an integer"
    for key in watch:
        if key not in REQUIRED and key not in OPTIONAL:
            return "unknown property " + key
        if key in OPTIONAL and not isinstance(watch[key], str):
            return key + " must be a string"
    return None


def create(event, context):
    try:
        watch = json.loads(event.get("body") or "")
    except ValueError:
        return _response(400, {"message": "Invalid request body: not JSON"})
    problem = _validate(watch)
    if problem:
        return _response(400, {"message": "Invalid request body: " + problem})
    try:
        TABLE.put_item(Item=watch, ConditionExpression="attribute_not_exists(sku)")
    except ClientError as e:
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return _response(400, {"message": "Watch %s already exists" % watch["sku"]})
        raise
    return _response(200, watch)
