"""Lambda's control plane on zip packages: CreateFunction, GetFunction (and the
zip behind Code.Location), ListFunctions with paging, UpdateFunctionCode,
UpdateFunctionConfiguration, DeleteFunction, versions, aliases, Invoke with a
Qualifier, resource policies, tags, GetAccountSettings and the waiters, with
boto3 and the AWS CLI (v2 from Debian; v1 where the machine has one), and
every bad input: each gets AWS's error type and message and changes nothing.

Facts checked against AWS and their sources (see lambda_util.py):
- status codes and operations: the botocore service model on this machine
  (CreateFunction, PublishVersion, CreateAlias, AddPermission 201;
  DeleteFunction, DeleteAlias, RemovePermission, TagResource,
  UntagResource 204);
- "Could not unzip uploaded file. Please check your file, then try to upload
  again." and "Unzipped size must be smaller than 262144000 bytes"
  (InvalidParameterValueException): real deployment errors, LocalStack;
- "Request must be smaller than 70167211 bytes for the CreateFunction
  operation" (RequestEntityTooLargeException, 413): real deployment errors;
- "Function already exist: NAME", "Function not found: ARN", "Cannot find
  alias arn: ARN", "Alias already exists: ARN", the RevisionId, CodeSha256,
  runtime, role and function-name validation messages, the resource-policy
  messages and statement shape, "$LATEST version cannot be deleted without
  deleting the function.": LocalStack's Lambda provider (snapshot-tested
  against AWS), the runtime one also quoted from real CloudFormation errors;
- "1 validation error detected: Value '901' at 'timeout' failed to satisfy
  constraint: Member must have value less than or equal to 900"
  (ValidationException) and a 65-character name being an
  InvalidParameterValueException: real AWS errors quoted in deployment logs
  and issues;
- PublishVersion publishing nothing new when nothing changed: the
  PublishVersion API reference;
- the Python runtime's init errors (Runtime.ImportModuleError "Unable to
  import module 'M': No module named 'M'", Runtime.HandlerNotFound "Handler
  'F' missing on module 'M'", Runtime.MalformedHandlerName "Bad handler 'H':
  ...", Runtime.UserCodeSyntaxError "Syntax error in module 'M': ..."):
  awslambdaric's bootstrap.py.
Where AWS's exact wording is unknown (entries with .. or an absolute path,
Code.S3Bucket, a zip whose headers lie about sizes) the tests assert the
error type and what a clear message must name.
"""
import concurrent.futures
import contextlib
import functools
import io
import json
import re
import socket
import struct
import time
import urllib.request
import zipfile

import pytest
from botocore.exceptions import ClientError

from conftest import Server
from lambda_util import (ROLE, TEST_LIB, assert_error, cli_v2, code_sha256, configuration, create_python_function,
                         find_cli_v1, function_arn, invoke, lambda_client, log_lines, make_zip, python_code, request_id,
                         run_cli, service_error, unique)

MANIFEST_FUNCTION = "manifest-echo"
LAST_MODIFIED = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UNZIPPED_LIMIT = 262144000  # 250 MB
REQUEST_LIMIT = 70167211  # a CreateFunction request (50 MB zipped, base64 in JSON); older AWS deployments said 69905067
NOT_A_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."
TOO_BIG_UNZIPPED = f"Unzipped size must be smaller than {UNZIPPED_LIMIT} bytes"
REVISION_MISMATCH = ("The Revision Id provided does not match the latest Revision Id. "
                     "Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
ROLE_PATTERN = r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"


@pytest.fixture(scope="module")
def lam_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("control-plane")
    (tmp / "lowcloud.yaml").write_text(
        f"functions:\n  - name: {MANIFEST_FUNCTION}\n    library: {TEST_LIB}\n    handler: echo_handler\n")
    s = Server(["--in-memory", "--log-level", "warn", "--config", str(tmp / "lowcloud.yaml")])
    yield s
    assert s.stop() == 0, s.log()


@pytest.fixture(scope="module")
def lam(lam_server):
    return lambda_client(lam_server.url)


@pytest.fixture(scope="module")
def raw_lam(lam_server):
    """A client that sends what botocore would refuse (no Role, ...)."""
    return lambda_client(lam_server.url, validate=False)


@pytest.fixture
def victim(lam):
    """A fresh Python function (version 1 of python_code) for a bad input to miss."""
    name = unique("victim")
    create_python_function(lam, name)
    return name


def snapshot(lam, name):
    """GetFunction's view: the configuration, the tags and the zip behind Code.Location."""
    got = lam.get_function(FunctionName=name)
    with urllib.request.urlopen(got["Code"]["Location"], timeout=15) as resp:
        package = resp.read()
    return got["Configuration"], got.get("Tags"), package


@contextlib.contextmanager
def unchanged(lam, name):
    """Asserts the function (GetFunction, its zip, its answer) is the same after the block."""
    before, answer = snapshot(lam, name), invoke(lam, name)[1]
    yield
    assert snapshot(lam, name) == before
    assert invoke(lam, name)[1] == answer


def all_functions(lam):
    return [f for page in lam.get_paginator("list_functions").paginate() for f in page["Functions"]]


def absent(lam, name):
    response = service_error(lambda: lam.get_function(FunctionName=name))
    assert_error(response, "ResourceNotFoundException", 404, f"Function not found: {function_arn(name)}")


# --- create / get / list ------------------------------------------------------

def test_create_function_returns_its_configuration_active_at_once(lam):
    name = unique("create")
    package = make_zip(python_code(1))
    r = lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="lambda_function.handler",
                            Code={"ZipFile": package}, Description="first", Timeout=7, MemorySize=256,
                            Environment={"Variables": {"GREETING": "hello"}}, Architectures=["x86_64"],
                            Tags={"team": "watches"})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert r["FunctionName"] == name
    assert r["FunctionArn"] == function_arn(name)
    assert (r["Runtime"], r["Role"], r["Handler"]) == ("python3.12", ROLE, "lambda_function.handler")
    assert r["CodeSize"] == len(package)
    assert r["CodeSha256"] == code_sha256(package)
    assert (r["Description"], r["Timeout"], r["MemorySize"]) == ("first", 7, 256)
    assert r["Version"] == "$LATEST"
    assert r["Environment"] == {"Variables": {"GREETING": "hello"}}
    assert r["PackageType"] == "Zip"
    assert r["Architectures"] == ["x86_64"]
    assert re.fullmatch(LAST_MODIFIED, r["LastModified"])
    assert re.fullmatch(UUID, r["RevisionId"])
    # AWS answers State Pending and turns Active later; lowcloud is ready at once.
    assert r["State"] == "Active"

    got = lam.get_function(FunctionName=name)
    config = got["Configuration"]
    assert config["State"] == "Active" and config["LastUpdateStatus"] == "Successful"
    assert config["CodeSha256"] == r["CodeSha256"] and config["RevisionId"] == r["RevisionId"]
    assert got["Tags"] == {"team": "watches"}
    assert configuration(lam, name) == config

    _, body = invoke(lam, name, {"env": ["GREETING"]})
    assert body == {"version": 1, "event": {"env": ["GREETING"]}, "env": {"GREETING": "hello"}}


