"""kill -9 durability: N writers, SIGKILL at a random moment, restart, and
every acknowledged write is there, over several kill/restart cycles in one
data dir.

Eight writers on raw keep-alive HTTP connections (many small concurrent
commits, the load group commit batches) mix PutItem, UpdateItem,
DeleteItem, BatchWriteItem (25 items) and TransactWriteItems on a table
with a GSI and TTL, so item, index and TTL entries and the table's counters
are all written. Each writer owns its keys and runs one request at a time,
so the test knows every key's exact state: a write is acknowledged when
its 200 response was read in full; the one request a writer had in flight
at the kill may or may not have landed. After each restart:

- every owned key holds exactly its last acknowledged state (a deleted key
  is absent) or the state of the in-flight request (a transaction all or
  nothing); nothing else is in the table;
- each writer's counter is its last acknowledged value (or one more), the
  shared counter at least the acknowledged increments (at most the tried);
- the GSI (Scan, and Query per partition) holds exactly the base items
  that have its key; DescribeTable's ItemCount (table and index) equals
  what Scan finds, and TableSizeBytes equals a fresh copy's;
- the database takes writes.

The write-phase servers sweep TTL every 50 ms (expired items are deleted
alongside the writers); the verifying servers do not sweep, so the table
holds still while it is counted. At the end the sweeper must delete every
expired item (their TTL entries survived too).

The random choices come from one seed, printed and named in every failure;
LOWCLOUD_DURABILITY_SEED=<seed> replays the same kill delays and request
sequences (thread interleaving is the OS's). LOWCLOUD_DURABILITY_CYCLES
(default 6) sets the number of cycles.
"""
import contextlib
import http.client
import json
import os
import random
import signal
import threading
import time

from dynamodb_util import FAKE_AUTH, TARGET_PREFIX

WRITERS = 8
CYCLES = int(os.environ.get("LOWCLOUD_DURABILITY_CYCLES", "6"))
KEYS_PER_WRITER = 200
GROUPS = ("g0", "g1", "g2", "g3")
TABLE = "durability"
INDEX = "by_group"
NOW = int(time.time())
FUTURE = NOW + 30 * 86400  # never expires during the test
PAST = NOW - 3600  # expired: the sweeper deletes it
NAMES = {"#v": "v", "#g": "g", "#pad": "pad", "#exp": "exp", "#n": "n"}
ONE = {"N": "1"}


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


class Conn:
    """One keep-alive HTTP connection speaking DynamoDB JSON 1.0."""

    def __init__(self, port, timeout=30):
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def send(self, operation, payload):
        """(status, parsed body); raises OSError/HTTPException if the
        response was not read in full, ValueError if it is not JSON."""
        self.http.request("POST", "/", body=json.dumps(payload).encode(), headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": f"{TARGET_PREFIX}.{operation}",
            "Authorization": FAKE_AUTH,
            "X-Amz-Date": "20240101T000000Z",
        })
        resp = self.http.getresponse()
        data = resp.read()
        return resp.status, (json.loads(data) if data else {})

    def call(self, operation, payload):
        status, body = self.send(operation, payload)
        assert status == 200, f"{operation} {json.dumps(payload)[:300]} answered {status}: {body}"
        return body

    def close(self):
        self.http.close()


def show(item):
    """An item, short: values only, pad as its length."""
    if item is None:
        return "<absent>"
    out = {}
    for k, v in sorted(item.items()):
        (_, x), = v.items()
        out[k] = f"<{len(x)} chars>" if k == "pad" else x
    return json.dumps(out, sort_keys=True)


# ---- the writers -------------------------------------------------------------------


class Op:
    """One request and what it does to the writer's keys if it lands."""

    def __init__(self, name, payload, desc, after=None, counter=False, shared=False, atomic=False, check=None):
        self.name, self.payload, self.desc = name, payload, desc
        self.after = after or {}  # key -> item or None (deleted)
        self.counter, self.shared, self.atomic, self.check = counter, shared, atomic, check


