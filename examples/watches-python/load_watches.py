"""Loads watches.json into the table with boto3's Table.batch_writer(), as the
course's students did. Accepts the three shapes of the file seen in the wild:
a bare array with "year" as a string (the course's file), {"watches": [...]},
and a bare array with "year" as a number. `year` is stored as a number; null
attributes are left out (DynamoDB has no use for them).

Usage: python3 load_watches.py [watches.json] [table]   (table: $TABLE_NAME or project1)
No endpoint in the code: AWS_ENDPOINT_URL (or lowcloud's `lowcloud env`) decides.
"""
import json
import os
import sys

import boto3


def watches(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if isinstance(data, dict):
        data = data.get("watches", [])
    for w in data:
        item = {k: v for k, v in w.items() if v is not None}
        if "year" in item:
            item["year"] = int(item["year"])
        yield item


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "watches.json"
    table_name = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("TABLE_NAME", "project1")
    table = boto3.resource("dynamodb").Table(table_name)
    count = 0
    with table.batch_writer(overwrite_by_pkeys=["sku"]) as batch:
        for item in watches(path):
            batch.put_item(Item=item)
            count += 1
    print("loaded %d watches into %s" % (count, table_name))


if __name__ == "__main__":
    main()