def test_create_function_defaults(lam):
    name = unique("defaults")
    r, _ = create_python_function(lam, name)
    assert (r["Timeout"], r["MemorySize"], r["Description"]) == (3, 128, "")
    assert r["Architectures"] == ["x86_64"]
    assert r["PackageType"] == "Zip"


def test_create_function_with_publish_creates_version_1(lam):
    name = unique("publish-on-create")
    r, _ = create_python_function(lam, name, Publish=True)
    assert r["Version"] == "1"
    versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1"]


def test_create_an_existing_function_is_a_conflict(lam):
    name = unique("twice")
    create_python_function(lam, name)
    with unchanged(lam, name):
        response = service_error(lambda: create_python_function(lam, name, version=2))
        assert_error(response, "ResourceConflictException", 409, f"Function already exist: {name}")


def test_get_function_code_location_serves_the_exact_zip(lam_server, lam):
    name = unique("location")
    _, v1 = create_python_function(lam, name)
    code = lam.get_function(FunctionName=name)["Code"]
    assert code["RepositoryType"] == "S3"
    assert code["Location"].startswith(lam_server.url + "/")
    with urllib.request.urlopen(code["Location"], timeout=15) as resp:
        assert resp.status == 200
        assert resp.read() == v1

    lam.publish_version(FunctionName=name)
    v2 = make_zip(python_code(2))
    lam.update_function_code(FunctionName=name, ZipFile=v2)
    with urllib.request.urlopen(lam.get_function(FunctionName=name)["Code"]["Location"], timeout=15) as resp:
        assert resp.read() == v2
    with urllib.request.urlopen(lam.get_function(FunctionName=name, Qualifier="1")["Code"]["Location"], timeout=15) as resp:
        assert resp.read() == v1


def test_get_function_by_arn_and_partial_arn(lam):
    name = unique("byarn")
    create_python_function(lam, name)
    for ref in (function_arn(name), f"000000000000:function:{name}", f"{name}:$LATEST"):
        assert lam.get_function(FunctionName=ref)["Configuration"]["FunctionName"] == name


def test_list_functions_pages_with_max_items_and_marker(lam):
    prefix = unique("page")
    names = {f"{prefix}-{i}" for i in range(5)}
    for n in names:
        create_python_function(lam, n)
    seen, marker = [], None
    for _ in range(1000):
        page = lam.list_functions(MaxItems=2, **({"Marker": marker} if marker else {}))
        assert len(page["Functions"]) <= 2
        seen += [f["FunctionName"] for f in page["Functions"]]
        marker = page.get("NextMarker")
        if not marker:
            break
    assert len(seen) == len(set(seen)), "a function was listed twice"
    assert names <= set(seen)
    assert MANIFEST_FUNCTION in seen  # functions of the manifest are listed with the created ones
    paged = [f["FunctionName"] for p in lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 3})
             for f in p["Functions"]]
    assert sorted(paged) == sorted(seen)
    entry = next(f for f in all_functions(lam) if f["FunctionName"] == f"{prefix}-0")
    assert entry["FunctionArn"] == function_arn(f"{prefix}-0")
    assert entry["Runtime"] == "python3.12" and entry["Handler"] == "lambda_function.handler"
    assert "Code" not in entry


# --- updates ------------------------------------------------------------------

def test_update_function_code_serves_the_new_code_on_the_next_invoke(lam):
    name = unique("code")
    created, _ = create_python_function(lam, name)
    assert invoke(lam, name)[1]["version"] == 1
    package = make_zip(python_code(2))
    r = lam.update_function_code(FunctionName=name, ZipFile=package)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert r["CodeSha256"] == code_sha256(package) and r["CodeSize"] == len(package)
    assert r["Version"] == "$LATEST" and r["FunctionArn"] == function_arn(name)
    assert r["RevisionId"] != created["RevisionId"]
    # AWS answers InProgress and finishes later; lowcloud finishes before answering.
    assert r["LastUpdateStatus"] == "Successful"
    assert invoke(lam, name)[1]["version"] == 2
    config = configuration(lam, name)
    assert (config["State"], config["LastUpdateStatus"]) == ("Active", "Successful")
    assert config["RevisionId"] == r["RevisionId"] and config["CodeSha256"] == r["CodeSha256"]


