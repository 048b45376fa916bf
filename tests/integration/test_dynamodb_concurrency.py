"""Concurrent clients never lose an update, and a conditional write is a
check-and-write in one step: under contention exactly one racer wins.

Each thread has its own boto3 client (own connection pool), like separate
processes would. `counter` is a DynamoDB reserved word, hence `#c`.
"""
import threading

import pytest

from dynamodb_util import create_table, get, make_client

THREADS = 8
INCREMENTS = 50


def run_threads(n, target):
    errors = []

    def wrapper(i):
        try:
            target(i)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=wrapper, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a client thread hung"
    assert errors == [], errors


def test_concurrent_conditional_increments_are_exact(server, ddb):
    table = create_table(ddb)
    key = {"pk": {"S": "counter"}}

    def worker(i):
        client = make_client(server.url)
        for _ in range(INCREMENTS):
            client.update_item(TableName=table, Key=key, UpdateExpression="ADD #c :one",
                               ConditionExpression="attribute_not_exists(#c) OR #c >= :zero",
                               ExpressionAttributeNames={"#c": "counter"},
                               ExpressionAttributeValues={":one": {"N": "1"}, ":zero": {"N": "0"}})

    run_threads(THREADS, worker)
    assert get(ddb, table, key)["counter"] == {"N": str(THREADS * INCREMENTS)}


def test_concurrent_set_plus_increments_are_exact(server, ddb):
    table = create_table(ddb)
    key = {"pk": {"S": "counter"}}
    ddb.put_item(TableName=table, Item={"pk": {"S": "counter"}, "n": {"N": "0"}})

    def worker(i):
        client = make_client(server.url)
        for _ in range(INCREMENTS):
            client.update_item(TableName=table, Key=key, UpdateExpression="SET n = n + :d",
                               ExpressionAttributeValues={":d": {"N": "0.5"}})

    run_threads(THREADS, worker)
    assert get(ddb, table, key)["n"] == {"N": str(THREADS * INCREMENTS // 2)}


def test_racing_conditional_puts_have_exactly_one_winner(server, ddb):
    table = create_table(ddb)
    rounds = 20
    barrier = threading.Barrier(THREADS)
    wins = [[] for _ in range(rounds)]

    def worker(i):
        client = make_client(server.url)
        for r in range(rounds):
            barrier.wait(30)
            try:
                client.put_item(TableName=table, Item={"pk": {"S": f"race-{r}"}, "owner": {"N": str(i)}},
                                ConditionExpression="attribute_not_exists(pk)")
                wins[r].append(i)
            except client.exceptions.ConditionalCheckFailedException:
                pass

    run_threads(THREADS, worker)
    for r in range(rounds):
        assert len(wins[r]) == 1, (r, wins[r])
        assert get(ddb, table, {"pk": {"S": f"race-{r}"}})["owner"] == {"N": str(wins[r][0])}


def test_optimistic_locking_loses_no_update(server, ddb):
    """Read version, write version+1 if unchanged: the final version equals the successful writes."""
    table = create_table(ddb)
    key = {"pk": {"S": "doc"}}
    ddb.put_item(TableName=table, Item={"pk": {"S": "doc"}, "ver": {"N": "0"}, "log": {"L": []}})
    successes = []
    lock = threading.Lock()

    def worker(i):
        client = make_client(server.url)
        done = 0
        while done < 10:
            current = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["ver"]["N"]
            try:
                client.update_item(TableName=table, Key=key,
                                   UpdateExpression="SET ver = :next, #log = list_append(#log, :me)",
                                   ConditionExpression="ver = :cur", ExpressionAttributeNames={"#log": "log"},
                                   ExpressionAttributeValues={":cur": {"N": current},
                                                              ":next": {"N": str(int(current) + 1)},
                                                              ":me": {"L": [{"S": f"{i}:{current}"}]}})
                done += 1
                with lock:
                    successes.append(current)
            except client.exceptions.ConditionalCheckFailedException:
                pass

    run_threads(4, worker)
    item = get(ddb, table, key)
    assert item["ver"] == {"N": "40"}
    assert len(item["log"]["L"]) == 40
    assert sorted(int(s) for s in successes) == list(range(40))


@pytest.mark.parametrize("op", ["put", "delete"])
def test_concurrent_writes_to_distinct_keys_all_land(server, ddb, op):
    table = create_table(ddb)
    if op == "delete":
        for i in range(THREADS):
            for j in range(25):
                ddb.put_item(TableName=table, Item={"pk": {"S": f"k{i}-{j}"}})

    def worker(i):
        client = make_client(server.url)
        for j in range(25):
            if op == "put":
                client.put_item(TableName=table, Item={"pk": {"S": f"k{i}-{j}"}, "v": {"N": str(j)}})
            else:
                client.delete_item(TableName=table, Key={"pk": {"S": f"k{i}-{j}"}})

    run_threads(THREADS, worker)
    for i in range(THREADS):
        for j in (0, 12, 24):
            item = get(ddb, table, {"pk": {"S": f"k{i}-{j}"}})
            assert (item is not None) == (op == "put")
