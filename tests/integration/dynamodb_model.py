"""A Python model of the order in which DynamoDB returns items, shared by the
Query, Scan and index test modules, plus a pagination driver.

Ordering facts modelled (../../shared/reference/dynamodb.md):
- sort keys: N numerically, S by UTF-8 bytes, B by unsigned bytes;
- on an index, items with equal index keys are ordered by the base-table key;
- Scan follows a 32-bit hash of the partition key (the emulator's: the first
  four bytes of MD5 over the key's bytes, big-endian; S and B keys only here),
  then the key; parallel-scan segment s of n covers hashes
  [floor(s * 2^32 / n), floor((s + 1) * 2^32 / n) - 1].
"""
import hashlib
from decimal import Decimal


def order_key(value):
    """A sortable stand-in for one key value in boto3's low-level shape."""
    (kind, v), = value.items()
    if kind == "S":
        return v.encode("utf-8")
    if kind == "N":
        return Decimal(v)
    if kind == "B":
        return bytes(v)
    raise ValueError(f"not a key value: {value!r}")


def key_of(item, names):
    """The named attributes of an item (LastEvaluatedKey's shape)."""
    return {n: item[n] for n in names if n in item}


def partition_hash(value):
    (kind, v), = value.items()
    raw = v.encode("utf-8") if kind == "S" else bytes(v)
    return int.from_bytes(hashlib.md5(raw).digest()[:4], "big")


def segment_range(segment, total):
    return (segment << 32) // total, ((segment + 1) << 32) // total - 1


def query_model(items, hash_name, hash_value, range_name=None, table_keys=(), matches=None, forward=True):
    """What Query reads, in order: the partition's items (having every key
    attribute: indexes are sparse) satisfying `matches` on the sort key,
    ordered by sort key then base-table key."""
    wanted = [hash_name] + ([range_name] if range_name else [])
    part = [it for it in items
            if all(n in it for n in wanted) and order_key(it[hash_name]) == order_key(hash_value)
            and (matches is None or matches(it.get(range_name)))]

    def sort_key(it):
        return ((order_key(it[range_name]),) if range_name else ()) + tuple(order_key(it[k]) for k in table_keys)

    part.sort(key=sort_key, reverse=not forward)
    return part


def scan_model(items, hash_name, range_name=None, table_keys=()):
    """What Scan reads, in order (S/B partition keys)."""
    wanted = [hash_name] + ([range_name] if range_name else [])
    present = [it for it in items if all(n in it for n in wanted)]

    def sort_key(it):
        head = (partition_hash(it[hash_name]), order_key(it[hash_name]))
        rng = (order_key(it[range_name]),) if range_name else ()
        return head + rng + tuple(order_key(it[k]) for k in table_keys)

    present.sort(key=sort_key)
    return present


def pages(call, **request):
    """Runs a Query/Scan until LastEvaluatedKey is absent; returns the responses."""
    out = []
    while True:
        resp = call(**request)
        out.append(resp)
        if "LastEvaluatedKey" not in resp:
            return out
        assert len(out) < 10000, "pagination does not terminate"
        request = dict(request, ExclusiveStartKey=resp["LastEvaluatedKey"])


def all_items(responses):
    return [it for r in responses for it in r.get("Items", [])]


def check_pages(responses, model, limit, matches, key_names, project=None):
    """The pages cut `model` (the items read, in order) into chunks of
    `limit` items read (one chunk without a limit); each page returns the
    chunk's items that pass `matches`, reports Count / ScannedCount, and
    carries LastEvaluatedKey (the chunk's last key) exactly when items remain."""
    chunks = [model] if not limit else [model[i:i + limit] for i in range(0, len(model), limit)] or [[]]
    assert len(responses) == len(chunks), (len(responses), len(chunks))
    for n, (resp, chunk) in enumerate(zip(responses, chunks)):
        expected = [it for it in chunk if matches is None or matches(it)]
        if project:
            expected = [project(it) for it in expected]
        assert resp["ScannedCount"] == len(chunk)
        assert resp["Count"] == len(expected)
        assert resp["Items"] == expected, f"page {n}"
        if n < len(chunks) - 1:
            assert resp["LastEvaluatedKey"] == key_of(chunk[-1], key_names)
        else:
            assert "LastEvaluatedKey" not in resp
