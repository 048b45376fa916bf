"""Lambda runtimes for zip packages: Python (python3.12, and python3.8 on the
machine's python3: a version mismatch is only a warning), Node.js 20
(CommonJS async, ES module, callback handlers), provided.al2023 with a bash
`bootstrap` on curl, a third-party runtime client (AWS's aws-lambda-ric from
npm, which accepts AWS_LAMBDA_RUNTIME_API only as bare host:port), and
native handlers packaged by `lowcloud package`.

Each runtime goes through create -> invoke -> update code -> publish ->
alias -> update again -> invoke by alias (the version's code) -> delete; then
the context, logs (--log-type Tail), errors, init errors, environment,
AWS SDK calls from inside a function, and a restart on the same --data-dir.

AWS behaviour checked here and its source:
- Python: context fields and memory_limit_in_mb being a string, the error
  payload {errorMessage, errorType, requestId, stackTrace}, "[ERROR] Type:
  message" in the log, logging's "[LEVEL]\\tTIME\\tREQUEST_ID\\tmessage" format
  (awslambdaric: bootstrap.py, lambda_context.py);
- Node.js: context (memoryLimitInMB a string), console lines
  "TIME\\tREQUEST_ID\\tLEVEL\\tmessage", errors {errorType, errorMessage,
  trace}, Runtime.ImportModuleError / Runtime.HandlerNotFound ("index.nope is
  undefined or not exported") / Runtime.MalformedHandlerName ("Bad handler")
  (aws-lambda-nodejs-runtime-interface-client, aws-lambda-ric 4.0.2 on npm);
- custom runtimes: the Runtime API paths and headers (AWS's bash tutorial
  bootstrap, aws-lambda-cpp); aws-lambda-ric parses AWS_LAMBDA_RUNTIME_API as
  exactly `host:port` and its native client (aws-lambda-cpp on libcurl)
  needs a Content-Type on /invocation/next;
- START / END / REPORT lines: CloudWatch's format, as test_lambda.py.
"""
import dataclasses
import io
import os
import re
import subprocess
import urllib.request
import zipfile
from typing import Callable

import pytest

from conftest import BIN, REPO, Server, client
from lambda_util import (RELOAD_V2_LIB, ROLE, TEST_LIB, assert_error, code_sha256, configuration, function_arn,
                         invoke, lambda_client, log_lines, make_zip, python_code, request_id, service_error, unique)

LOG_STREAM = r"\d{4}/\d{2}/\d{2}/\[(\$LATEST|\d+)\][0-9a-f]{32}"
ISO_MS = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"
HOST_PORT = r"[A-Za-z0-9.\-]+:\d{1,5}"


@pytest.fixture(scope="module")
def lam_server():
    s = Server(["--in-memory", "--log-level", "warn"])
    yield s
    assert s.stop() == 0, s.log()


@pytest.fixture(scope="module")
def lam(lam_server):
    return lambda_client(lam_server.url)


# --- function code per runtime ---------------------------------------------------

def node_body(version, tag):
    return (f'console.log("node v{version} handling %j", event);\n'
            f'  return {{ version: {version}, event, runtime: "{tag}",\n'
            '    env: Object.fromEntries((event.env || []).map((n) => [n, process.env[n] ?? null])) };')


def node_commonjs(version):
    return {"index.js": f"exports.handler = async (event, context) => {{\n  {node_body(version, 'commonjs')}\n}};\n"}


def node_esm(version):
    return {"index.mjs": f"export const handler = async (event, context) => {{\n  {node_body(version, 'esm')}\n}};\n"}


def node_callback(version):
    body = node_body(version, "callback").replace("return ", "const result = ")
    return {"index.js": ("exports.handler = (event, context, callback) => {\n"
                         f"  {body}\n  setTimeout(() => callback(null, result), 5);\n}};\n")}


