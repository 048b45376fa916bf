"""Lambda: native handlers in warm, isolated execution environments, through
the Invoke API with boto3 and the AWS CLI. Handlers: handlers/test/."""
import base64
import concurrent.futures
import json
import re
import os
import shutil
import subprocess
import textwrap
import threading
import time
import urllib.request

import botocore.config
import boto3
import pytest

from conftest import AWS, BIN, Server

HANDLERS = os.path.join(os.path.dirname(BIN), "handlers", "test")
LIB = os.path.join(HANDLERS, "libtest_handlers.so")


def lambda_client(url, timeout=30):
    return boto3.client("lambda", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test",
                        config=botocore.config.Config(retries={"max_attempts": 1}, read_timeout=timeout,
                                                      max_pool_connections=64))


def manifest(tmp_path, functions):
    (tmp_path / "lowcloud.yaml").write_text(textwrap.dedent(functions))
    return str(tmp_path / "lowcloud.yaml")


def fn(name, handler, **extra):
    lines = [f"  - name: {name}", f"    library: {LIB}", f"    handler: {handler}"]
    lines += [f"    {k}: {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


FUNCTIONS = "functions:\n" + "".join([
    fn("echo", "echo_handler"),
    fn("counter", "counter_handler"),
    fn("crash", "crash_handler"),
    fn("fail", "fail_handler"),
    fn("throws", "throw_handler"),
    fn("sleepy", "sleep_handler", timeout=1),
    fn("limited", "sleep_handler", timeout=5, reserved_concurrency=2),
    fn("big", "big_handler"),
    fn("envvars", "env_handler", environment="{GREETING: hello}", memory=256),
    fn("logger", "log_handler"),
    fn("ctx", "context_handler", timeout=7, memory=512),
    fn("inits", "init_count_handler"),
    fn("inproc", "counter_handler", isolation="in-process"),
    fn("inproc_sleepy", "sleep_handler", isolation="in-process", timeout=1),
    f"  - name: badinit\n    library: {os.path.join(HANDLERS, 'libtest_bad_init.so')}\n",
])


@pytest.fixture(scope="module")
def lam_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lambda")
    s = Server(["--in-memory", "--log-level", "info", "--config", manifest(tmp, FUNCTIONS)])
    yield s
    assert s.stop() == 0, s.log()


@pytest.fixture(scope="module")
def lam(lam_server):
    return lambda_client(lam_server.url)


def invoke(lam, name, payload=None, **kw):
    r = lam.invoke(FunctionName=name, Payload=json.dumps(payload if payload is not None else {}).encode(), **kw)
    body = r["Payload"].read()
    return r, json.loads(body) if body else None


def test_echo_round_trip(lam):
    r, body = invoke(lam, "echo", {"a": 1, "nested": {"b": [1, 2]}, "text": "キャリバー"})
    assert r["StatusCode"] == 200
    assert body == {"a": 1, "nested": {"b": [1, 2]}, "text": "キャリバー"}
    assert r["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in r


def test_environments_stay_warm_and_init_runs_once(lam):
    _, first = invoke(lam, "counter")
    _, second = invoke(lam, "counter")
    assert second["calls"] == first["calls"] + 1
    assert second["pid"] == first["pid"]
    for _ in range(3):
        _, body = invoke(lam, "inits")
        assert body == {"init_runs": 1}


def test_function_error_is_200_with_unhandled(lam):
    r, body = invoke(lam, "fail", {"type": "WatchNotFound", "message": "no such watch"})
    assert r["StatusCode"] == 200
    assert r["FunctionError"] == "Unhandled"
    assert body["errorType"] == "WatchNotFound" and body["errorMessage"] == "no such watch"
    _, body = invoke(lam, "throws")
    assert body["errorType"] == "std::out_of_range" and body["errorMessage"] == "index 7 is out of range"


def test_crash_is_exit_error_and_the_next_call_gets_a_fresh_environment(lam):
    r, body = invoke(lam, "crash")
    assert r["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Error: Runtime exited with error: signal: segmentation fault")
    assert body["errorMessage"].startswith("RequestId: ")
    _, echoed = invoke(lam, "echo", {"still": "alive"})
    assert echoed == {"still": "alive"}


def test_timeout_then_success(lam):
    start = time.time()
    r, body = invoke(lam, "sleepy", {"ms": 20000})
    assert time.time() - start < 10  # at the 1 s timeout, not when the handler would return
    assert r["FunctionError"] == "Unhandled"
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")
    r, body = invoke(lam, "sleepy", {"ms": 10})
    assert body == {"slept": True}


def test_init_error_fails_the_invocation(lam):
    r, body = invoke(lam, "badinit")
    assert r["FunctionError"] == "Unhandled"
    assert body == {"errorMessage": "TABLE is not set", "errorType": "ConfigError", "stackTrace": []}


def test_tail_returns_cloudwatch_lines(lam):
    r, _ = invoke(lam, "logger", {"lines": ["value1 = value1", "second"]}, LogType="Tail")
    log = base64.b64decode(r["LogResult"]).decode()
    lines = log.splitlines()
    assert lines[0].startswith("START RequestId: ") and lines[0].endswith(" Version: $LATEST")
    assert any(l.endswith("INFO\tvalue1 = value1") for l in lines)
    assert "printed to stdout" in lines
    assert lines[-2].startswith("END RequestId: ")
    report = lines[-1]
    assert report.startswith("REPORT RequestId: ")
    for field in ("Duration: ", "Billed Duration: ", "Memory Size: 128 MB", "Max Memory Used: "):
        assert field in report
    # The environment's own process: its peak resident memory, a few MB.
    used = int(re.search(r"Max Memory Used: (\d+) MB", report).group(1))
    assert 1 <= used <= 128


def test_init_duration_only_on_cold_start(lam):
    r, _ = invoke(lam, "logger", {"lines": []}, LogType="Tail")
    assert "Init Duration" not in base64.b64decode(r["LogResult"]).decode()  # warm from the previous test


def test_environment_variables(lam_server, lam):
    names = ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION",
             "AWS_DEFAULT_REGION", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "_HANDLER", "LAMBDA_TASK_ROOT",
             "AWS_LAMBDA_RUNTIME_API", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
             "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "GREETING", "LOWCLOUD_SPIN_US", "LOWCLOUD_ENDPOINT"]
    _, env = invoke(lam, "envvars", {"names": names})
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "envvars"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/envvars"
    assert env["_HANDLER"] == "env_handler"
    assert env["LAMBDA_TASK_ROOT"] == HANDLERS
    assert env["AWS_ENDPOINT_URL"] == env["AWS_ENDPOINT_URL_DYNAMODB"] == lam_server.url
    # A bare host:port of the environment's own (runtime clients parse it so).
    assert re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"])
    assert env["AWS_LAMBDA_RUNTIME_API"] != lam_server.url[len("http://"):]
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"] and env["AWS_SESSION_TOKEN"]
    assert env["GREETING"] == "hello"
    # lowcloud's runtime and SDK client poll before they block (--spin-us, 200 by default).
    assert env["LOWCLOUD_SPIN_US"] == "200"
    # Where lowcloud's runtime sends its handler's requests for the emulator
    # over the Runtime API connection instead (host->send).
    assert env["LOWCLOUD_ENDPOINT"] == lam_server.url[len("http://"):]
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", env["AWS_LAMBDA_LOG_STREAM_NAME"])


def test_context(lam):
    _, ctx = invoke(lam, "ctx")
    assert ctx["function_name"] == "ctx"
    assert ctx["function_arn"] == "arn:aws:lambda:us-east-1:000000000000:function:ctx"
    assert ctx["memory_mb"] == 512
    assert 5000 < ctx["remaining_ms"] <= 7000
    assert len(ctx["request_id"]) == 36


def test_five_mb_response_and_over_six_mb(lam):
    _, body = invoke(lam, "big", {"bytes": 5 * 1024 * 1024})
    assert len(body["data"]) == 5 * 1024 * 1024
    r, body = invoke(lam, "big", {"bytes": 7 * 1024 * 1024})
    assert r["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Function.ResponseSizeTooLarge"


def service_error(fn_call):
    with pytest.raises(lam_error := Exception) as e:  # noqa: F841
        fn_call()
    return e.value.response


def test_unknown_function_is_404(lam):
    response = service_error(lambda: lam.invoke(FunctionName="nope", Payload=b"{}"))
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert response["Error"]["Message"] == "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope"


def test_payload_not_json_is_400(lam):
    response = service_error(lambda: lam.invoke(FunctionName="echo", Payload=b"not json"))
    assert response["Error"]["Code"] == "InvalidRequestContentException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_payload_over_6mb_is_413(lam):
    response = service_error(lambda: lam.invoke(FunctionName="echo", Payload=json.dumps({"x": "y" * (6 * 1024 * 1024)}).encode()))
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert response["Error"]["Code"] == "RequestEntityTooLargeException"


def test_function_names_and_arns_resolve(lam):
    for name in ("echo", "arn:aws:lambda:us-east-1:000000000000:function:echo", "000000000000:function:echo", "echo:$LATEST"):
        _, body = invoke(lam, name, {"n": name})
        assert body == {"n": name}
    response = service_error(lambda: lam.invoke(FunctionName="echo", Qualifier="7", Payload=b"{}"))
    assert response["Error"]["Code"] == "ResourceNotFoundException"


def test_dry_run_and_event(lam_server, lam):
    r = lam.invoke(FunctionName="echo", InvocationType="DryRun", Payload=b"{}")
    assert r["StatusCode"] == 204
    marker = "event-%d" % time.time_ns()
    r = lam.invoke(FunctionName="logger", InvocationType="Event", Payload=json.dumps({"lines": [marker]}).encode())
    assert r["StatusCode"] == 202
    # Generous: a cold environment on 2 cores shared with the rest of the suite
    # (the benchmark smoke run) can take seconds to start; this checks it runs.
    deadline = time.time() + 30
    while time.time() < deadline:
        with urllib.request.urlopen(lam_server.url + "/_lowcloud/lambda/logger/logs") as resp:
            if any(marker in line for line in json.load(resp)["lines"]):
                break
        time.sleep(0.05)
    else:
        pytest.fail("the Event invocation never ran")


def test_concurrency_cap_throttles_with_429(lam_server):
    client = lambda_client(lam_server.url)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        slow = [pool.submit(invoke, client, "limited", {"ms": 4000}) for _ in range(2)]  # its timeout is 5 s
        deadline = time.time() + 30  # both environments busy (each sleeps 4 s once it runs)
        while True:
            with urllib.request.urlopen(lam_server.url + "/_lowcloud/health") as resp:
                if json.load(resp)["services"]["lambda"]["functions"]["limited"]["busy"] == 2:
                    break
            if time.time() > deadline:
                pytest.fail("the two slow invocations never ran at once")
            time.sleep(0.02)
        response = service_error(lambda: client.invoke(FunctionName="limited", Payload=b'{"ms": 1}'))
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert response["Error"]["Code"] == "TooManyRequestsException"
        assert response["Error"]["Message"] == "Rate Exceeded."
        assert all(f.result()[1] == {"slept": True} for f in slow)


def test_parallel_calls_get_their_own_environments(lam_server):
    client = lambda_client(lam_server.url)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: invoke(client, "limited", {"ms": 800})[1], range(2)))
    assert results == [{"slept": True}] * 2
    with urllib.request.urlopen(lam_server.url + "/_lowcloud/health") as resp:
        assert json.load(resp)["services"]["lambda"]["functions"]["limited"]["environments"] == 2


def test_a_thousand_crashes_leave_the_emulator_healthy(lam_server):
    client = lambda_client(lam_server.url)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: invoke(client, "crash")[1]["errorType"], range(1000)))
    assert results == ["Runtime.ExitError"] * 1000
    assert invoke(client, "echo", {"ok": 1})[1] == {"ok": 1}