class Writer:
    """Owns keys w{w}-k000..; runs one request at a time until the server
    dies. `model` (key -> item or None), `counter`, `last` (key -> the
    acknowledged op that set it) persist across cycles."""

    def __init__(self, w):
        self.w = w
        self.keys = [f"w{w}-k{i:03d}" for i in range(KEYS_PER_WRITER)]
        self.model = dict.fromkeys(self.keys)
        self.last = dict.fromkeys(self.keys, "nothing (never written)")
        self.counter_key = f"w{w}-counter"
        self.counter = 0
        self.counter_last = "nothing"
        self.expired = {}  # key -> item, keys written with an expired TTL (the sweeper may delete them any time)

    def start_cycle(self, seed, cycle, port, killed, first_ack):
        self.rng = random.Random(f"{seed}:{cycle}:{self.w}")
        self.cycle, self.port, self.killed, self.first_ack = cycle, port, killed, first_ack
        self.seq = 0
        self.pending = None  # the op in flight at the kill
        self.errors = []
        self.acked = {}
        self.shared_acked = self.shared_tried = 0
        self.shared_max = 0  # the highest shared counter value acknowledged

    def token(self):
        self.seq += 1
        return f"{self.cycle}.{self.w}.{self.seq}"

    def fresh_item(self, key, token):
        item = {"pk": S(key), "v": S(token), "pad": S("p" * self.rng.randrange(1, 400))}
        if self.rng.random() < 0.6:
            item["g"] = S(self.rng.choice(GROUPS))
        if self.rng.random() < 0.5:
            item["exp"] = N(FUTURE + self.rng.randrange(1000))
        return item

    def update_parts(self, key, token):
        """UpdateItem arguments and the item they make from the model's."""
        old = self.model[key]
        new = dict(old) if old else {"pk": S(key)}
        values = {":v": S(token), ":pad": S("u" * self.rng.randrange(1, 300)), ":one": ONE}
        sets, removes = ["#v = :v", "#pad = :pad"], []
        new["v"], new["pad"] = values[":v"], values[":pad"]
        if self.rng.random() < 0.5:
            values[":g"] = new["g"] = S(self.rng.choice(GROUPS))
            sets.append("#g = :g")
        else:
            removes.append("#g")
            new.pop("g", None)
        r = self.rng.random()
        if r < 0.3:
            values[":exp"] = new["exp"] = N(FUTURE + self.rng.randrange(1000))
            sets.append("#exp = :exp")
        elif r < 0.45:
            removes.append("#exp")
            new.pop("exp", None)
        new["n"] = N(int(old["n"]["N"]) + 1 if old and "n" in old else 1)
        expr = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "") + " ADD #n :one"
        names = {k: NAMES[k] for k in ("#v", "#pad", "#n", *(["#g"] if ":g" in values or "#g" in removes else []),
                                        *(["#exp"] if ":exp" in values or "#exp" in removes else []))}
        args = {"TableName": TABLE, "Key": {"pk": S(key)}, "UpdateExpression": expr,
                "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}
        return args, new

    def next_op(self):
        rng, t = self.rng, self.token()
        r = rng.random()
        if r < 0.28:
            key = rng.choice(self.keys)
            item = self.fresh_item(key, t)
            return Op("PutItem", {"TableName": TABLE, "Item": item}, f"PutItem v={t}", {key: item})
        if r < 0.50:
            key = rng.choice(self.keys)
            args, new = self.update_parts(key, t)
            args["ReturnValues"] = "ALL_NEW"
            return Op("UpdateItem", args, f"UpdateItem v={t}", {key: new},
                      check=lambda body: body.get("Attributes") == new or f"ALL_NEW {show(body.get('Attributes'))} != {show(new)}")
        if r < 0.63:
            key = rng.choice(self.keys)
            return Op("DeleteItem", {"TableName": TABLE, "Key": {"pk": S(key)}}, f"DeleteItem ({t})", {key: None})
        if r < 0.73:
            after, requests = {}, []
            for key in rng.sample(self.keys, 25):
                if rng.random() < 0.7:
                    after[key] = self.fresh_item(key, t)
                    requests.append({"PutRequest": {"Item": after[key]}})
                else:
                    after[key] = None
                    requests.append({"DeleteRequest": {"Key": {"pk": S(key)}}})
            return Op("BatchWriteItem", {"RequestItems": {TABLE: requests}}, f"BatchWriteItem v={t}", after,
                      check=lambda body: not body.get("UnprocessedItems") or f"UnprocessedItems {body['UnprocessedItems']}")
        if r < 0.83:
            put_key, upd_key, del_key, cond_key = rng.sample(self.keys, 4)
            item = self.fresh_item(put_key, t)
            upd_args, upd_new = self.update_parts(upd_key, t)
            upd_args.pop("TableName")
            cond = "attribute_exists(pk)" if self.model[cond_key] is not None else "attribute_not_exists(pk)"
            items = [{"Put": {"TableName": TABLE, "Item": item}},
                     {"Update": {"TableName": TABLE, **upd_args}},
                     {"Delete": {"TableName": TABLE, "Key": {"pk": S(del_key)}}},
                     {"ConditionCheck": {"TableName": TABLE, "Key": {"pk": S(cond_key)}, "ConditionExpression": cond}}]
            shared = rng.random() < 0.5
            if shared:
                items.append({"Update": {"TableName": TABLE, "Key": {"pk": S("shared")}, "UpdateExpression": "ADD #n :one",
                                         "ExpressionAttributeNames": {"#n": "n"}, "ExpressionAttributeValues": {":one": ONE}}})
            rng.shuffle(items)
            return Op("TransactWriteItems", {"TransactItems": items}, f"TransactWriteItems v={t}",
                      {put_key: item, upd_key: upd_new, del_key: None}, shared=shared, atomic=True)
        if r < 0.90:
            return Op("UpdateItem", {"TableName": TABLE, "Key": {"pk": S(self.counter_key)}, "UpdateExpression": "ADD #n :one",
                                     "ExpressionAttributeNames": {"#n": "n"}, "ExpressionAttributeValues": {":one": ONE},
                                     "ReturnValues": "UPDATED_NEW"}, f"UpdateItem ADD n 1 ({t})", counter=True)
        if r < 0.96:
            return Op("UpdateItem", {"TableName": TABLE, "Key": {"pk": S("shared")}, "UpdateExpression": "ADD #n :one",
                                     "ExpressionAttributeNames": {"#n": "n"}, "ExpressionAttributeValues": {":one": ONE},
                                     "ReturnValues": "UPDATED_NEW"}, f"UpdateItem ADD n 1 ({t})", shared=True)
        key = f"x-w{self.w}-{t}"
        item = {"pk": S(key), "v": S(t), "g": S(rng.choice(GROUPS)), "exp": N(PAST)}
        self.expired[key] = item
        return Op("PutItem", {"TableName": TABLE, "Item": item}, f"PutItem (expired TTL) v={t}")

    def run(self):
        conn = Conn(self.port)
        try:
            while True:
                op = self.next_op()
                if op.shared:
                    self.shared_tried += 1
                try:
                    status, body = conn.send(op.name, op.payload)
                except (OSError, http.client.HTTPException, ValueError) as e:
                    # Not acknowledged: refused/reset/cut short once the server is killed.
                    self.pending = op
                    if not self.killed.is_set():
                        self.errors.append(f"writer {self.w}: {op.desc}: {e!r} while the server was up")
                    return
                if status != 200:
                    self.pending = op
                    self.errors.append(f"writer {self.w}: {op.desc} answered {status}: {body}")
                    return
                problem = op.check(body) if op.check else True
                if problem is not True:
                    self.errors.append(f"writer {self.w}: {op.desc}: {problem}")
                self.acknowledge(op, body)
        finally:
            conn.close()

    def acknowledge(self, op, body):
        for key, state in op.after.items():
            self.model[key] = state
            self.last[key] = f"{op.desc} (cycle {self.cycle})"
        if op.counter:
            value = int(body["Attributes"]["n"]["N"])
            if value != self.counter + 1:
                self.errors.append(f"writer {self.w}: {self.counter_key} went {self.counter} -> {value} on one ADD")
            self.counter = value
            self.counter_last = f"{op.desc} (cycle {self.cycle}) answering n={value}"
        if op.shared:
            self.shared_acked += 1
            if op.name == "UpdateItem":
                self.shared_max = max(self.shared_max, int(body["Attributes"]["n"]["N"]))
        self.acked[op.name] = self.acked.get(op.name, 0) + 1
        self.first_ack.set()


# ---- checking ----------------------------------------------------------------------


class Check:
    def __init__(self, seed, cycle):
        self.seed, self.cycle, self.problems = seed, cycle, []

    def add(self, msg):
        self.problems.append(msg)

    def done(self, what):
        if self.problems:
            shown = "\n  ".join(self.problems[:25])
            more = f"\n  ... and {len(self.problems) - 25} more" if len(self.problems) > 25 else ""
            raise AssertionError(f"seed={self.seed} cycle {self.cycle}: {what}: {len(self.problems)} problem(s)\n  {shown}{more}\n"
                                 f"replay: LOWCLOUD_DURABILITY_SEED={self.seed}")


def scan(conn, index=None):
    items, start = [], None
    while True:
        args = {"TableName": TABLE}
        if index:
            args["IndexName"] = index
        else:
            args["ConsistentRead"] = True
        if start:
            args["ExclusiveStartKey"] = start
        body = conn.call("Scan", args)
        items += body["Items"]
        start = body.get("LastEvaluatedKey")
        if not start:
            return items


def query_index(conn, group):
    items, start = [], None
    while True:
        args = {"TableName": TABLE, "IndexName": INDEX, "KeyConditionExpression": "#g = :g",
                "ExpressionAttributeNames": {"#g": "g"}, "ExpressionAttributeValues": {":g": S(group)}}
        if start:
            args["ExclusiveStartKey"] = start
        body = conn.call("Query", args)
        items += body["Items"]
        start = body.get("LastEvaluatedKey")
        if not start:
            return items


def by_key(items, check, where):
    out = {}
    for item in items:
        key = item["pk"]["S"]
        if key in out:
            check.add(f"{where} returns {key} twice")
        out[key] = item
    return out


def value_of(counter):
    return int(counter["n"]["N"]) if counter else 0


def check_keys(table, writers, shared, check, stats):
    """The table against the writers' models. `table` is consumed; returns
    the shared counter's value; stats["landed"] counts the in-flight writes
    that made it."""
    for wr in writers:
        pending = wr.pending
        landed = set()  # keys of the in-flight op found in its after state (and not its before)
        for key in wr.keys:
            actual, expected = table.pop(key, None), wr.model[key]
            if actual == expected:
                continue
            if pending and key in pending.after and actual == pending.after[key]:
                landed.add(key)
                continue
            if expected is None:
                what = f"acknowledged {wr.last[key]} undone: the item is back"
            elif actual is None:
                what = f"acknowledged {wr.last[key]} lost: the item is missing"
            else:
                what = f"acknowledged {wr.last[key]} lost or corrupted"
            alt = f" (or the unacknowledged {pending.desc}: {show(pending.after[key])})" if pending and key in pending.after else ""
            check.add(f"{key}: {what}; expected {show(expected)}{alt}, found {show(actual)}")
        if pending and (landed or (pending.counter and value_of(table.get(wr.counter_key)) == wr.counter + 1)):
            stats["landed"] += 1
        if pending and pending.atomic:
            changing = {k for k, v in pending.after.items() if v != wr.model[k]}
            if landed and landed != changing:
                check.add(f"writer {wr.w}: the unacknowledged {pending.desc} half applied: {sorted(landed)} of {sorted(changing)}")
        value = value_of(table.pop(wr.counter_key, None))
        allowed = {wr.counter} | ({wr.counter + 1} if pending and pending.counter else set())
        if value not in allowed:
            check.add(f"{wr.counter_key}: n={value}, expected {' or '.join(map(str, sorted(allowed)))}; "
                      f"last acknowledged: {wr.counter_last}")
        for key, item in wr.expired.items():
            actual = table.pop(key, None)  # the sweeper may have deleted it
            if actual is not None and actual != item:
                check.add(f"{key}: corrupted: expected {show(item)}, found {show(actual)}")
    value = value_of(table.pop("shared", None))
    acked = shared["base"] + sum(wr.shared_acked for wr in writers)
    tried = shared["base"] + sum(wr.shared_tried for wr in writers)
    highest = max([shared["base"]] + [wr.shared_max for wr in writers])
    if not max(acked, highest) <= value <= tried:
        check.add(f"shared: n={value}; {acked} increments acknowledged in all (the highest answered: {highest}), "
                  f"{tried} tried")
    for key, item in sorted(table.items()):
        check.add(f"{key}: unexpected item {show(item)} (never written, or deleted by an acknowledged write)")
    return value


def adopt(table_items, writers):
    """Models take the state found (the in-flight ops landed or not)."""
    for wr in writers:
        for key in wr.keys:
            wr.model[key] = table_items.get(key)
        counter = table_items.get(wr.counter_key)
        wr.counter = int(counter["n"]["N"]) if counter else 0


def check_index_and_counts(conn, items, check, sample_rng):
    """GSI = base items with g; ItemCount/TableSizeBytes exact."""
    indexed = {k: v for k, v in items.items() if "g" in v and "v" in v}
    got = by_key(scan(conn, INDEX), check, f"Scan of {INDEX}")
    for key in sorted(indexed.keys() - got.keys()):
        check.add(f"{INDEX}: {key} missing (base item {show(indexed[key])})")
    for key in sorted(got.keys() - indexed.keys()):
        check.add(f"{INDEX}: {key} is there ({show(got[key])}) but the base item is {show(items.get(key))}")
    for key in sorted(got.keys() & indexed.keys()):
        if got[key] != indexed[key]:
            check.add(f"{INDEX}: {key} is {show(got[key])}, the base item {show(indexed[key])}")
    for group in GROUPS:
        want = {k for k, v in indexed.items() if v["g"]["S"] == group}
        have = set(by_key(query_index(conn, group), check, f"Query of {INDEX} g={group}"))
        if want != have:
            check.add(f"Query {INDEX} g={group}: missing {sorted(want - have)[:10]}, extra {sorted(have - want)[:10]}")

    table = conn.call("DescribeTable", {"TableName": TABLE})["Table"]
    if table["ItemCount"] != len(items):
        check.add(f"DescribeTable ItemCount {table['ItemCount']}, Scan finds {len(items)}")
    gsi = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}[INDEX]
    if gsi["ItemCount"] != len(indexed):
        check.add(f"DescribeTable {INDEX} ItemCount {gsi['ItemCount']}, the index holds {len(indexed)}")

    # TableSizeBytes: the same items written once into a fresh table.
    copy = f"{TABLE}-copy"
    conn.call("CreateTable", {"TableName": copy, "BillingMode": "PAY_PER_REQUEST",
                              "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                              "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
    values = list(items.values())
    for i in range(0, len(values), 25):
        body = conn.call("BatchWriteItem", {"RequestItems": {copy: [{"PutRequest": {"Item": it}} for it in values[i:i + 25]]}})
        assert not body.get("UnprocessedItems"), body
    copied = conn.call("DescribeTable", {"TableName": copy})["Table"]
    if (copied["ItemCount"], copied["TableSizeBytes"]) != (len(items), table["TableSizeBytes"]):
        check.add(f"DescribeTable TableSizeBytes {table['TableSizeBytes']}, the same {len(items)} items "
                  f"in a fresh table: {copied['TableSizeBytes']} ({copied['ItemCount']} items)")
    conn.call("DeleteTable", {"TableName": copy})

    # GetItem agrees with Scan.
    for key in sample_rng.sample(sorted(items), min(40, len(items))):
        got = conn.call("GetItem", {"TableName": TABLE, "Key": {"pk": S(key)}, "ConsistentRead": True}).get("Item")
        if got != items[key]:
            check.add(f"GetItem {key}: {show(got)}, Scan: {show(items[key])}")


def check_writable(conn):
    probe = {"pk": S("probe"), "v": S("probe"), "g": S("g0"), "exp": N(FUTURE)}
    conn.call("PutItem", {"TableName": TABLE, "Item": probe})
    assert conn.call("GetItem", {"TableName": TABLE, "Key": {"pk": S("probe")}, "ConsistentRead": True}).get("Item") == probe
    conn.call("DeleteItem", {"TableName": TABLE, "Key": {"pk": S("probe")}})


# ---- the test ----------------------------------------------------------------------


@contextlib.contextmanager
def named(seed, cycle):
    """Failures (a request refused, a server that does not come back) name the seed."""
    try:
        yield
    except (AssertionError, RuntimeError) as e:
        if f"seed={seed}" in str(e):
            raise
        raise AssertionError(f"seed={seed} cycle {cycle}: {e}\nreplay: LOWCLOUD_DURABILITY_SEED={seed}") from e


def create_table(conn):
    conn.call("CreateTable", {
        "TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "g", "v")],
        "GlobalSecondaryIndexes": [{"IndexName": INDEX, "Projection": {"ProjectionType": "ALL"},
                                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                  {"AttributeName": "v", "KeyType": "RANGE"}]}]})
    conn.call("UpdateTimeToLive", {"TableName": TABLE, "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"}})