BASH_BOOTSTRAP = r'''#!/bin/bash
# A custom runtime as AWS's tutorial writes one: curl on the Runtime API.
set -uo pipefail
API_ADDRESS="$AWS_LAMBDA_RUNTIME_API"
if ! [[ "$API_ADDRESS" =~ ^[A-Za-z0-9.-]+:[0-9]+$ ]]; then
  echo "AWS_LAMBDA_RUNTIME_API is not host:port: $API_ADDRESS" >&2
  curl -sS -X POST "http://$API_ADDRESS/2018-06-01/runtime/init/error" \
       -H "Lambda-Runtime-Function-Error-Type: Runtime.BadRuntimeApi" \
       -d "{\"errorMessage\": \"AWS_LAMBDA_RUNTIME_API is not host:port: $API_ADDRESS\", \"errorType\": \"Runtime.BadRuntimeApi\"}"
  exit 1
fi
source "$LAMBDA_TASK_ROOT/${_HANDLER%%.*}.sh"
HANDLER_FUNCTION="${_HANDLER#*.}"
API="http://$API_ADDRESS/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT_DATA=$(curl -sS -LD "$HEADERS" "$API/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  rm -f "$HEADERS"
  if RESPONSE=$("$HANDLER_FUNCTION" "$EVENT_DATA"); then
    curl -sS -X POST "$API/invocation/$REQUEST_ID/response" -d "$RESPONSE" > /dev/null
  else
    curl -sS -X POST "$API/invocation/$REQUEST_ID/error" -H "Lambda-Runtime-Function-Error-Type: BashError" \
         -d '{"errorMessage": "bash handler failed", "errorType": "BashError"}' > /dev/null
  fi
done
'''


def bash_runtime(version):
    function = f'''handler() {{
  local event="$1"
  echo "bash v{version} handling $event" >&2
  local fail_re='"fail":[[:space:]]*true'
  if [[ "$event" =~ $fail_re ]]; then return 1; fi
  printf '{{"version": {version}, "event": %s, "runtime": "bash", "handler": "%s", "runtime_api": "%s"}}' \\
    "$event" "$_HANDLER" "$AWS_LAMBDA_RUNTIME_API"
}}
'''
    return {"bootstrap": BASH_BOOTSTRAP, "function.sh": function}


def find_aws_lambda_ric():
    """The node_modules folder of an npm prefix holding aws-lambda-ric with
    its native client built: $LOWCLOUD_AWS_LAMBDA_RIC (the prefix), else
    test-deps/ beside the binary or in build/."""
    prefixes = [os.environ.get("LOWCLOUD_AWS_LAMBDA_RIC"), os.path.join(os.path.dirname(BIN), "test-deps"),
                os.path.join(REPO, "build", "test-deps"), "/opt/lowcloud-test-deps"]
    for prefix in filter(None, prefixes):
        package = os.path.join(prefix, "node_modules", "aws-lambda-ric")
        if all(os.path.exists(os.path.join(package, f)) for f in ("index.mjs", "rapid-client.node", "package.json")):
            return os.path.join(prefix, "node_modules")
    return None


AWS_LAMBDA_RIC = find_aws_lambda_ric()
RIC_MISSING = ("aws-lambda-ric (npm) is not installed: `npm_config_nodedir=/usr npm install --prefix build/test-deps "
               "aws-lambda-ric@4.0.2` (builds its native client with cmake and g++), or point "
               "LOWCLOUD_AWS_LAMBDA_RIC at an npm prefix that has it")


def ric_runtime(version):
    """AWS's Node.js runtime interface client shipped inside the zip, started by
    a bootstrap: the way a provided.al2023 function brings its own runtime."""
    files = {"bootstrap": '#!/bin/sh\nexec node "$LAMBDA_TASK_ROOT/node_modules/aws-lambda-ric/index.mjs"\n',
             "index.mjs": f"export const handler = async (event, context) => {{\n  {node_body(version, 'aws-lambda-ric')}\n}};\n"}
    for f in ("index.mjs", "rapid-client.node", "package.json"):
        with open(os.path.join(AWS_LAMBDA_RIC, "aws-lambda-ric", f), "rb") as src:
            files[f"node_modules/aws-lambda-ric/{f}"] = src.read()
    return files


@dataclasses.dataclass
class Runtime:
    runtime: str
    handler: str
    code: Callable[[int], dict]
    executables: tuple = ()
    skip: str = ""

    def package(self, version):
        return make_zip(self.code(version), executables=self.executables)