def test_update_function_code_dry_run_changes_nothing(lam, victim):
    with unchanged(lam, victim):
        r = lam.update_function_code(FunctionName=victim, ZipFile=make_zip(python_code(2)), DryRun=True)
        assert r["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_update_function_code_with_publish_creates_a_version(lam):
    name = unique("code-publish")
    create_python_function(lam, name)
    r = lam.update_function_code(FunctionName=name, ZipFile=make_zip(python_code(2)), Publish=True)
    assert r["Version"] == "1"
    assert r["FunctionArn"] == function_arn(name, "1")
    response, body = invoke(lam, name, Qualifier="1")
    assert body["version"] == 2 and response["ExecutedVersion"] == "1"


def test_update_function_configuration(lam):
    name = unique("config")
    files = {**python_code(1), **python_code(7, module="other")}
    created, _ = create_python_function(lam, name, files=files, Environment={"Variables": {"GREETING": "hello"}})
    r = lam.update_function_configuration(FunctionName=name, Description="second", Timeout=9, MemorySize=512,
                                          Handler="other.handler",
                                          Environment={"Variables": {"GREETING": "bonjour", "EXTRA": "1"}})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (r["Description"], r["Timeout"], r["MemorySize"], r["Handler"]) == ("second", 9, 512, "other.handler")
    assert r["Environment"] == {"Variables": {"GREETING": "bonjour", "EXTRA": "1"}}
    assert r["CodeSha256"] == created["CodeSha256"]
    assert r["RevisionId"] != created["RevisionId"]
    assert r["LastUpdateStatus"] == "Successful"
    _, body = invoke(lam, name, {"env": ["GREETING", "EXTRA"]})
    assert body["version"] == 7 and body["env"] == {"GREETING": "bonjour", "EXTRA": "1"}
    assert configuration(lam, name)["Timeout"] == 9


def test_update_code_then_configuration_at_once_both_succeed(lam):
    # On AWS the second call may fail with ResourceConflictException while the
    # first is InProgress; lowcloud's updates complete synchronously.
    name = unique("back-to-back")
    create_python_function(lam, name)
    package = make_zip(python_code(2))
    lam.update_function_code(FunctionName=name, ZipFile=package)
    r = lam.update_function_configuration(FunctionName=name, Description="right after",
                                          Environment={"Variables": {"AFTER": "yes"}})
    assert r["LastUpdateStatus"] == "Successful"
    config = configuration(lam, name)
    assert config["Description"] == "right after" and config["CodeSha256"] == code_sha256(package)
    _, body = invoke(lam, name, {"env": ["AFTER"]})
    assert body["version"] == 2 and body["env"] == {"AFTER": "yes"}


def test_waiters_succeed_on_their_first_poll(lam):
    name = unique("waiters")
    create_python_function(lam, name)
    once = {"Delay": 5, "MaxAttempts": 1}  # a waiter that has to poll twice fails
    for waiter in ("function_exists", "function_active_v2", "function_active", "function_updated_v2", "function_updated"):
        lam.get_waiter(waiter).wait(FunctionName=name, WaiterConfig=once)
    lam.update_function_code(FunctionName=name, ZipFile=make_zip(python_code(2)))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=once)
    lam.update_function_configuration(FunctionName=name, Timeout=5)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=once)
    lam.get_waiter("function_updated").wait(FunctionName=name, WaiterConfig=once)


def cli_wait_polls(url, waiter, name):
    """Runs `aws lambda wait WAITER` and returns how many GetFunction calls it made."""
    r = cli_v2(url, "--debug", "lambda", "wait", waiter, "--function-name", name, timeout=60)
    return r.stderr.count("Making request for OperationModel(name=GetFunction)")


def test_cli_v2_zip_file_create_wait_invoke_update_publish_delete(lam_server, tmp_path):
    url, name = lam_server.url, unique("cli-v2")
    v1, v2 = tmp_path / "v1.zip", tmp_path / "v2.zip"
    v1.write_bytes(make_zip(python_code(1)))
    v2.write_bytes(make_zip(python_code(2)))
    created = json.loads(cli_v2(url, "lambda", "create-function", "--function-name", name, "--runtime", "python3.12",
                                "--role", ROLE, "--handler", "lambda_function.handler", "--zip-file", f"fileb://{v1}",
                                "--environment", "Variables={GREETING=cli}").stdout)
    assert created["FunctionName"] == name and created["CodeSha256"] == code_sha256(v1.read_bytes())
    assert cli_wait_polls(url, "function-active-v2", name) == 1

    def cli_invoke(*extra):
        out = tmp_path / "out.json"
        meta = json.loads(cli_v2(url, "lambda", "invoke", "--function-name", name, "--cli-binary-format",
                                 "raw-in-base64-out", "--payload", '{"env": ["GREETING"]}', *extra, str(out)).stdout)
        return meta, json.loads(out.read_text())

    meta, body = cli_invoke()
    assert meta["StatusCode"] == 200 and meta["ExecutedVersion"] == "$LATEST"
    assert body == {"version": 1, "event": {"env": ["GREETING"]}, "env": {"GREETING": "cli"}}

    updated = json.loads(cli_v2(url, "lambda", "update-function-code", "--function-name", name,
                                "--zip-file", f"fileb://{v2}").stdout)
    assert updated["CodeSha256"] == code_sha256(v2.read_bytes())
    assert cli_wait_polls(url, "function-updated-v2", name) == 1
    assert cli_invoke()[1]["version"] == 2

    cli_v2(url, "lambda", "update-function-configuration", "--function-name", name, "--description", "by the cli")
    assert cli_wait_polls(url, "function-updated-v2", name) == 1

    published = json.loads(cli_v2(url, "lambda", "publish-version", "--function-name", name).stdout)
    assert published["Version"] == "1"
    cli_v2(url, "lambda", "update-function-code", "--function-name", name, "--zip-file", f"fileb://{v1}")
    meta, body = cli_invoke("--qualifier", "1")
    assert meta["ExecutedVersion"] == "1" and body["version"] == 2
    assert cli_invoke()[1]["version"] == 1

    cli_v2(url, "lambda", "delete-function", "--function-name", name)
    gone = cli_v2(url, "lambda", "get-function", "--function-name", name, check=False)
    assert gone.returncode == 254 and "ResourceNotFoundException" in gone.stderr


def test_cli_v1_create_function_and_invoke(lam_server, tmp_path):
    cli = find_cli_v1()
    if cli is None:
        pytest.skip("no AWS CLI v1 on this machine (an `aws` whose --version says aws-cli/1.x); v1 is optional")
    url, name = lam_server.url, unique("cli-v1")
    v1, v2 = tmp_path / "v1.zip", tmp_path / "v2.zip"
    v1.write_bytes(make_zip(python_code(1)))
    v2.write_bytes(make_zip(python_code(2)))
    created = json.loads(run_cli(cli, url, "lambda", "create-function", "--function-name", name, "--runtime",
                                 "python3.12", "--role", ROLE, "--handler", "lambda_function.handler",
                                 "--zip-file", f"fileb://{v1}").stdout)
    assert created["FunctionName"] == name and created["CodeSize"] == v1.stat().st_size

    def v1_invoke():
        out = tmp_path / "out.json"
        # CLI v1 sends --payload as it is (no base64 decoding of blobs).
        meta = json.loads(run_cli(cli, url, "lambda", "invoke", "--function-name", name, "--payload", '{"k": "v1"}',
                                  str(out)).stdout)
        assert meta["StatusCode"] == 200
        return json.loads(out.read_text())

    assert v1_invoke() == {"version": 1, "event": {"k": "v1"}, "env": {}}
    run_cli(cli, url, "lambda", "update-function-code", "--function-name", name, "--zip-file", f"fileb://{v2}")
    assert v1_invoke()["version"] == 2