def write_until_killed(s, writers, seed, cycle, delay):
    """Writers until SIGKILL `delay` seconds after the first acknowledgement."""
    killed, first_ack = threading.Event(), threading.Event()
    for wr in writers:
        wr.start_cycle(seed, cycle, s.port, killed, first_ack)
    threads = [threading.Thread(target=wr.run, daemon=True) for wr in writers]
    for t in threads:
        t.start()
    # Waiting for the first write is no timing assertion: a server that
    # acknowledges nothing in 30 s is broken.
    assert first_ack.wait(30), f"no write acknowledged in 30 s; log: {s.log()}"
    time.sleep(delay)
    killed.set()
    assert s.stop(signal.SIGKILL) == -signal.SIGKILL, f"lowcloud had exited before the kill: {s.log()}"
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a writer hung after the kill"
    acked = {}
    for wr in writers:
        for name, n in wr.acked.items():
            acked[name] = acked.get(name, 0) + n
    print(f"cycle {cycle}: killed {delay:.3f} s after the first acknowledgement; acknowledged {sum(acked.values())} "
          f"{dict(sorted(acked.items()))}; in flight {sum(wr.pending is not None for wr in writers)}", flush=True)
    return sum(acked.values())


def verify_after_kill(conn, writers, shared, seed, cycle, sample_rng):
    status, body = conn.send("DescribeTable", {"TableName": TABLE})
    assert status == 200, f"table {TABLE} is gone after the restart: {status} {body}"
    check = Check(seed, cycle)
    items = by_key(scan(conn), check, "Scan")
    stats = {"landed": 0}
    shared["base"] = check_keys(dict(items), writers, shared, check, stats)
    check.done("acknowledged writes after kill -9")
    adopt(items, writers)  # what is there (in-flight writes landed or not) is the truth from now on
    check_index_and_counts(conn, items, check, sample_rng)
    check.done("index and counters after kill -9")
    errors = [e for wr in writers for e in wr.errors]
    assert not errors, "unexpected answers while the server was up:\n  " + "\n  ".join(errors[:25])
    check_writable(conn)
    print(f"cycle {cycle}: {len(items)} items verified; {stats['landed']} in-flight write(s) had landed", flush=True)