RUNTIMES = {
    "python3.12": Runtime("python3.12", "lambda_function.handler", python_code),
    "python3.8": Runtime("python3.8", "lambda_function.handler", python_code),
    "nodejs20.x-commonjs": Runtime("nodejs20.x", "index.handler", node_commonjs),
    "nodejs20.x-esm": Runtime("nodejs20.x", "index.handler", node_esm),
    "nodejs20.x-callback": Runtime("nodejs20.x", "index.handler", node_callback),
    "provided.al2023-bash": Runtime("provided.al2023", "function.handler", bash_runtime, ("bootstrap",)),
    "provided.al2023-aws-lambda-ric": Runtime("provided.al2023", "index.handler", ric_runtime,
                                              ("bootstrap", "node_modules/aws-lambda-ric/rapid-client.node"),
                                              "" if AWS_LAMBDA_RIC else RIC_MISSING),
}


def create(lam, name, spec, version=1, **kw):
    package = spec.package(version)
    r = lam.create_function(FunctionName=name, Runtime=spec.runtime, Role=ROLE, Handler=spec.handler,
                            Code={"ZipFile": package}, **kw)
    return r, package


def version_of(body):
    assert isinstance(body, dict) and "version" in body, body
    return body["version"]


@pytest.mark.parametrize("kind", list(RUNTIMES))
def test_runtime_lifecycle_create_update_publish_alias_delete(lam, kind):
    spec = RUNTIMES[kind]
    # The README's test command installs it (tools/install-test-deps.sh): a
    # missing third-party client is a failure, never a skip.
    assert not spec.skip, spec.skip
    name = unique(kind.replace(".", "-"))
    created, _ = create(lam, name, spec)
    assert created["State"] == "Active" and created["Runtime"] == spec.runtime

    response, body = invoke(lam, name, {"n": 1})
    assert "FunctionError" not in response, body
    assert body["version"] == 1 and body["event"] == {"n": 1}
    assert response["ExecutedVersion"] == "$LATEST"

    lam.update_function_code(FunctionName=name, ZipFile=spec.package(2))
    assert version_of(invoke(lam, name, {"n": 2})[1]) == 2  # the very next call runs the new code

    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    lam.create_alias(FunctionName=name, Name="stable", FunctionVersion="1")
    lam.update_function_code(FunctionName=name, ZipFile=spec.package(3))

    assert version_of(invoke(lam, name)[1]) == 3
    response, body = invoke(lam, name, {"n": 4}, Qualifier="stable", LogType="Tail")
    assert version_of(body) == 2 and body["event"] == {"n": 4}
    assert response["ExecutedVersion"] == "1"
    assert f"START RequestId: {request_id(response)} Version: 1" in log_lines(response)
    assert version_of(invoke(lam, name, Qualifier="1")[1]) == 2
    assert version_of(invoke(lam, name)[1]) == 3

    assert lam.delete_function(FunctionName=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert_error(service_error(lambda: invoke(lam, name)), "ResourceNotFoundException", 404,
                 f"Function not found: {function_arn(name)}")


# --- the custom runtime's view ------------------------------------------------------

def test_provided_runtime_gets_bare_host_port_and_handler(lam):
    name = unique("bash-env")
    create(lam, name, RUNTIMES["provided.al2023-bash"])
    response, body = invoke(lam, name, {"hello": "bash"}, LogType="Tail")
    assert "FunctionError" not in response, body
    assert re.fullmatch(HOST_PORT, body["runtime_api"]), body["runtime_api"]
    assert body["handler"] == "function.handler"
    assert body["event"] == {"hello": "bash"}
    assert 'bash v1 handling {"hello": "bash"}' in log_lines(response)


def test_provided_runtime_error_is_passed_through(lam):
    name = unique("bash-error")
    create(lam, name, RUNTIMES["provided.al2023-bash"])
    response, body = invoke(lam, name, {"fail": True})
    assert response["FunctionError"] == "Unhandled"
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amz-function-error"] == "Unhandled"
    assert body == {"errorMessage": "bash handler failed", "errorType": "BashError"}
    assert version_of(invoke(lam, name, {"fail": False})[1]) == 1  # the environment goes on


def test_provided_runtime_without_an_executable_bootstrap_fails_the_invocation(lam):
    name = unique("no-bootstrap")
    lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler="function.handler",
                        Code={"ZipFile": make_zip(bash_runtime(1))})  # bootstrap without its x bit
    response, body = invoke(lam, name)
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"].startswith("Runtime.")  # AWS: Runtime.InvalidEntrypoint