# --- revision ids and concurrent updates ---------------------------------------

def test_revision_id_mismatch_is_precondition_failed_and_changes_nothing(lam, victim):
    stale = configuration(lam, victim)["RevisionId"]
    lam.update_function_configuration(FunctionName=victim, Description="moves the revision on")
    with unchanged(lam, victim):
        response = service_error(lambda: lam.update_function_configuration(
            FunctionName=victim, RevisionId=stale, Description="lost update"))
        assert_error(response, "PreconditionFailedException", 412, REVISION_MISMATCH)
        response = service_error(lambda: lam.update_function_code(
            FunctionName=victim, RevisionId=stale, ZipFile=make_zip(python_code(2))))
        assert_error(response, "PreconditionFailedException", 412, REVISION_MISMATCH)
        response = service_error(lambda: lam.publish_version(FunctionName=victim, RevisionId=stale))
        assert_error(response, "PreconditionFailedException", 412, REVISION_MISMATCH)
    current = configuration(lam, victim)["RevisionId"]
    r = lam.update_function_configuration(FunctionName=victim, RevisionId=current, Description="right revision")
    assert r["Description"] == "right revision"


def test_concurrent_updates_with_one_revision_id_exactly_one_wins(lam_server, lam, victim):
    revision = configuration(lam, victim)["RevisionId"]
    clients = [lambda_client(lam_server.url) for _ in range(4)]

    def update(i):
        try:
            clients[i].update_function_configuration(FunctionName=victim, RevisionId=revision, Description=f"writer {i}")
            return "ok", i
        except ClientError as e:
            return e.response["Error"]["Code"], i

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(update, range(4)))
    winners = [i for outcome, i in results if outcome == "ok"]
    assert len(winners) == 1, results
    # The losers raced the winner: a stale revision, or (as AWS) an update in progress.
    assert all(outcome in ("PreconditionFailedException", "ResourceConflictException")
               for outcome, _ in results if outcome != "ok"), results
    assert configuration(lam, victim)["Description"] == f"writer {winners[0]}"


def test_concurrent_updates_leave_a_consistent_function(lam_server, lam, victim):
    clients = [lambda_client(lam_server.url) for _ in range(4)]
    packages = [make_zip(python_code(10 + i)) for i in range(4)]

    def update(i):
        try:
            if i % 2:
                clients[i].update_function_code(FunctionName=victim, ZipFile=packages[i])
            else:
                clients[i].update_function_configuration(FunctionName=victim, Description=f"writer {i}")
            return "ok"
        except ClientError as e:
            assert_error(e.response, "ResourceConflictException", 409)  # AWS's answer while an update runs
            return "conflict"

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(update, range(4)))
    assert "ok" in outcomes
    config = configuration(lam, victim)
    assert config["LastUpdateStatus"] == "Successful"
    # The code served is the code the configuration names.
    version = invoke(lam, victim)[1]["version"]
    if version != 1:
        assert config["CodeSha256"] == code_sha256(packages[version - 10])
    assert configuration(lam, victim) == config


# --- delete ---------------------------------------------------------------------

def test_delete_function_removes_it_with_its_versions_and_aliases(lam):
    name = unique("delete")
    create_python_function(lam, name)
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    r = lam.delete_function(FunctionName=name)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    absent(lam, name)
    assert_error(service_error(lambda: invoke(lam, name)), "ResourceNotFoundException", 404,
                 f"Function not found: {function_arn(name)}")
    assert_error(service_error(lambda: lam.get_function(FunctionName=name, Qualifier="1")),
                 "ResourceNotFoundException", 404)
    assert_error(service_error(lambda: lam.get_alias(FunctionName=name, Name="live")), "ResourceNotFoundException", 404)
    assert_error(service_error(lambda: lam.list_versions_by_function(FunctionName=name)),
                 "ResourceNotFoundException", 404)
    assert name not in [f["FunctionName"] for f in all_functions(lam)]
    assert_error(service_error(lambda: lam.delete_function(FunctionName=name)), "ResourceNotFoundException", 404,
                 f"Function not found: {function_arn(name)}")
    # The name is free again, and the new function starts from version 1.
    create_python_function(lam, name, version=3)
    assert invoke(lam, name)[1]["version"] == 3
    assert lam.publish_version(FunctionName=name)["Version"] == "1"


def test_delete_a_version_keeps_the_function(lam):
    name = unique("delete-version")
    create_python_function(lam, name)
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=make_zip(python_code(2)))
    lam.publish_version(FunctionName=name)
    assert lam.delete_function(FunctionName=name, Qualifier="1")["ResponseMetadata"]["HTTPStatusCode"] == 204
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
    assert versions == ["$LATEST", "2"]
    assert_error(service_error(lambda: invoke(lam, name, Qualifier="1")), "ResourceNotFoundException", 404,
                 f"Function not found: {function_arn(name, '1')}")
    assert invoke(lam, name, Qualifier="2")[1]["version"] == 2
    response = service_error(lambda: lam.delete_function(FunctionName=name, Qualifier="$LATEST"))
    assert_error(response, "InvalidParameterValueException", 400,
                 "$LATEST version cannot be deleted without deleting the function.")
    assert invoke(lam, name)[1]["version"] == 2


# --- versions and aliases ------------------------------------------------------

