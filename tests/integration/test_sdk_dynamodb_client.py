"""The handlers' DynamoDB client (handlers/sdk/include/lowcloud/dynamodb.hpp),
driven through its test program `ddb_client_check` (handlers/sdk/tools/),
which the build puts next to the emulator as <build>/handlers/ddb_client_check.

Against a live lowcloud: the program runs a scenario (put, get, update,
conditional put, delete, query, scan, batch write, batch get, error cases)
and prints one JSON line per step; these tests check those lines and then
the table itself with boto3. Against a small fake HTTP server: the exact
request on the wire (AWS JSON 1.0, X-Amz-Target, the SigV4-shaped
Authorization) and how odd error answers become DynamoDBError.

Query, Scan and the batch operations skip, naming the reason, only while the
server answers UnknownOperationException for them.
"""
import hashlib
import hmac
import http.server
import json
import os
import re
import subprocess
import threading

import pytest

from conftest import BIN
from dynamodb_util import create_table, get

CHECK = os.path.join(os.path.dirname(os.path.abspath(BIN)), "handlers", "ddb_client_check")
# The environment the program runs in: no endpoint variables unless a test sets them.
BASE_ENV = {k: v for k, v in os.environ.items()
            if k not in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_REGION", "AWS_DEFAULT_REGION",
                         "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN")}