# --- Python ------------------------------------------------------------------------

PY_CONTEXT = '''
def handler(event, context):
    return {"aws_request_id": context.aws_request_id, "function_name": context.function_name,
            "function_version": context.function_version, "memory_limit_in_mb": context.memory_limit_in_mb,
            "invoked_function_arn": context.invoked_function_arn, "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name, "remaining": context.get_remaining_time_in_millis()}
'''


def test_python_context(lam):
    name = unique("py-context")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="ctx.handler", Timeout=7,
                        MemorySize=256, Code={"ZipFile": make_zip({"ctx.py": PY_CONTEXT})})
    response, ctx = invoke(lam, name)
    assert ctx["aws_request_id"] == request_id(response)
    assert ctx["function_name"] == name and ctx["function_version"] == "$LATEST"
    assert ctx["memory_limit_in_mb"] == "256"  # a string, as awslambdaric reads it from the environment
    assert ctx["invoked_function_arn"] == function_arn(name)
    assert ctx["log_group_name"] == f"/aws/lambda/{name}"
    assert re.fullmatch(LOG_STREAM, ctx["log_stream_name"])
    assert 0 < ctx["remaining"] <= 7000
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    _, ctx = invoke(lam, name, Qualifier="live")
    assert ctx["invoked_function_arn"] == function_arn(name, "live") and ctx["function_version"] == "1"


PY_LOGS = '''import logging
import sys

logger = logging.getLogger()
logger.setLevel(logging.INFO)
print("printed at init")


def handler(event, context):
    print("printed line")
    print("to stderr", file=sys.stderr)
    logger.info("logged line")
    return "ok"
'''


def test_python_print_and_logging_go_to_the_invocation_log(lam):
    name = unique("py-logs")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="logs.handler",
                        Code={"ZipFile": make_zip({"logs.py": PY_LOGS})})
    for _ in range(2):  # cold, then warm
        response, body = invoke(lam, name, LogType="Tail")
        assert body == "ok"
        rid, lines = request_id(response), log_lines(response)
        start = lines.index(f"START RequestId: {rid} Version: $LATEST")
        assert lines.index("printed line") > start
        assert "to stderr" in lines
        assert any(re.fullmatch(rf"\[INFO\]\t{ISO_MS}\t{rid}\tlogged line", line) for line in lines), lines
        assert f"END RequestId: {rid}" in lines
        report = next(line for line in lines if line.startswith(f"REPORT RequestId: {rid}"))
        for field in ("\tDuration: ", "\tBilled Duration: ", "\tMemory Size: 128 MB", "\tMax Memory Used: "):
            assert field in report
    assert "printed at init" not in lines  # init output belongs to the cold start only


PY_ERRORS = '''class WatchNotFound(Exception):
    pass


def handler(event, context):
    if event.get("custom"):
        raise WatchNotFound("no such watch")
    raise ValueError("boom")
'''


def test_python_function_error(lam):
    name = unique("py-error")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="lambda_function.handler",
                        Code={"ZipFile": make_zip({"lambda_function.py": PY_ERRORS})})
    response, body = invoke(lam, name, LogType="Tail")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amz-function-error"] == "Unhandled"
    assert body["errorType"] == "ValueError" and body["errorMessage"] == "boom"
    assert isinstance(body["stackTrace"], list) and body["stackTrace"]
    frame = next(f for f in body["stackTrace"] if "lambda_function.py" in f)
    assert "in handler" in frame and 'raise ValueError("boom")' in frame
    assert any(line.startswith("[ERROR] ValueError: boom") for line in log_lines(response))
    _, body = invoke(lam, name, {"custom": True})
    assert body["errorType"] == "WatchNotFound" and body["errorMessage"] == "no such watch"


PY_DYNAMODB = '''import boto3


def handler(event, context):
    table = boto3.resource("dynamodb").Table(event["table"])
    seeded = table.get_item(Key={"id": "seeded"}, ConsistentRead=True)["Item"]
    table.put_item(Item={"id": event["id"], "n": 41, "note": "from lambda"})
    table.update_item(Key={"id": event["id"]}, UpdateExpression="SET n = n + :one",
                      ExpressionAttributeValues={":one": 1})
    item = table.get_item(Key={"id": event["id"]}, ConsistentRead=True)["Item"]
    return {"n": int(item["n"]), "note": item["note"], "seeded": seeded["note"],
            "endpoint": table.meta.client.meta.endpoint_url}
'''