def test_publish_version_list_versions_and_invoke_a_version(lam):
    name = unique("versions")
    created, _ = create_python_function(lam, name, Environment={"Variables": {"STAGE": "one"}})
    r = lam.publish_version(FunctionName=name, Description="first release")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert r["Version"] == "1" and r["FunctionArn"] == function_arn(name, "1")
    assert r["Description"] == "first release"
    assert r["CodeSha256"] == created["CodeSha256"]
    assert r["State"] == "Active"
    # Nothing changed since version 1: AWS publishes no new version.
    assert lam.publish_version(FunctionName=name)["Version"] == "1"

    package = make_zip(python_code(2))
    lam.update_function_code(FunctionName=name, ZipFile=package)
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"STAGE": "two"}})
    response = service_error(lambda: lam.publish_version(FunctionName=name, CodeSha256="bm9wZQ=="))
    assert_error(response, "InvalidParameterValueException", 400,
                 f"CodeSHA256 (bm9wZQ==) is different from current CodeSHA256 in $LATEST ({code_sha256(package)}). "
                 "Please try again with the CodeSHA256 in $LATEST.")
    assert lam.publish_version(FunctionName=name, CodeSha256=code_sha256(package))["Version"] == "2"

    versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]
    assert [v["FunctionArn"] for v in versions] == [function_arn(name, q) for q in ("$LATEST", "1", "2")]
    first = lam.list_versions_by_function(FunctionName=name, MaxItems=1)
    assert len(first["Versions"]) == 1 and first["NextMarker"]
    rest = lam.list_versions_by_function(FunctionName=name, Marker=first["NextMarker"])["Versions"]
    assert [v["Version"] for v in first["Versions"] + rest] == ["$LATEST", "1", "2"]

    # A published version is a snapshot: code and configuration.
    config = configuration(lam, name, "1")
    assert config["Version"] == "1" and config["FunctionArn"] == function_arn(name, "1")
    assert config["Environment"] == {"Variables": {"STAGE": "one"}}
    r, body = invoke(lam, name, {"env": ["STAGE"]}, Qualifier="1")
    assert (body["version"], body["env"], r["ExecutedVersion"]) == (1, {"STAGE": "one"}, "1")
    r, body = invoke(lam, f"{name}:2", {"env": ["STAGE"]})
    assert (body["version"], body["env"], r["ExecutedVersion"]) == (2, {"STAGE": "two"}, "2")
    r, body = invoke(lam, function_arn(name, "1"))
    assert body["version"] == 1 and r["ExecutedVersion"] == "1"
    assert_error(service_error(lambda: invoke(lam, name, Qualifier="3")), "ResourceNotFoundException", 404,
                 f"Function not found: {function_arn(name, '3')}")
    assert_error(service_error(lambda: lam.get_function(FunctionName=name, Qualifier="3")),
                 "ResourceNotFoundException", 404, f"Function not found: {function_arn(name, '3')}")


def test_aliases_create_get_list_update_invoke_delete(lam):
    name = unique("aliases")
    create_python_function(lam, name)
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=make_zip(python_code(2)))
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=make_zip(python_code(3)))

    r = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1", Description="production")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    alias_arn = function_arn(name, "live")
    assert (r["AliasArn"], r["Name"], r["FunctionVersion"], r["Description"]) == (alias_arn, "live", "1", "production")
    assert re.fullmatch(UUID, r["RevisionId"])
    response = service_error(lambda: lam.create_alias(FunctionName=name, Name="live", FunctionVersion="2"))
    assert_error(response, "ResourceConflictException", 409, f"Alias already exists: {alias_arn}")

    got = lam.get_alias(FunctionName=name, Name="live")
    got.pop("ResponseMetadata")
    assert got == {k: v for k, v in r.items() if k != "ResponseMetadata"}

    response, body = invoke(lam, name, Qualifier="live")
    assert body["version"] == 1 and response["ExecutedVersion"] == "1"
    assert invoke(lam, f"{name}:live")[1]["version"] == 1
    assert invoke(lam, alias_arn)[1]["version"] == 1
    config = lam.get_function(FunctionName=name, Qualifier="live")["Configuration"]
    assert config["FunctionArn"] == alias_arn and config["Version"] == "1"

    lam.create_alias(FunctionName=name, Name="edge", FunctionVersion="$LATEST")
    response, body = invoke(lam, name, Qualifier="edge")
    assert body["version"] == 3 and response["ExecutedVersion"] == "$LATEST"
    assert sorted(a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]) == ["edge", "live"]
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name, FunctionVersion="1")["Aliases"]] == ["live"]

    updated = lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
    assert updated["FunctionVersion"] == "2" and updated["RevisionId"] != r["RevisionId"]
    response, body = invoke(lam, name, Qualifier="live")
    assert body["version"] == 2 and response["ExecutedVersion"] == "2"
    response = service_error(lambda: lam.update_alias(FunctionName=name, Name="live", FunctionVersion="1",
                                                      RevisionId=r["RevisionId"]))
    assert_error(response, "PreconditionFailedException", 412)
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "2"

    response = service_error(lambda: lam.create_alias(FunctionName=name, Name="ghost", FunctionVersion="9"))
    assert_error(response, "ResourceNotFoundException", 404, f"Function not found: {function_arn(name, '9')}")

    assert lam.delete_alias(FunctionName=name, Name="live")["ResponseMetadata"]["HTTPStatusCode"] == 204
    response = service_error(lambda: lam.get_alias(FunctionName=name, Name="live"))
    assert_error(response, "ResourceNotFoundException", 404, f"Cannot find alias arn: {alias_arn}")
    assert_error(service_error(lambda: invoke(lam, name, Qualifier="live")), "ResourceNotFoundException", 404)
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]] == ["edge"]


# --- permissions, tags, account settings ---------------------------------------

