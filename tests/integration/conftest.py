"""Fixtures for the integration suite: start the real `lowcloud` binary on an
ephemeral port and talk to it with real clients (boto3, the AWS CLI, raw HTTP).

The binary comes from $LOWCLOUD_BIN (set by ctest); by default each test
module gets one in-memory server, and tests that need their own (restart,
signals, persistence) start one with `start_server`.
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config
import pytest

REPO = os.environ.get("LOWCLOUD_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BIN = os.environ.get("LOWCLOUD_BIN", os.path.join(REPO, "build", "lowcloud"))
# Debian's AWS CLI v2 (a pyenv shim named aws may shadow it on PATH).
AWS = "/usr/bin/aws" if os.path.exists("/usr/bin/aws") else "aws"


def repo_manifest(library_dir=None):
    """The repository's lowcloud.yaml with its paths made absolute and its
    handler libraries taken from the build under test (or `library_dir`)."""
    with open(os.path.join(REPO, "lowcloud.yaml"), encoding="utf-8") as f:
        text = f.read()
    build_libs = library_dir or os.path.join(os.path.dirname(BIN), "handlers", "watches")
    text = text.replace("library: build/handlers/watches/", f"library: {build_libs}/")
    return re.sub(r"(spec|file): (openapi|fixtures)/", lambda m: f"{m.group(1)}: {REPO}/{m.group(2)}/", text)


class Server:
    """A running lowcloud process. `url` is http://127.0.0.1:PORT."""

    def __init__(self, args=(), cwd=None, env=None):
        cmd = [BIN, "serve", "--port", "0", *args]
        self.log_file = tempfile.NamedTemporaryFile(prefix="lowcloud-log-", suffix=".txt", delete=False)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log_file, cwd=cwd or tempfile.gettempdir(),
                                     env=env, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"listening on (http://[^:]+:(\d+))", line or "")
        if not m:
            self.proc.kill()
            raise RuntimeError(f"lowcloud did not start: {line!r}; log: {self.log()}")
        self.url = m.group(1)
        self.port = int(m.group(2))

    def log(self):
        with open(self.log_file.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def client(service, url):
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def server():
    s = Server(["--in-memory", "--log-level", "warn"])
    yield s
    assert s.stop() == 0, s.log()


@pytest.fixture
def start_server():
    started = []

    def start(*args, **kwargs):
        s = Server(args, **kwargs)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture(scope="module")
def ddb(server):
    return client("dynamodb", server.url)


def http_call(server, method, path, body=None, headers=None, timeout=15):
    """One plain HTTP request to the server; returns (response, body bytes)."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def aws_cli(server_url, *args, check=True):
    """Runs the AWS CLI against the server; returns CompletedProcess."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
               AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
    return subprocess.run([AWS, "--endpoint-url", server_url, "--output", "json", *args], env=env,
                          capture_output=True, text=True, check=check)