def test_python_handler_reads_and_writes_dynamodb_without_an_endpoint_in_its_code(lam_server, lam):
    ddb = client("dynamodb", lam_server.url)
    table = unique("watches")
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName=table, Item={"id": {"S": "seeded"}, "note": {"S": "from the test"}})
    name = unique("py-ddb")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="lambda_function.handler",
                        Timeout=30, Code={"ZipFile": make_zip({"lambda_function.py": PY_DYNAMODB})})
    response, body = invoke(lam, name, {"table": table, "id": "w-1"})
    assert "FunctionError" not in response, body
    assert body["n"] == 42 and body["note"] == "from lambda" and body["seeded"] == "from the test"
    assert body["endpoint"].rstrip("/") == lam_server.url
    item = ddb.get_item(TableName=table, Key={"id": {"S": "w-1"}}, ConsistentRead=True)["Item"]
    assert item == {"id": {"S": "w-1"}, "n": {"N": "42"}, "note": {"S": "from lambda"}}


@pytest.mark.parametrize("kind", ["python3.12", "nodejs20.x-commonjs"])
def test_environment_variables_reach_the_handler(lam, kind):
    spec = RUNTIMES[kind]
    name = unique(kind.replace(".", "-") + "-env")
    create(lam, name, spec, Environment={"Variables": {"GREETING": "hello", "TABLE": "watches"}}, MemorySize=256)
    names = ["GREETING", "TABLE", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
             "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV", "_HANDLER",
             "LAMBDA_TASK_ROOT", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_ACCESS_KEY_ID", "AWS_ENDPOINT_URL"]
    _, body = invoke(lam, name, {"env": names})
    env = body["env"]
    assert env["GREETING"] == "hello" and env["TABLE"] == "watches"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name and env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_EXECUTION_ENV"] == f"AWS_Lambda_{spec.runtime}"
    assert env["_HANDLER"] == spec.handler
    assert env["LAMBDA_TASK_ROOT"] and env["AWS_ACCESS_KEY_ID"] and env["AWS_ENDPOINT_URL"]
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{name}"
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"GREETING": "bonjour"}})
    env = invoke(lam, name, {"env": ["GREETING", "TABLE"]})[1]["env"]
    assert env == {"GREETING": "bonjour", "TABLE": None}


def test_python_version_mismatch_is_only_a_warning(lam_server, lam):
    # The machine has one python3 (Debian 12: 3.11); python3.8 runs on it.
    name = unique("py38")
    create(lam, name, RUNTIMES["python3.8"])
    assert version_of(invoke(lam, name)[1]) == 1
    lam.update_function_configuration(FunctionName=name, Description="a new environment")
    response, body = invoke(lam, name)
    assert "FunctionError" not in response and body["version"] == 1
    warnings = [line for line in lam_server.log().splitlines() if "python3.8" in line and name in line]
    assert len(warnings) <= 1, warnings  # once, not per environment


def test_init_duration_excludes_reading_the_interpreters_version(tmp_path):
    # lowcloud reads python3's version once per server (a pyenv shim takes
    # ~50 ms); a first invocation waits for it, but REPORT's Init Duration is
    # the runtime's own start, as on AWS (it counted the wait before). This
    # shim makes that read take 3 s and runs the interpreter at once otherwise.
    shim = tmp_path / "python3"
    shim.write_text('#!/bin/sh\nif [ "$1" = "-S" ]; then sleep 3; fi\nexec /usr/bin/python3 "$@"\n')
    shim.chmod(0o755)
    server = Server(["--in-memory", "--log-level", "warn"], env={**os.environ, "LOWCLOUD_PYTHON": str(shim)})
    try:
        lam = lambda_client(server.url)
        name = unique("py-init")
        create(lam, name, RUNTIMES["python3.12"])
        response, body = invoke(lam, name, LogType="Tail")
        assert version_of(body) == 1
        report = log_lines(response)[-1]
        init_ms = float(re.search(r"Init Duration: ([0-9.]+) ms", report).group(1))
        assert init_ms < 3000, report
    finally:
        assert server.stop() == 0, server.log()


