"""The foundation: one binary, one port, every service; CLI, manifest errors,
limits, malformed HTTP, logging and graceful shutdown, all against the real
binary over HTTP."""
import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import textwrap
import threading
import time

import botocore.exceptions
import pytest

from conftest import BIN, client, http_call, repo_manifest


request = http_call


def raw(server, data, read_until_close=True):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if not read_until_close:
                break
        return b"".join(chunks)


def test_health_reports_every_service(server):
    resp, data = request(server, "GET", "/_lowcloud/health")
    assert resp.status == 200
    assert resp.getheader("Content-Type") == "application/json"
    health = json.loads(data)
    assert health["status"] == "running"
    assert set(health["services"]) == {"dynamodb", "lambda", "apigateway", "iam"}
    assert all(s["status"] == "running" for s in health["services"].values())


def test_version_and_help_work_everywhere():
    for args in (["--version"], ["serve", "--version"]):
        out = subprocess.run([BIN, *args], capture_output=True, text=True, check=True).stdout
        assert out.startswith("lowcloud ")
    for args in (["--help"], ["serve", "--help"]):
        out = subprocess.run([BIN, *args], capture_output=True, text=True, check=True).stdout
        assert "Usage: lowcloud" in out
    assert "--in-memory" in subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True).stdout