def test_permissions_add_get_policy_remove(lam):
    name = unique("policy")
    create_python_function(lam, name)
    response = service_error(lambda: lam.get_policy(FunctionName=name))
    assert_error(response, "ResourceNotFoundException", 404, "The resource you requested does not exist.")

    r = lam.add_permission(FunctionName=name, StatementId="s3-invoke", Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::watch-images",
                           SourceAccount="000000000000")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    statement = json.loads(r["Statement"])
    assert statement == {
        "Sid": "s3-invoke", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction", "Resource": function_arn(name),
        "Condition": {"StringEquals": {"AWS:SourceAccount": "000000000000"},
                      "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::watch-images"}},
    }
    second = json.loads(lam.add_permission(FunctionName=name, StatementId="other-account",
                                           Action="lambda:InvokeFunction", Principal="111122223333")["Statement"])
    assert second["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}

    response = service_error(lambda: lam.add_permission(FunctionName=name, StatementId="s3-invoke",
                                                        Action="lambda:InvokeFunction", Principal="sns.amazonaws.com"))
    assert_error(response, "ResourceConflictException", 409,
                 "The statement id (s3-invoke) provided already exists. "
                 "Please provide a new statement id, or remove the existing statement.")

    got = lam.get_policy(FunctionName=name)
    policy = json.loads(got["Policy"])
    assert policy["Version"] == "2012-10-17" and policy["Id"] == "default"
    assert [s["Sid"] for s in policy["Statement"]] == ["s3-invoke", "other-account"]
    assert policy["Statement"][0] == statement
    assert re.fullmatch(UUID, got["RevisionId"])

    assert lam.remove_permission(FunctionName=name, StatementId="s3-invoke")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert [s["Sid"] for s in json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]] == ["other-account"]
    response = service_error(lambda: lam.remove_permission(FunctionName=name, StatementId="s3-invoke"))
    assert_error(response, "ResourceNotFoundException", 404, "Statement s3-invoke is not found in resource policy.")
    lam.remove_permission(FunctionName=name, StatementId="other-account")
    assert_error(service_error(lambda: lam.get_policy(FunctionName=name)), "ResourceNotFoundException", 404,
                 "The resource you requested does not exist.")

    missing = unique("no-such-function")
    response = service_error(lambda: lam.add_permission(FunctionName=missing, StatementId="x",
                                                        Action="lambda:InvokeFunction", Principal="s3.amazonaws.com"))
    assert_error(response, "ResourceNotFoundException", 404, f"Function not found: {function_arn(missing)}")


def test_permissions_on_a_version_and_an_alias_are_separate_policies(lam):
    name = unique("policy-qualified")
    create_python_function(lam, name)
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    lam.add_permission(FunctionName=name, StatementId="same-sid", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com")
    aliased = json.loads(lam.add_permission(FunctionName=name, Qualifier="live", StatementId="same-sid",
                                            Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")["Statement"])
    assert aliased["Resource"] == function_arn(name, "live")
    statements = json.loads(lam.get_policy(FunctionName=name, Qualifier="live")["Policy"])["Statement"]
    assert [s["Resource"] for s in statements] == [function_arn(name, "live")]
    statements = json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]
    assert [s["Resource"] for s in statements] == [function_arn(name)]


def test_tags_tag_untag_list(lam):
    name = unique("tags")
    create_python_function(lam, name, Tags={"team": "watches"})
    arn = function_arn(name)
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "watches"}
    assert lam.tag_resource(Resource=arn, Tags={"env": "dev", "team": "clocks"})["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "clocks", "env": "dev"}
    assert lam.untag_resource(Resource=arn, TagKeys=["team", "absent"])["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lam.list_tags(Resource=arn)["Tags"] == {"env": "dev"}
    assert lam.get_function(FunctionName=name)["Tags"] == {"env": "dev"}
    missing = function_arn(unique("no-such-function"))
    assert_error(service_error(lambda: lam.list_tags(Resource=missing)), "ResourceNotFoundException", 404)
    assert_error(service_error(lambda: lam.tag_resource(Resource=missing, Tags={"a": "b"})),
                 "ResourceNotFoundException", 404)


def test_get_account_settings(lam):
    name = unique("account")
    _, package = create_python_function(lam, name)
    r = lam.get_account_settings()
    limit, usage = r["AccountLimit"], r["AccountUsage"]
    assert limit["TotalCodeSize"] == 80530636800  # 75 GB
    assert limit["CodeSizeUnzipped"] == UNZIPPED_LIMIT
    assert limit["CodeSizeZipped"] == 52428800  # 50 MB
    assert limit["ConcurrentExecutions"] == 1000
    assert 0 < limit["UnreservedConcurrentExecutions"] <= 1000
    assert usage["FunctionCount"] == len(all_functions(lam))
    assert usage["TotalCodeSize"] >= len(package)


# --- bad input: each gets AWS's error and changes nothing ----------------------

def entry_zip(entry_name):
    return make_zip({**python_code(9), entry_name: "print('escaped')\n"})


def test_a_zip_that_is_not_a_zip(lam, victim):
    name = unique("notzip")
    for blob in (b"this is not a zip file", b"PK\x03\x04 truncated", make_zip(python_code(1))[:-30]):
        response = service_error(lambda: lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                                             Handler="lambda_function.handler", Code={"ZipFile": blob}))
        assert_error(response, "InvalidParameterValueException", 400, NOT_A_ZIP)
        with unchanged(lam, victim):
            response = service_error(lambda: lam.update_function_code(FunctionName=victim, ZipFile=blob))
            assert_error(response, "InvalidParameterValueException", 400, NOT_A_ZIP)
    absent(lam, name)


@pytest.mark.parametrize("entry", ["../escape.py", "/tmp/absolute.py", "lib/../../escape.py"],
                         ids=["dotdot", "absolute", "nested-dotdot"])
def test_a_zip_entry_outside_the_package(lam, victim, entry):
    package = entry_zip(entry)
    assert entry in zipfile.ZipFile(io.BytesIO(package)).namelist()  # written as is
    name = unique("escape")
    # AWS's wording for such an entry is not known; lowcloud must name the entry.
    response = service_error(lambda: lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                                         Handler="lambda_function.handler", Code={"ZipFile": package}))
    assert_error(response, "InvalidParameterValueException", 400)
    assert entry in response["Error"]["Message"]
    absent(lam, name)
    with unchanged(lam, victim):
        response = service_error(lambda: lam.update_function_code(FunctionName=victim, ZipFile=package))
        assert_error(response, "InvalidParameterValueException", 400)
        assert entry in response["Error"]["Message"]


@functools.lru_cache(maxsize=None)
def bomb(kind):
    """A zip that inflates past the 250 MB limit from ~250 KB: zeros, deflated.
    one-entry / many-entries declare their sizes truthfully; lying-headers
    declares 1 KB in both headers, so only inflating can tell."""
    total, chunk = UNZIPPED_LIMIT + (1 << 20), b"\0" * (1 << 20)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("lambda_function.py", python_code(9)["lambda_function.py"])
        if kind == "many-entries":
            for i in range(total >> 20):
                z.writestr(zipfile.ZipInfo(f"data/{i:04d}.bin", date_time=(2024, 1, 1, 0, 0, 0)), chunk,
                           compress_type=zipfile.ZIP_DEFLATED)
        else:
            info = zipfile.ZipInfo("data/bomb.bin", date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w") as f:
                for _ in range(total >> 20):
                    f.write(chunk)
    data = bytearray(buf.getvalue())
    if kind == "lying-headers":
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
        info = archive.getinfo("data/bomb.bin")
        local = info.header_offset
        assert data[local:local + 4] == b"PK\x03\x04"
        struct.pack_into("<I", data, local + 22, 1024)  # uncompressed size in the local header
        central = archive.start_dir
        while data[central:central + 4] == b"PK\x01\x02":
            name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, central + 28)
            if bytes(data[central + 46:central + 46 + name_len]) == b"data/bomb.bin":
                struct.pack_into("<I", data, central + 24, 1024)  # and in the central directory
                break
            central += 46 + name_len + extra_len + comment_len
        else:
            raise AssertionError("central directory entry not found")
    return bytes(data)


@pytest.mark.parametrize("kind", ["one-entry", "many-entries", "lying-headers"])
def test_a_zip_bomb_over_the_unpacked_limit(lam, victim, kind):
    package = bomb(kind)
    assert len(package) < 2 * 1024 * 1024
    name = unique("bomb")
    started = time.time()
    response = service_error(lambda: lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                                         Handler="lambda_function.handler", Code={"ZipFile": package}))
    if kind == "lying-headers":
        # Inflating finds the lie: too big, or a corrupt entry; both are this type.
        assert_error(response, "InvalidParameterValueException", 400)
        assert response["Error"]["Message"] in (TOO_BIG_UNZIPPED, NOT_A_ZIP)
    else:
        assert_error(response, "InvalidParameterValueException", 400, TOO_BIG_UNZIPPED)
    absent(lam, name)
    with unchanged(lam, victim):
        response = service_error(lambda: lam.update_function_code(FunctionName=victim, ZipFile=package))
        assert_error(response, "InvalidParameterValueException", 400)
    assert time.time() - started < 30