# --- Node.js -----------------------------------------------------------------------

NODE_CONTEXT = '''exports.handler = async (event, context) => ({
  awsRequestId: context.awsRequestId, functionName: context.functionName,
  functionVersion: context.functionVersion, memoryLimitInMB: context.memoryLimitInMB,
  invokedFunctionArn: context.invokedFunctionArn, logGroupName: context.logGroupName,
  logStreamName: context.logStreamName, remaining: context.getRemainingTimeInMillis(),
});
'''


def test_node_context(lam):
    name = unique("node-context")
    lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler", Timeout=7,
                        MemorySize=256, Code={"ZipFile": make_zip({"index.js": NODE_CONTEXT})})
    response, ctx = invoke(lam, name)
    assert ctx["awsRequestId"] == request_id(response)
    assert ctx["functionName"] == name and ctx["functionVersion"] == "$LATEST"
    assert ctx["memoryLimitInMB"] == "256"  # a string, as the runtime reads it from the environment
    assert ctx["invokedFunctionArn"] == function_arn(name)
    assert ctx["logGroupName"] == f"/aws/lambda/{name}"
    assert re.fullmatch(LOG_STREAM, ctx["logStreamName"])
    assert 0 < ctx["remaining"] <= 7000


NODE_LOGS = '''exports.handler = async (event) => {
  console.log("logged %s", "line");
  console.error("an error line");
  return "ok";
};
'''


def test_node_console_goes_to_the_invocation_log(lam):
    name = unique("node-logs")
    lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": make_zip({"index.js": NODE_LOGS})})
    response, body = invoke(lam, name, LogType="Tail")
    assert body == "ok"
    rid, lines = request_id(response), log_lines(response)
    assert f"START RequestId: {rid} Version: $LATEST" in lines
    assert any(re.fullmatch(rf"{ISO_MS}\t{rid}\tINFO\tlogged line", line) for line in lines), lines
    assert any(re.fullmatch(rf"{ISO_MS}\t{rid}\tERROR\tan error line", line) for line in lines), lines
    assert f"END RequestId: {rid}" in lines
    assert any(line.startswith(f"REPORT RequestId: {rid}\tDuration: ") for line in lines)


NODE_ERRORS = '''class WatchNotFound extends Error {
  constructor(message) { super(message); this.name = "WatchNotFound"; }
}
exports.handler = async (event) => {
  if (event.custom) throw new WatchNotFound("no such watch");
  throw new Error("boom");
};
exports.callback = (event, context, callback) => callback(new Error("callback boom"));
'''


def test_node_function_errors(lam):
    name = unique("node-error")
    lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": make_zip({"index.js": NODE_ERRORS})})
    response, body = invoke(lam, name)
    assert response["FunctionError"] == "Unhandled"
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amz-function-error"] == "Unhandled"
    assert body["errorType"] == "Error" and body["errorMessage"] == "boom"
    assert body["trace"][0] == "Error: boom" and any("index.js" in t for t in body["trace"])
    _, body = invoke(lam, name, {"custom": True})
    assert body["errorType"] == "WatchNotFound" and body["errorMessage"] == "no such watch"
    assert body["trace"][0] == "WatchNotFound: no such watch"
    lam.update_function_configuration(FunctionName=name, Handler="index.callback")
    response, body = invoke(lam, name)
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Error" and body["errorMessage"] == "callback boom"


@pytest.mark.parametrize("handler,error_type,fragment", [
    ("nofile.handler", "Runtime.ImportModuleError", "Cannot find module 'nofile'"),
    ("index.nope", "Runtime.HandlerNotFound", "index.nope is undefined or not exported"),
    ("nodot", "Runtime.MalformedHandlerName", "Bad handler"),
], ids=["missing-file", "missing-export", "malformed-handler"])
def test_node_handler_that_cannot_load_fails_with_the_init_error(lam, handler, error_type, fragment):
    name = unique("node-init-error")
    r = lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler=handler,
                            Code={"ZipFile": make_zip(node_commonjs(1))})
    assert r["State"] == "Active"
    response, body = invoke(lam, name)
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == error_type
    assert fragment in body["errorMessage"]
    lam.update_function_configuration(FunctionName=name, Handler="index.handler")
    assert version_of(invoke(lam, name)[1]) == 1