def verify_final(conn, writers, shared, seed, sample_rng):
    """After a clean stop, with the sweeper on: every expired item goes (its
    TTL entry survived the kills), nothing else does, the counts hold."""
    check = Check(seed, "final")
    deadline = time.monotonic() + 30
    while True:
        items = by_key(scan(conn), check, "Scan")
        left = sorted(k for k in items if k.startswith("x-"))
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    for key in left:
        check.add(f"{key}: expired (exp={items[key]['exp']['N']}) but still there after 30 s of TTL sweeps: "
                  "its TTL entry is lost")
    for wr in writers:  # nothing in flight, the expired items gone
        wr.pending, wr.expired = None, {}
        wr.shared_acked = wr.shared_tried = wr.shared_max = 0
    check_keys({k: v for k, v in items.items() if not k.startswith("x-")}, writers, shared, check, {"landed": 0})
    check_index_and_counts(conn, items, check, sample_rng)
    check.done("after a clean restart and TTL sweeps")
    check_writable(conn)


def test_acknowledged_writes_survive_repeated_sigkill(start_server, tmp_path):
    seed = int(os.environ.get("LOWCLOUD_DURABILITY_SEED") or random.SystemRandom().randrange(2**32))
    print(f"durability seed={seed} (replay: LOWCLOUD_DURABILITY_SEED={seed})", flush=True)
    kill_rng, sample_rng = random.Random(f"{seed}:kill"), random.Random(f"{seed}:sample")
    data = tmp_path / "data"
    data.mkdir()

    def serve(ttl_interval):
        return start_server("--data-dir", str(data), "--log-level", "warn", "--ttl-interval", ttl_interval, cwd=str(tmp_path))

    writers = [Writer(w) for w in range(WRITERS)]
    shared = {"base": 0}
    total_acked = 0
    with named(seed, 0):
        s = serve("0.05")  # write phases sweep TTL alongside the writers
        conn = Conn(s.port)
        create_table(conn)
        conn.close()
    for cycle in range(1, CYCLES + 1):
        with named(seed, cycle):
            total_acked += write_until_killed(s, writers, seed, cycle, kill_rng.uniform(0.0, 1.5))
            s = serve("0")  # no sweeps: the table holds still while it is counted
            conn = Conn(s.port)
            verify_after_kill(conn, writers, shared, seed, cycle, sample_rng)
            conn.close()
            assert s.stop(signal.SIGTERM) == 0, s.log()
            s = serve("0.05")
    assert total_acked > 0, f"seed={seed}: no write was ever acknowledged"
    with named(seed, "final"):
        conn = Conn(s.port)
        verify_final(conn, writers, shared, seed, sample_rng)
        conn.close()
        assert s.stop(signal.SIGTERM) == 0, s.log()