def run_check(*args, env=None):
    """Runs ddb_client_check; returns its JSON lines keyed by step."""
    if not os.path.exists(CHECK):
        pytest.fail(f"{CHECK} is missing: build the ddb_client_check target")
    proc = subprocess.run([CHECK, *args], env=dict(BASE_ENV, **(env or {})), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    steps = {}
    for line in proc.stdout.splitlines():
        obj = json.loads(line)
        steps[obj.pop("step")] = obj
    return steps


def call(endpoint, operation, request, env=None):
    return run_check("call", endpoint, operation, json.dumps(request), env=env)["call"]


def key(pk, sk):
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def succeeded(steps, name):
    """The step's line; skips while the server lacks the operation."""
    line = steps[name]
    if line.get("error") == "UnknownOperationException":
        pytest.skip(f"step {name!r}: the server does not implement this operation yet "
                    f"(UnknownOperationException: {line.get('message')})")
    assert "error" not in line, line
    return line


@pytest.fixture(scope="module")
def scenario(server, ddb):
    table = create_table(ddb, range_key=("sk", "S"))
    return table, run_check("scenario", server.url, table)


# ---- Against lowcloud ---------------------------------------------------------------

def test_put_then_get_reads_typed_attributes(scenario, ddb):
    table, steps = scenario
    assert steps["client"]["endpoint"].startswith("http://127.0.0.1:")
    assert steps["client"]["region"] == "us-east-1"
    assert steps["put"] == {"response": {}}
    assert steps["get"] == {"found": True, "name": "Seamaster", "price": "4200", "name_as_number": None}
    assert steps["get_missing"] == {"found": False}
    assert get(ddb, table, key("watch#404", "meta")) is None


def test_update_returns_new_values_and_changes_the_item(scenario, ddb):
    table, steps = scenario
    assert steps["update"] == {"attributes": {"price": {"N": "4000"}, "name": {"S": "Seamaster 300"}}}
    item = get(ddb, table, key("watch#1", "meta"))
    assert item["price"] == {"N": "4000"} and item["name"] == {"S": "Seamaster 300"}


def test_failed_condition_is_a_typed_error_with_the_body(scenario, ddb):
    table, steps = scenario
    line = steps["conditional_put_existing"]
    assert line["error"] == "ConditionalCheckFailedException"
    assert line["status"] == 400
    assert line["message"] == "The conditional request failed"
    assert line["body"]["__type"].endswith("#ConditionalCheckFailedException")
    # ReturnValuesOnConditionCheckFailure=ALL_OLD: the current item rides in the error body.
    assert line["body"]["Item"]["name"] == {"S": "Seamaster 300"}
    assert get(ddb, table, key("watch#1", "meta"))["name"] == {"S": "Seamaster 300"}


def test_conditional_put_of_a_new_item_then_delete(scenario, ddb):
    table, steps = scenario
    assert steps["conditional_put_new"] == {"response": {}}
    assert steps["delete"] == {"old_name": "Speedmaster"}
    assert get(ddb, table, key("watch#2", "meta")) is None


def test_service_errors_carry_type_status_and_message(scenario):
    _, steps = scenario
    missing = steps["missing_table"]
    assert (missing["error"], missing["status"], missing["message"]) == (
        "ResourceNotFoundException", 400, "Requested resource not found")
    bad = steps["bad_key"]
    assert (bad["error"], bad["status"]) == ("ValidationException", 400)
    assert bad["message"] == "The provided key element does not match the schema"


def test_client_side_errors(scenario):
    _, steps = scenario
    unreachable = steps["unreachable"]
    assert unreachable["error"] == "NetworkingError" and unreachable["status"] == 0 and unreachable["body"] is None
    assert "127.0.0.1:1" in unreachable["message"]
    https = steps["https_endpoint"]
    assert https["error"] == "ConfigurationError" and "only http://" in https["message"]


def test_query(scenario):
    _, steps = scenario
    line = succeeded(steps, "query")
    assert line == {"count": 3, "sks": ["log#3", "log#2", "log#1"]}


def test_scan(scenario):
    _, steps = scenario
    line = succeeded(steps, "scan")
    # At scan time the table holds watch#1/meta and its three log items.
    assert line == {"count": 3, "scanned": 4}


def test_batch_write_and_get(scenario, ddb):
    table, steps = scenario
    assert succeeded(steps, "batch_write") == {"unprocessed": {}}
    for i in (1, 2, 3):
        assert get(ddb, table, key(f"batch#{i}", "meta"))["n"] == {"N": str(i)}
    assert get(ddb, table, key("watch#1", "log#3")) is None
    line = succeeded(steps, "batch_get")
    assert sorted(line["ns"]) == ["1", "2", "3"]  # batch#4 does not exist
    assert line["unprocessed"] == {}


def test_endpoint_and_region_from_the_environment(server):
    out = call("-", "ListTables", {}, env={"AWS_ENDPOINT_URL": server.url, "AWS_DEFAULT_REGION": "eu-west-1"})
    assert out["endpoint"] == server.url and out["region"] == "eu-west-1"
    assert isinstance(out["response"]["TableNames"], list)
    # The service-specific variable wins over the general one; AWS_REGION over AWS_DEFAULT_REGION.
    out = call("-", "ListTables", {}, env={"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_DYNAMODB": server.url,
                                           "AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "eu-west-1"})
    assert out["endpoint"] == server.url and out["region"] == "ap-south-1"
    assert "TableNames" in out["response"]


def test_no_endpoint_configured():
    out = call("-", "ListTables", {})
    assert out["error"] == "ConfigurationError"
    assert out["message"].startswith("no DynamoDB endpoint configured")


def test_generic_call_reaches_any_operation(server, scenario):
    table, _ = scenario
    out = call(server.url, "DescribeTable", {"TableName": table})
    assert out["response"]["Table"]["TableName"] == table


# ---- Against a fake server: the wire --------------------------------------------------

class FakeDynamoDB:
    """Records requests and answers each with the next (status, headers, body)."""

    def __init__(self, answers):
        self.requests = []
        answers = list(answers)
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                      "body": body})
                status, headers, payload = answers.pop(0)
                payload = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake():
    servers = []

    def start(*answers):
        servers.append(FakeDynamoDB(answers))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def test_request_shape_on_the_wire(fake):
    srv = fake((200, {"Content-Type": "application/x-amz-json-1.0"}, {"Table": {"TableName": "t"}}))
    request = {"TableName": "t", "Note": "ünïcode"}
    out = call(srv.url, "DescribeTable", request,
               env={"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG", "AWS_REGION": "eu-central-1",
                    "AWS_SESSION_TOKEN": "tok"})
    assert out["response"] == {"Table": {"TableName": "t"}}
    (req,) = srv.requests
    h = req["headers"]
    assert req["path"] == "/"
    assert h["content-type"] == "application/x-amz-json-1.0"
    assert h["x-amz-target"] == "DynamoDB_20120810.DescribeTable"
    assert json.loads(req["body"]) == request
    assert re.fullmatch(r"\d{8}T\d{6}Z", h["x-amz-date"])
    assert h["x-amz-security-token"] == "tok"
    signed = "content-type;host;x-amz-date;x-amz-security-token;x-amz-target"
    prefix = (f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{h['x-amz-date'][:8]}/eu-central-1/dynamodb/aws4_request, "
              f"SignedHeaders={signed}, Signature=")
    assert h["authorization"].startswith(prefix)
    # A real SigV4 signature, recomputed here as AWS computes it.
    body = req["body"] if isinstance(req["body"], bytes) else req["body"].encode()
    canonical = "\n".join(["POST", "/", "", *[f"{n}:{h[n]}" for n in signed.split(";")], "", signed,
                           hashlib.sha256(body).hexdigest()])
    scope = f"{h['x-amz-date'][:8]}/eu-central-1/dynamodb/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", h["x-amz-date"], scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + "wJalrXUtnFEMI/K7MDENG").encode()
    for part in (h["x-amz-date"][:8], "eu-central-1", "dynamodb", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    assert h["authorization"] == prefix + hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def test_signed_calls_pass_lowcloud_auth_sigv4(start_server):
    s = start_server("--in-memory", "--auth", "sigv4", "--credentials", "AKIDSDK:sdk-secret")
    good = call(s.url, "ListTables", {}, env={"AWS_ACCESS_KEY_ID": "AKIDSDK", "AWS_SECRET_ACCESS_KEY": "sdk-secret"})
    assert "TableNames" in good["response"], good
    bad = call(s.url, "ListTables", {}, env={"AWS_ACCESS_KEY_ID": "AKIDSDK", "AWS_SECRET_ACCESS_KEY": "wrong"})
    assert bad["error"] == "InvalidSignatureException" and bad["status"] == 400


def test_base_path_of_the_endpoint_is_kept(fake):
    srv = fake((200, {}, {}))
    out = call(srv.url + "/ddb/", "ListTables", {})
    assert out["response"] == {}
    assert srv.requests[0]["path"] == "/ddb/"


@pytest.mark.parametrize("answer, expected", [
    # Capital-M Message, as some DynamoDB errors spell it.
    ((400, {}, {"__type": "com.amazon.coral.service#UnrecognizedClientException", "Message": "bad token"}),
     {"error": "UnrecognizedClientException", "status": 400, "message": "bad token"}),
    # No __type: the x-amzn-ErrorType header names it; a body that is not JSON is the message.
    ((503, {"x-amzn-ErrorType": "ServiceUnavailable:http://internal.amazon.com/coral/"}, b"try later"),
     {"error": "ServiceUnavailable", "status": 503, "message": "try later", "body": "try later"}),
    # Nothing to go on.
    ((500, {}, b""), {"error": "UnknownError", "status": 500, "message": "DynamoDB answered HTTP 500", "body": None}),
    # A 200 that is not a JSON object.
    ((200, {}, b"[1, 2]"), {"error": "InvalidResponseError", "status": 200, "body": [1, 2]}),
])
def test_error_answers_become_typed_errors(fake, answer, expected):
    srv = fake(answer)
    out = call(srv.url, "GetItem", {"TableName": "t", "Key": {}})
    for k, v in expected.items():
        assert out[k] == v, out