# --- native handlers packaged by `lowcloud package` -------------------------------

def lowcloud_package(out, library):
    r = subprocess.run([BIN, "package", "-o", str(out), library], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return out.read_bytes()


@pytest.fixture(scope="module")
def native_packages(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("native")
    return {"echo": lowcloud_package(tmp / "echo.zip", TEST_LIB),
            "v2": lowcloud_package(tmp / "v2.zip", RELOAD_V2_LIB)}


def test_lowcloud_package_makes_a_provided_zip_with_bootstrap_and_library(native_packages):
    archive = zipfile.ZipFile(io.BytesIO(native_packages["echo"]))
    names = archive.namelist()
    assert "bootstrap" in names
    assert (archive.getinfo("bootstrap").external_attr >> 16) & 0o111, "bootstrap must be executable"
    assert any(os.path.basename(n) == "libtest_handlers.so" for n in names), names
    assert archive.testzip() is None


def test_native_function_from_lowcloud_package(lam, native_packages):
    name = unique("native")
    r = lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE, MemorySize=256,
                            Handler="libtest_handlers.so:echo_handler", Code={"ZipFile": native_packages["echo"]})
    assert r["State"] == "Active" and r["CodeSha256"] == code_sha256(native_packages["echo"])
    response, body = invoke(lam, name, {"watch": "CV2115.FC6186", "n": [1, 2]}, LogType="Tail")
    assert "FunctionError" not in response, body
    assert body == {"watch": "CV2115.FC6186", "n": [1, 2]}
    assert f"START RequestId: {request_id(response)} Version: $LATEST" in log_lines(response)

    lam.update_function_configuration(FunctionName=name, Handler="libtest_handlers.so:context_handler")
    _, ctx = invoke(lam, name)
    assert ctx["function_name"] == name and ctx["memory_mb"] == 256

    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="stable", FunctionVersion="1")
    lam.update_function_code(FunctionName=name, ZipFile=native_packages["v2"])
    lam.update_function_configuration(FunctionName=name, Handler="libtest_reload_v2.so:handler")
    assert invoke(lam, name)[1] == {"version": 2}
    assert invoke(lam, name, Qualifier="stable")[1]["function_name"] == name

    response, body = invoke(lam, name, Qualifier="1")
    assert response["ExecutedVersion"] == "1" and body["function_name"] == name
    lam.delete_function(FunctionName=name)
    assert_error(service_error(lambda: invoke(lam, name)), "ResourceNotFoundException", 404)


def elf_files(package, tmp_path):
    archive = zipfile.ZipFile(io.BytesIO(package))
    found = {}
    for info in archive.infolist():
        data = archive.read(info)
        if data[:4] == b"\x7fELF":
            path = tmp_path / info.filename.replace("/", "__")
            path.write_bytes(data)
            found[info.filename] = path
    return found


def test_packaged_binaries_need_glibc_2_34_at_most_and_no_libstdcxx_symbols(native_packages, tmp_path):
    # Amazon Linux 2023 has glibc 2.34; libstdc++ is linked in statically.
    elves = elf_files(native_packages["echo"], tmp_path)
    assert "bootstrap" in elves and any(n.endswith("libtest_handlers.so") for n in elves), list(elves)
    for name, path in elves.items():
        symbols = subprocess.run(["objdump", "-T", str(path)], capture_output=True, text=True, check=True).stdout
        versions = set(re.findall(r"\b((?:GLIBC|GLIBCXX|CXXABI)_\d+(?:\.\d+)*)\b", symbols))
        too_new = sorted(v for v in versions
                         if v.startswith("GLIBC_") and tuple(int(x) for x in v[6:].split(".")) > (2, 34))
        cxx = sorted(v for v in versions if not v.startswith("GLIBC_"))
        assert not too_new, f"{name} needs {too_new}"
        assert not cxx, f"{name} needs libstdc++: {cxx}"