def test_a_create_function_request_over_the_request_limit_is_413(lam_server, lam):
    # Sent by hand with Expect: 100-continue, so an emulator that refuses on
    # the headers never has to read (or reset) 70 MB.
    name = unique("huge")
    prefix = json.dumps({"FunctionName": name, "Runtime": "python3.12", "Role": ROLE,
                         "Handler": "lambda_function.handler", "Code": {"ZipFile": "@"}}).split("@")
    filler = (REQUEST_LIMIT + 4 - len(prefix[0]) - len(prefix[1])) // 4 * 4 + 4
    head, tail = prefix[0].encode(), prefix[1].encode()
    length = len(head) + filler + len(tail)
    assert length > REQUEST_LIMIT
    sock = socket.create_connection(("127.0.0.1", lam_server.port), timeout=60)
    try:
        sock.sendall((f"POST /2015-03-31/functions HTTP/1.1\r\nHost: 127.0.0.1:{lam_server.port}\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {length}\r\n"
                      "Expect: 100-continue\r\n\r\n").encode())
        reader = sock.makefile("rb")
        status, headers, body = read_response(reader)
        if status == 100:
            try:
                sock.sendall(head)
                block = b"A" * (1 << 20)
                left = filler
                while left:
                    n = min(left, len(block))
                    sock.sendall(block[:n])
                    left -= n
                sock.sendall(tail)
            except (BrokenPipeError, ConnectionResetError):
                pass  # answered early; the answer is in the socket
            status, headers, body = read_response(reader)
    finally:
        sock.close()
    assert status == 413
    assert headers.get("x-amzn-errortype", "").split(":")[0] == "RequestEntityTooLargeException"
    error = json.loads(body)
    assert error.get("message", error.get("Message")) == \
        f"Request must be smaller than {REQUEST_LIMIT} bytes for the CreateFunction operation"
    absent(lam, name)


def read_response(reader):
    """One HTTP/1.1 response from a socket file: (status, lower-cased headers, body)."""
    status_line = reader.readline().decode("latin-1")
    status = int(status_line.split()[1])
    headers = {}
    while True:
        line = reader.readline().decode("latin-1").rstrip("\r\n")
        if not line:
            break
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    body = reader.read(int(headers.get("content-length", 0))) if status != 100 else b""
    return status, headers, body


def test_an_unknown_runtime_lists_the_valid_ones(lam, victim):
    name = unique("runtime")
    response = service_error(lambda: lam.create_function(FunctionName=name, Runtime="python9.9", Role=ROLE,
                                                         Handler="lambda_function.handler",
                                                         Code={"ZipFile": make_zip(python_code(1))}))
    assert_error(response, "InvalidParameterValueException", 400)
    message = response["Error"]["Message"]
    assert message.startswith("Value python9.9 at 'runtime' failed to satisfy constraint: "
                              "Member must satisfy enum value set: [")
    assert message.endswith("] or be a valid ARN")
    listed = message[message.index("[") + 1:message.rindex("]")].split(", ")
    for runtime in ("python3.8", "python3.12", "python3.13", "nodejs18.x", "nodejs20.x", "nodejs22.x",
                    "provided.al2", "provided.al2023"):
        assert runtime in listed, runtime
    absent(lam, name)
    with unchanged(lam, victim):
        response = service_error(lambda: lam.update_function_configuration(FunctionName=victim, Runtime="python9.9"))
        assert_error(response, "InvalidParameterValueException", 400, message)


@pytest.mark.parametrize("bad", ["bad name!", "a/b", "arn:aws:lambda:us-east-1:123:function:short-account"],
                         ids=["space-and-bang", "slash", "arn-with-short-account"])
def test_a_malformed_function_name_or_arn(lam, raw_lam, bad):
    fragment = f"Value '{bad}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: "
    response = service_error(lambda: raw_lam.create_function(FunctionName=bad, Runtime="python3.12", Role=ROLE,
                                                             Handler="lambda_function.handler",
                                                             Code={"ZipFile": make_zip(python_code(1))}))
    assert_error(response, "ValidationException", 400)
    assert fragment in response["Error"]["Message"]
    for call in (lambda: lam.get_function(FunctionName=bad), lambda: invoke(lam, bad),
                 lambda: lam.update_function_configuration(FunctionName=bad, Description="x")):
        response = service_error(call)
        assert_error(response, "ValidationException", 400)
        assert response["Error"]["Message"].startswith("1 validation error detected: " + fragment)


