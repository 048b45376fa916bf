"""Helpers shared by test_lambda_control_plane.py and test_lambda_runtimes.py:
zip packages built in memory, boto3 clients, invocation and error helpers,
and the AWS CLIs (v2 from Debian, v1 where the machine has one).

Expected messages in the test modules carry their source: the botocore
service model on this machine, AWS's runtime interface clients (Python and
Node.js), real AWS errors quoted in deployment logs, and LocalStack's
provider, whose messages are snapshot-tested against AWS.
"""
import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import uuid
import zipfile

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import AWS, BIN

ACCOUNT = "000000000000"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"
TEST_HANDLERS = os.path.join(os.path.dirname(BIN), "handlers", "test")
TEST_LIB = os.path.join(TEST_HANDLERS, "libtest_handlers.so")
RELOAD_V2_LIB = os.path.join(TEST_HANDLERS, "libtest_reload_v2.so")
CLI_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": REGION,
           "AWS_REGION": REGION, "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1"}


def unique(prefix="fn"):
    """A fresh function name: the module's server is shared by its tests."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def function_arn(name, qualifier=None):
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def lambda_client(url, timeout=60, validate=True):
    return boto3.client("lambda", endpoint_url=url, region_name=REGION, aws_access_key_id="test",
                        aws_secret_access_key="test",
                        config=botocore.config.Config(retries={"total_max_attempts": 1}, read_timeout=timeout,
                                                      connect_timeout=10, parameter_validation=validate,
                                                      max_pool_connections=32))


def make_zip(files, executables=(), compression=zipfile.ZIP_DEFLATED):
    """A zip of `files` (name -> str or bytes); names in `executables` get
    mode 0755 (as `zip` records it: a regular file with its Unix mode in the
    high 16 bits of external_attr), the others 0644."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            info.create_system = 3  # Unix: the mode bits below are meaningful
            info.external_attr = (0o100000 | (0o755 if name in executables else 0o644)) << 16
            z.writestr(info, content.encode() if isinstance(content, str) else content)
    return buf.getvalue()


def code_sha256(zip_bytes):
    """Lambda's CodeSha256: the base64 of the package's SHA-256 digest."""
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()


def invoke(lam, name, payload=None, **kw):
    """Invokes synchronously; returns (response, decoded JSON body or None)."""
    r = lam.invoke(FunctionName=name, Payload=json.dumps(payload if payload is not None else {}).encode(), **kw)
    body = r["Payload"].read()
    return r, (json.loads(body) if body else None)


def log_lines(response):
    """The lines of the base64 X-Amz-Log-Result of a `LogType="Tail"` call."""
    return base64.b64decode(response["LogResult"]).decode("utf-8", "replace").splitlines()


def request_id(response):
    return response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


def service_error(call):
    """Runs `call`, which must fail with an AWS error; returns botocore's
    parsed error response (Error.Code, Error.Message, ResponseMetadata)."""
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response


def assert_error(response, code, status, message=None):
    assert response["Error"]["Code"] == code, response["Error"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status, response["ResponseMetadata"]
    if message is not None:
        assert response["Error"]["Message"] == message


def configuration(lam, name, qualifier=None):
    """GetFunctionConfiguration without the per-call metadata."""
    kw = {"Qualifier": qualifier} if qualifier else {}
    config = lam.get_function_configuration(FunctionName=name, **kw)
    config.pop("ResponseMetadata", None)
    return config


def cli_env(extra=None):
    env = dict(os.environ, **CLI_ENV)
    env.update(extra or {})
    return env


def run_cli(binary, url, *args, check=True, timeout=120):
    """One AWS CLI command against `url` with dummy credentials; returns the
    CompletedProcess (stdout is JSON where the command prints any)."""
    return subprocess.run([binary, "--endpoint-url", url, "--output", "json", *args], env=cli_env(),
                          capture_output=True, text=True, check=check, timeout=timeout)


def cli_v2(url, *args, **kw):
    return run_cli(AWS, url, *args, **kw)


def find_cli_v1():
    """An AWS CLI v1 (`aws --version` says aws-cli/1.x): the `aws` on PATH,
    or a pyenv shim; None when the machine has none (v1 is optional)."""
    candidates = [shutil.which("aws"), os.path.expanduser("~/.pyenv/shims/aws"), "/root/.pyenv/shims/aws",
                  "/usr/local/bin/aws"]
    for candidate in dict.fromkeys(c for c in candidates if c and os.path.exists(c)):
        try:
            out = subprocess.run([candidate, "--version"], capture_output=True, text=True, timeout=60, env=cli_env())
        except (OSError, subprocess.TimeoutExpired):
            continue
        if (out.stdout + out.stderr).strip().startswith("aws-cli/1."):
            return candidate
    return None


# --- function code -----------------------------------------------------------

def python_code(version, module="lambda_function", extra=""):
    """A Python handler `module.handler` answering {"version", "event"}."""
    return {f"{module}.py": f'''import json
import os

VERSION = {version}


def handler(event, context):
    print("python v{version} handling " + json.dumps(event))
    names = event.get("env", []) if isinstance(event, dict) else []
    return {{"version": VERSION, "event": event, "env": {{n: os.environ.get(n) for n in names}}}}
{extra}'''}


def create_python_function(lam, name, version=1, runtime="python3.12", handler="lambda_function.handler", files=None,
                           **kw):
    package = make_zip(files or python_code(version))
    return lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                               Code={"ZipFile": package}, **kw), package