def test_packaged_binaries_need_only_base_system_libraries(native_packages, tmp_path):
    base = {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libgcc_s.so.1",
            "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"}
    for name, path in elf_files(native_packages["echo"], tmp_path).items():
        headers = subprocess.run(["objdump", "-p", str(path)], capture_output=True, text=True, check=True).stdout
        needed = set(re.findall(r"^\s*NEEDED\s+(\S+)", headers, re.MULTILINE))
        assert needed <= base, f"{name} needs {sorted(needed - base)}"


# --- a restart on the same data directory -------------------------------------------

def test_functions_versions_and_aliases_survive_a_restart(start_server, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    s = start_server("--data-dir", str(data), "--log-level", "warn", cwd=str(tmp_path))
    lam = lambda_client(s.url)
    kinds = ["python3.12", "nodejs20.x-esm", "provided.al2023-bash"]
    names, packages = {}, {}
    for kind in kinds:
        name = names[kind] = unique(kind.replace(".", "-") + "-restart")
        create(lam, name, RUNTIMES[kind], Tags={"kind": kind}, Environment={"Variables": {"KIND": kind}})
        lam.update_function_code(FunctionName=name, ZipFile=RUNTIMES[kind].package(2))
        lam.publish_version(FunctionName=name)
        lam.create_alias(FunctionName=name, Name="stable", FunctionVersion="1")
        packages[kind] = RUNTIMES[kind].package(3)
        lam.update_function_code(FunctionName=name, ZipFile=packages[kind])
        assert version_of(invoke(lam, name)[1]) == 3
    before = {kind: configuration(lam, names[kind]) for kind in kinds}
    assert s.stop() == 0, s.log()

    s2 = start_server("--data-dir", str(data), "--log-level", "warn", cwd=str(tmp_path))
    lam = lambda_client(s2.url)
    listed = {f["FunctionName"] for f in lam.list_functions()["Functions"]}
    for kind in kinds:
        name = names[kind]
        assert name in listed
        assert configuration(lam, name) == before[kind]
        assert version_of(invoke(lam, name)[1]) == 3
        response, body = invoke(lam, name, Qualifier="stable")
        assert version_of(body) == 2 and response["ExecutedVersion"] == "1"
        assert version_of(invoke(lam, name, Qualifier="1")[1]) == 2
        assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]] == ["$LATEST", "1"]
        assert lam.get_alias(FunctionName=name, Name="stable")["FunctionVersion"] == "1"
        assert lam.list_tags(Resource=function_arn(name))["Tags"] == {"kind": kind}
        with urllib.request.urlopen(lam.get_function(FunctionName=name)["Code"]["Location"], timeout=15) as resp:
            assert resp.read() == packages[kind]
        # and it can still change
        assert lam.publish_version(FunctionName=name)["Version"] == "2"
    assert s2.stop() == 0, s2.log()


def test_in_memory_server_forgets_functions(start_server, tmp_path):
    s = start_server("--in-memory", "--log-level", "warn", cwd=str(tmp_path))
    lam = lambda_client(s.url)
    name = unique("forgotten")
    create(lam, name, RUNTIMES["python3.12"])
    assert s.stop() == 0
    lam = lambda_client(start_server("--in-memory", "--log-level", "warn", cwd=str(tmp_path)).url)
    assert_error(service_error(lambda: lam.get_function(FunctionName=name)), "ResourceNotFoundException", 404)
    assert not os.path.exists(tmp_path / ".lowcloud"), "--in-memory must not write a data directory"


@pytest.mark.parametrize("spin", ["0", "10000"])
def test_python_runtime_with_and_without_polling(start_server, tmp_path, spin):
    # --spin-us reaches the runtime as LOWCLOUD_SPIN_US (absent when 0); the
    # runtime polls its socket that long before it blocks, and answers the same.
    s = start_server("--in-memory", "--log-level", "warn", "--spin-us", spin, cwd=str(tmp_path))
    lam = lambda_client(s.url)
    name = unique("py-spin")
    create(lam, name, RUNTIMES["python3.12"])
    for _ in range(3):
        env = invoke(lam, name, {"env": ["LOWCLOUD_SPIN_US", "AWS_LAMBDA_FUNCTION_NAME"]})[1]["env"]
        assert env == {"LOWCLOUD_SPIN_US": None if spin == "0" else spin, "AWS_LAMBDA_FUNCTION_NAME": name}
    assert s.stop() == 0, s.log()