def test_usage_error_exits_2():
    proc = subprocess.run([BIN, "serve", "--bogus"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "bogus" in proc.stderr


def test_request_nobody_owns_gets_an_aws_style_error(server):
    resp, data = request(server, "GET", "/no/such/thing")
    assert resp.status == 404
    assert resp.getheader("x-amzn-ErrorType") == "UnknownOperationException"
    assert resp.getheader("x-amzn-RequestId")
    assert "message" in json.loads(data)


def test_lambda_routes_answer_like_an_account_without_functions(server):
    lam = client("lambda", server.url)
    assert lam.list_functions()["Functions"] == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName="nope", Payload=b"{}")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert "function:nope" in e.value.response["Error"]["Message"]


def test_apigateway_routes_are_owned_by_the_gateway(server):
    resp, data = request(server, "GET", "/restapis/abc/dev/_user_request_/x")
    assert resp.status == 404
    resp, data = request(server, "GET", "/dev/x", headers={"Host": "abc.execute-api.localhost:%d" % server.port})
    assert resp.status == 404
    assert json.loads(data) == {"message": "Not Found"}


@pytest.mark.parametrize("name,payload", [
    ("garbage_request_line", b"HELLO WORLD\r\n\r\n"),
    ("bad_header_line", b"GET / HTTP/1.1\r\nthis is not a header\r\n\r\n"),
    ("bad_content_length", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
])
def test_malformed_http_gets_400_and_server_survives(server, name, payload):
    answer = raw(server, payload)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:80]
    resp, _ = request(server, "GET", "/_lowcloud/health")
    assert resp.status == 200


@pytest.mark.parametrize("name,headers,limit", [
    ("dynamodb_16mb", {"X-Amz-Target": "DynamoDB_20120810.PutItem"}, 16 * 1024 * 1024),
    ("lambda_6mb", {}, 6 * 1024 * 1024),
    ("apigateway_10mb", {}, 10 * 1024 * 1024),
])
def test_body_over_the_service_limit_gets_413(server, name, headers, limit):
    path = {"dynamodb_16mb": "/", "lambda_6mb": "/2015-03-31/functions/f/invocations",
            "apigateway_10mb": "/restapis/abc/dev/_user_request_/x"}[name]
    resp, data = request(server, "POST", path, body=b"x" * (limit + 1), headers=headers)
    assert resp.status == 413
    if name == "lambda_6mb":
        assert resp.getheader("x-amzn-ErrorType") == "RequestEntityTooLargeException"
    resp, _ = request(server, "GET", "/_lowcloud/health")
    assert resp.status == 200


def test_idle_keepalive_connection_is_reused(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for _ in range(3):
        conn.request("GET", "/_lowcloud/health")
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200
    conn.close()


def test_port_zero_prints_the_real_port(start_server):
    s = start_server("--in-memory")
    assert s.port > 0
    resp, _ = request(s, "GET", "/_lowcloud/health")
    assert resp.status == 200


def test_sigterm_exits_0(start_server):
    s = start_server("--in-memory")
    assert s.stop(signal.SIGTERM) == 0
    assert "shutting down" in s.log()


def test_sigint_exits_0(start_server):
    s = start_server("--in-memory")
    assert s.stop(signal.SIGINT) == 0


def test_sigterm_lets_in_flight_requests_finish(start_server):
    """Many clients hammer the server; SIGTERM arrives mid-loop; every request
    that got an answer got a whole one, and the exit code is 0."""
    s = start_server("--in-memory", "--log-level", "warn")
    stop = threading.Event()
    errors = []

    def hammer():
        while not stop.is_set():
            try:
                resp, data = request(s, "GET", "/_lowcloud/health")
                json.loads(data)
            except (ConnectionError, OSError, http.client.HTTPException):
                return  # refused after shutdown began: fine
            except ValueError as e:
                errors.append(e)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    assert s.stop(signal.SIGTERM) == 0
    stop.set()
    for t in threads:
        t.join()
    assert errors == []


def test_info_logs_one_line_per_request(start_server):
    s = start_server("--in-memory", "--log-level", "info")
    request(s, "GET", "/_lowcloud/health")
    s.stop()
    lines = [l for l in s.log().splitlines() if "lowcloud GET /_lowcloud/health 200" in l]
    assert len(lines) == 1 and lines[0].rstrip().endswith("us")


def test_warn_level_is_quiet(start_server):
    s = start_server("--in-memory", "--log-level", "warn")
    request(s, "GET", "/_lowcloud/health")
    s.stop()
    assert "/_lowcloud/health" not in s.log()


def manifest_error(tmp_path, text):
    path = tmp_path / "lowcloud.yaml"
    path.write_text(textwrap.dedent(text))
    proc = subprocess.run([BIN, "serve", "--port", "0", "--in-memory", "--config", str(path)],
                          capture_output=True, text=True, timeout=20)
    return proc


@pytest.mark.parametrize("name,text,fragment", [
    ("unknown_top_level_key", "tables: []\nfunctons: []\n", "lowcloud.yaml:2: functons: unknown key"),
    ("unknown_table_key", "tables:\n  - name: t1\n    key: {id: S}\n    biling_mode: PROVISIONED\n",
     "lowcloud.yaml:4: tables[0].biling_mode: unknown key"),
    ("ill_typed_table_key", "tables:\n  - name: t1\n    key: {id: X}\n", "lowcloud.yaml:3: tables[0].key.id: key type must be S, N or B"),
    ("section_not_a_list", "tables: {name: t}\n", "lowcloud.yaml:1: tables: expected a list"),
    ("invalid_yaml", "tables: [\n", "invalid YAML"),
])
def test_manifest_errors_name_file_line_and_key(tmp_path, name, text, fragment):
    proc = manifest_error(tmp_path, text)
    assert proc.returncode == 2, proc.stderr
    assert fragment in proc.stderr
    assert "listening on" not in proc.stdout


def test_repository_manifest_starts(start_server, tmp_path):
    (tmp_path / "lowcloud.yaml").write_text(repo_manifest())
    s = start_server("--in-memory", "--config", str(tmp_path / "lowcloud.yaml"))
    resp, data = request(s, "GET", "/_lowcloud/health")
    assert resp.status == 200
    health = json.loads(data)["services"]
    assert health["dynamodb"]["tables"] == 1 and set(health["apigateway"]["apis"]) == {"info", "image"}


def test_default_config_is_lowcloud_yaml_in_the_working_directory(tmp_path, start_server):
    (tmp_path / "lowcloud.yaml").write_text("tables:\n  - name: from_default\n    key: {id: S}\n")
    s = start_server("--in-memory", cwd=str(tmp_path))
    ddb = client("dynamodb", s.url)
    assert "from_default" in ddb.list_tables()["TableNames"]


def test_data_dir_default_is_dot_lowcloud(tmp_path, start_server):
    s = start_server(cwd=str(tmp_path))
    client("dynamodb", s.url).list_tables()
    s.stop()
    assert (tmp_path / ".lowcloud" / "dynamodb.sqlite3").exists()


def test_port_in_use_fails_with_exit_1(server):
    proc = subprocess.run([BIN, "serve", "--in-memory", "--port", str(server.port)], capture_output=True, text=True, timeout=20)
    assert proc.returncode == 1
    assert "cannot listen" in proc.stderr