def test_in_process_isolation(lam_server, lam):
    _, a = invoke(lam, "inproc")
    _, b = invoke(lam, "inproc")
    assert b["calls"] == a["calls"] + 1
    assert a["pid"] != invoke(lam, "counter")[1]["pid"]  # runs inside the emulator, not a child
    r, body = invoke(lam, "inproc_sleepy", {"ms": 6000})  # still running when health is read
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")
    with urllib.request.urlopen(lam_server.url + "/_lowcloud/health") as resp:
        health = json.load(resp)["services"]["lambda"]["functions"]["inproc_sleepy"]
    assert health["isolation"] == "in-process" and health["runaway_handlers"] == 1
    assert invoke(lam, "inproc_sleepy", {"ms": 5})[1] == {"slept": True}


def test_a_process_handlers_requests_for_the_emulator_go_over_its_runtime_api_connection(tmp_path):
    """lowcloud's runtime (process isolation) sends its handler's SDK requests
    for the emulator over its Runtime API connection (one connection per
    environment, on the I/O thread of the invocation's caller), as if they
    had come to the main port: signed requests are checked with the Host the
    SDK signed. Other endpoints go over the network."""
    other = Server(["--in-memory", "--log-level", "warn"])
    s = Server(["--in-memory", "--log-level", "debug", "--auth", "sigv4", "--credentials", "AKIDLOWCLOUD:s3cret",
                "--config", manifest(tmp_path, "functions:\n" + fn("ddbget", "dynamodb_get_handler"))])
    try:
        ddb = boto3.client("dynamodb", endpoint_url=s.url, region_name="us-east-1", aws_access_key_id="AKIDLOWCLOUD",
                           aws_secret_access_key="s3cret")
        ddb.create_table(TableName="tbl", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        ddb.put_item(TableName="tbl", Item={"id": {"S": "w-1"}, "v": {"N": "7"}})
        lam = boto3.client("lambda", endpoint_url=s.url, region_name="us-east-1", aws_access_key_id="AKIDLOWCLOUD",
                           aws_secret_access_key="s3cret")
        for endpoint in (s.url, s.url.replace("127.0.0.1", "localhost")):
            _, body = invoke(lam, "ddbget", {"endpoint": endpoint, "table": "tbl", "key": {"id": {"S": "w-1"}}})
            assert body == {"answer": {"Item": {"id": {"S": "w-1"}, "v": {"N": "7"}}}}
        assert s.log().count("/_lowcloud/forward/ 200") == 2, s.log()
        _, body = invoke(lam, "ddbget", {"endpoint": s.url, "table": "nope", "key": {"id": {"S": "w-1"}}})
        assert body["error"] == "ResourceNotFoundException"
        # Another server is reached over the network (it has no table tbl).
        _, body = invoke(lam, "ddbget", {"endpoint": other.url, "table": "tbl", "key": {"id": {"S": "w-1"}}})
        assert body["error"] == "ResourceNotFoundException"
        assert s.log().count("/_lowcloud/forward/ ") == 3, s.log()
    finally:
        assert other.stop() == 0, other.log()
        assert s.stop() == 0, s.log()


def test_list_and_get_functions(lam):
    names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    assert "echo" in names and "badinit" in names
    config = lam.get_function(FunctionName="ctx")["Configuration"]
    assert config["Timeout"] == 7 and config["MemorySize"] == 512 and config["Handler"] == "context_handler"
    assert config["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:ctx"
    assert lam.get_function_configuration(FunctionName="envvars")["Environment"]["Variables"] == {"GREETING": "hello"}
    # Stable per code version, not per call; LastModified in Lambda's format.
    assert lam.get_function(FunctionName="ctx")["Configuration"]["RevisionId"] == config["RevisionId"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000", config["LastModified"])
    assert len(base64.b64decode(config["CodeSha256"])) == 32


def test_client_context_must_be_base64_json(lam):
    ctx = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    r, _ = invoke(lam, "echo", {}, ClientContext=ctx)
    assert r["StatusCode"] == 200
    response = service_error(lambda: lam.invoke(FunctionName="echo", Payload=b"{}", ClientContext="not base64!"))
    assert response["Error"]["Code"] == "InvalidRequestContentException"


def test_aws_cli_invoke_and_list(lam_server, tmp_path):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")
    out = tmp_path / "out.json"
    r = subprocess.run([AWS, "--endpoint-url", lam_server.url, "lambda", "invoke", "--function-name", "echo",
                        "--cli-binary-format", "raw-in-base64-out", "--payload", '{"cli": true}', str(out)],
                       env=env, capture_output=True, text=True, check=True)
    assert json.loads(r.stdout)["StatusCode"] == 200
    assert json.loads(out.read_text()) == {"cli": True}
    r = subprocess.run([AWS, "--endpoint-url", lam_server.url, "lambda", "list-functions", "--query", "Functions[].FunctionName"],
                       env=env, capture_output=True, text=True, check=True)
    assert "echo" in json.loads(r.stdout)


def test_hot_reload_under_load(tmp_path):
    lib = tmp_path / "libreload.so"
    shutil.copy(LIB, lib)
    path = manifest(tmp_path, f"functions:\n  - name: reload\n    library: {lib}\n")
    s = Server(["--in-memory", "--log-level", "warn", "--config", path])
    try:
        client = lambda_client(s.url)
        assert invoke(client, "reload", {"v": 1})[1] == {"v": 1}
        stop, seen, errors = threading.Event(), set(), []

        def load():
            c = lambda_client(s.url)
            while not stop.is_set():
                r, body = invoke(c, "reload", {"v": 1})
                if "FunctionError" in r:
                    errors.append(body)
                seen.add(json.dumps(body, sort_keys=True))

        def wait_seen(value, timeout=30):  # a load thread's answer, however loaded the machine
            deadline = time.time() + timeout
            while json.dumps(value, sort_keys=True) not in seen:
                if time.time() > deadline:
                    pytest.fail(f"no {value} from the load threads in {timeout} s")
                time.sleep(0.02)

        threads = [threading.Thread(target=load) for _ in range(3)]
        for t in threads:
            t.start()
        wait_seen({"v": 1})  # the old code serving under load
        tmp = tmp_path / "next.so"
        shutil.copy(os.path.join(HANDLERS, "libtest_reload_v2.so"), tmp)
        os.replace(tmp, lib)  # an atomic rebuild, as a linker's output rename
        wait_seen({"version": 2})  # the new code, with the load still on
        stop.set()
        for t in threads:
            t.join()
        assert errors == []
        assert invoke(client, "reload")[1] == {"version": 2}
        assert json.dumps({"v": 1}) in seen and json.dumps({"version": 2}) in seen

        # A broken rebuild: one invocation reports it, the old code keeps serving.
        shutil.copy(os.path.join(HANDLERS, "libtest_no_abi.so"), tmp)
        os.replace(tmp, lib)
        r, body = invoke(client, "reload")
        assert r["FunctionError"] == "Unhandled"
        assert body["errorType"] == "Runtime.InvalidEntrypoint"
        assert invoke(client, "reload")[1] == {"version": 2}
    finally:
        assert s.stop() == 0


@pytest.mark.parametrize("name,function,fragment", [
    ("missing_library", "  - name: f1\n    library: /nonexistent/libx.so\n", "function f1: library /nonexistent/libx.so"),
    ("missing_symbol", f"  - name: f2\n    library: {LIB}\n    handler: no_such_symbol\n", "does not export the handler symbol 'no_such_symbol'"),
    ("not_a_handler_library", f"  - name: f3\n    library: {os.path.join(HANDLERS, 'libtest_no_abi.so')}\n", "lowcloud_abi_version"),
])
def test_startup_errors_name_the_function_and_path(tmp_path, name, function, fragment):
    path = manifest(tmp_path, "functions:\n" + function)
    proc = subprocess.run([BIN, "serve", "--port", "0", "--in-memory", "--config", path], capture_output=True, text=True, timeout=20)
    assert proc.returncode != 0
    assert fragment in proc.stderr


@pytest.mark.parametrize("name,function,fragment", [
    ("unknown_key", f"  - name: f\n    library: {LIB}\n    timout: 3\n", "lowcloud.yaml:4: functions[0].timout: unknown key"),
    ("timeout_out_of_range", f"  - name: f\n    library: {LIB}\n    timeout: 901\n", "functions[0].timeout: must be between 1 and 900"),
    ("bad_isolation", f"  - name: f\n    library: {LIB}\n    isolation: docker\n", "'docker' is not one of: process, in-process"),
    ("missing_library_key", "  - name: f\n", "functions[0].library: required key is missing"),
])
def test_manifest_errors(tmp_path, name, function, fragment):
    path = manifest(tmp_path, "functions:\n" + function)
    proc = subprocess.run([BIN, "serve", "--port", "0", "--in-memory", "--config", path], capture_output=True, text=True, timeout=20)
    assert proc.returncode == 2
    assert fragment in proc.stderr


def test_idle_environments_are_reaped(tmp_path):
    path = manifest(tmp_path, "functions:\n" + fn("counter", "counter_handler"))
    s = Server(["--in-memory", "--log-level", "warn", "--lambda-idle-timeout", "1", "--config", path])
    try:
        client = lambda_client(s.url)
        first = invoke(client, "counter")[1]

        def environments():
            with urllib.request.urlopen(s.url + "/_lowcloud/health") as resp:
                return json.load(resp)["services"]["lambda"]["functions"]["counter"]["environments"]

        assert environments() == 1
        deadline = time.time() + 30  # idle after 1 s, reaped at the next tick (every 2 s at most)
        while time.time() < deadline and environments() != 0:
            time.sleep(0.1)
        assert environments() == 0
        again = invoke(client, "counter")[1]
        assert again["calls"] == 1 and again["pid"] != first["pid"]  # a cold start
    finally:
        assert s.stop() == 0


def test_event_invocations_are_retried_twice_on_error(lam_server, lam):
    marker = "retry-%d" % time.time_ns()
    r = lam.invoke(FunctionName="fail", InvocationType="Event", Payload=json.dumps({"message": marker}).encode())
    request_id = r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    deadline = time.time() + 30
    starts = []
    while time.time() < deadline:
        with urllib.request.urlopen(lam_server.url + "/_lowcloud/lambda/fail/logs") as resp:
            starts = [l for l in json.load(resp)["lines"] if l.startswith("START RequestId: " + request_id)]
        if len(starts) >= 3:
            break
        time.sleep(0.1)
    assert len(starts) == 3