def test_a_function_name_longer_than_64_characters(lam):
    name = "n" * 65
    response = service_error(lambda: create_python_function(lam, name))
    # CreateFunction with a plain name answers InvalidParameterValueException
    # here, not ValidationException: real AWS errors quoted in
    # cloud-custodian#3352, aws-cdk#13264 ("Error Code:
    # InvalidParameterValueException"), and LocalStack's parity edge case.
    assert_error(response, "InvalidParameterValueException", 400,
                 f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: "
                 "Member must have length less than or equal to 64")
    assert name not in [f["FunctionName"] for f in all_functions(lam)]


def test_a_missing_or_malformed_role(lam, raw_lam, victim):
    name = unique("role")
    response = service_error(lambda: raw_lam.create_function(FunctionName=name, Runtime="python3.12",
                                                             Handler="lambda_function.handler",
                                                             Code={"ZipFile": make_zip(python_code(1))}))
    assert_error(response, "ValidationException", 400,
                 "1 validation error detected: Value null at 'role' failed to satisfy constraint: "
                 "Member must not be null")
    absent(lam, name)
    response = service_error(lambda: lam.create_function(FunctionName=name, Runtime="python3.12", Role="lambda-role",
                                                         Handler="lambda_function.handler",
                                                         Code={"ZipFile": make_zip(python_code(1))}))
    role_message = ("1 validation error detected: Value 'lambda-role' at 'role' failed to satisfy constraint: "
                    f"Member must satisfy regular expression pattern: {ROLE_PATTERN}")
    assert_error(response, "ValidationException", 400, role_message)
    absent(lam, name)
    with unchanged(lam, victim):
        response = service_error(lambda: lam.update_function_configuration(FunctionName=victim, Role="lambda-role"))
        assert_error(response, "ValidationException", 400, role_message)


def test_out_of_range_timeout_and_memory(lam, victim):
    with unchanged(lam, victim):
        response = service_error(lambda: lam.update_function_configuration(FunctionName=victim, Timeout=901))
        assert_error(response, "ValidationException", 400,
                     "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: "
                     "Member must have value less than or equal to 900")
        response = service_error(lambda: lam.update_function_configuration(FunctionName=victim, MemorySize=10241))
        assert_error(response, "ValidationException", 400,
                     "1 validation error detected: Value '10241' at 'memorySize' failed to satisfy constraint: "
                     "Member must have value less than or equal to 10240")


def test_code_from_s3_is_refused_naming_zipfile(lam, victim):
    name = unique("s3")
    response = service_error(lambda: lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                                         Handler="lambda_function.handler",
                                                         Code={"S3Bucket": "deployments", "S3Key": "fn.zip"}))
    # lowcloud has no S3: the message must point at the alternative.
    assert_error(response, "InvalidParameterValueException", 400)
    assert "ZipFile" in response["Error"]["Message"]
    absent(lam, name)
    with unchanged(lam, victim):
        response = service_error(lambda: lam.update_function_code(FunctionName=victim, S3Bucket="deployments",
                                                                  S3Key="fn.zip"))
        assert_error(response, "InvalidParameterValueException", 400)
        assert "ZipFile" in response["Error"]["Message"]


def test_updates_to_a_missing_function_are_404(lam):
    name = unique("missing")
    message = f"Function not found: {function_arn(name)}"
    for call in (lambda: lam.update_function_code(FunctionName=name, ZipFile=make_zip(python_code(1))),
                 lambda: lam.update_function_configuration(FunctionName=name, Timeout=5),
                 lambda: lam.publish_version(FunctionName=name),
                 lambda: lam.get_function_configuration(FunctionName=name)):
        assert_error(service_error(call), "ResourceNotFoundException", 404, message)
    absent(lam, name)


INIT_ERRORS = [
    ("nofile.handler", None, "Runtime.ImportModuleError", "Unable to import module 'nofile': No module named 'nofile'"),
    ("lambda_function.nope", None, "Runtime.HandlerNotFound", "Handler 'nope' missing on module 'lambda_function'"),
    ("nodot", None, "Runtime.MalformedHandlerName",
     "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)"),
    ("lambda_function.handler", {"lambda_function.py": "def handler(event, context)\n    return 1\n"},
     "Runtime.UserCodeSyntaxError", "Syntax error in module 'lambda_function': "),
]


@pytest.mark.parametrize("handler,files,error_type,message", INIT_ERRORS,
                         ids=["missing-file", "missing-function", "malformed-handler", "syntax-error"])
def test_a_handler_that_cannot_load_fails_the_invocation_with_the_init_error(lam, handler, files, error_type, message):
    name = unique("init-error")
    r, _ = create_python_function(lam, name, handler=handler, files=files)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201 and r["State"] == "Active"
    for _ in range(2):  # every invocation retries the init, and fails the same way
        response, body = invoke(lam, name)
        assert response["StatusCode"] == 200
        assert response["FunctionError"] == "Unhandled"
        assert response["ResponseMetadata"]["HTTPHeaders"]["x-amz-function-error"] == "Unhandled"
        assert body["errorType"] == error_type
        if error_type == "Runtime.UserCodeSyntaxError":
            assert body["errorMessage"].startswith(message)
        else:
            assert body["errorMessage"] == message
            assert body["stackTrace"] == []
    # Fixing the handler fixes the function.
    lam.update_function_code(FunctionName=name, ZipFile=make_zip(python_code(5)))
    lam.update_function_configuration(FunctionName=name, Handler="lambda_function.handler")
    response, body = invoke(lam, name)
    assert "FunctionError" not in response and body["version"] == 5


def test_invoke_request_id_header_matches_the_log(lam):
    name = unique("reqid")
    create_python_function(lam, name)
    response, _ = invoke(lam, name, LogType="Tail")
    rid = request_id(response)
    assert re.fullmatch(UUID, rid)
    lines = log_lines(response)
    assert f"START RequestId: {rid} Version: $LATEST" in lines and f"END RequestId: {rid}" in lines
