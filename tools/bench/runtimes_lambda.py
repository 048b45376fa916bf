#!/usr/bin/env python3
"""Control-plane helper of tools/bench/runtimes.sh: Lambda CreateFunction and
Invoke sent directly over HTTP (http.client, request bodies built before the
clock starts), so no SDK or CLI start-up is measured.

  runtimes_lambda.py create-to-invoke URL TRIES
      TRIES + 1 python3.12 functions with distinct names, each a distinct
      ~1 MB zip (1 MiB of random, incompressible bytes in blob.bin plus a
      two-line handler; distinct because lowcloud stores a package once per
      content): time from the start of the CreateFunction request to its
      response, then to the end of the first successful Invoke. Prints
      `try N create_ms invoke_ms total_ms init_ms zip_bytes` per try; try 0 is
      the server's first Python environment (its Invoke also waits for
      lowcloud's one read of the interpreter's version, started by the
      CreateFunction: ~50 ms through a pyenv shim).
  runtimes_lambda.py cold URL RUNTIME TRIES
      TRIES functions of a trivial handler (python3.x or nodejs*.x, each a
      distinct small zip): the first Invoke's wall time and the Init Duration
      of the REPORT line of its tail log (X-Amz-Log-Type: Tail). Prints
      `try N init_ms invoke_ms` per try.
  runtimes_lambda.py deploy URL NAME RUNTIME HANDLER [ZIP] [CONCURRENCY]
      creates one function (the trivial handler of RUNTIME, or ZIP), sets its
      reserved concurrency when CONCURRENCY is given, invokes it once and
      checks the answer. Prints `cold_ms`.
  runtimes_lambda.py start-time TRIES COMMAND [ARG...]
      the median wall time (ms) of TRIES runs of COMMAND: the interpreters'
      own start-up on this machine, context for the cold starts.
  runtimes_lambda.py python-handler DIR
      writes the trivial Python handler (the one the other commands deploy)
      to DIR/lambda_function.py, for the peer.

Functions measured by create-to-invoke and cold are deleted afterwards (not
timed), so their environments do not pile up. Anything unexpected (a non-2xx
answer, a function error, no Init Duration on a cold invoke) is printed to
stderr with the server's answer, and the exit code is 1.
"""
import base64
import http.client
import io
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid
import zipfile

ROLE = "arn:aws:iam::000000000000:role/lowcloud-bench"
PAYLOAD = b'{"sku":"CV2115.FC6186"}'

PYTHON_HANDLER = "def handler(event, context):\n    return {\"ok\": True}\n"
NODE_HANDLER = "exports.handler = async () => ({ ok: true });\n"


class BenchError(Exception):
    pass


def make_zip(files):
    """A zip of name -> bytes; files over 64 KB are stored (random bytes do
    not compress), the others deflated."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = (0o100000 | 0o644) << 16
            info.compress_type = zipfile.ZIP_STORED if len(content) > 65536 else zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return buf.getvalue()


def trivial_code(runtime, tag):
    """(zip bytes, handler, expected response body) of the trivial handler;
    `tag` (a comment) makes the package distinct."""
    if runtime.startswith("python"):
        return make_zip({"lambda_function.py": f"# {tag}\n{PYTHON_HANDLER}".encode()}), "lambda_function.handler", {"ok": True}
    if runtime.startswith("nodejs"):
        return make_zip({"index.js": f"// {tag}\n{NODE_HANDLER}".encode()}), "index.handler", {"ok": True}
    raise BenchError(f"no trivial handler for runtime {runtime}")


def create_body(name, runtime, handler, zip_bytes):
    return json.dumps({"FunctionName": name, "Runtime": runtime, "Role": ROLE, "Handler": handler,
                       "Code": {"ZipFile": base64.b64encode(zip_bytes).decode()}}).encode()


class Client:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port or 80

    def request(self, method, path, body=None, headers=None):
        """One request on a fresh connection; returns (status, headers, body)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            conn.request(method, path, body, dict({"Content-Type": "application/json"}, **(headers or {})))
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def create(self, name, body):
        status, _, data = self.request("POST", "/2015-03-31/functions", body)
        if status != 201:
            raise BenchError(f"CreateFunction {name}: HTTP {status}: {data[:500]!r}")

    def invoke(self, name, expected=None, tail=False):
        """A synchronous Invoke that must succeed; returns the REPORT line's
        Init Duration in ms (None when absent) when `tail`."""
        status, headers, data = self.request("POST", f"/2015-03-31/functions/{name}/invocations", PAYLOAD,
                                             {"X-Amz-Log-Type": "Tail"} if tail else None)
        if status != 200 or "x-amz-function-error" in headers:
            raise BenchError(f"Invoke {name}: HTTP {status}, function error {headers.get('x-amz-function-error')!r}: "
                             f"{data[:1000]!r}")
        if expected is not None and json.loads(data or b"null") != expected:
            raise BenchError(f"Invoke {name}: unexpected answer {data[:500]!r}, expected {json.dumps(expected)}")
        if not tail:
            return None
        log = base64.b64decode(headers.get("x-amz-log-result", "")).decode("utf-8", "replace")
        for line in log.splitlines():
            if line.startswith("REPORT "):
                for field in line.split("\t"):
                    if field.startswith("Init Duration: "):
                        return float(field.split()[2])
                return None
        raise BenchError(f"Invoke {name}: no REPORT line in the tail log (X-Amz-Log-Result): {log!r}")

    def delete(self, name):
        status, _, data = self.request("DELETE", f"/2015-03-31/functions/{name}")
        if status != 204:
            raise BenchError(f"DeleteFunction {name}: HTTP {status}: {data[:500]!r}")

    def concurrency(self, name, n):
        status, _, data = self.request("PUT", f"/2017-10-31/functions/{name}/concurrency",
                                       json.dumps({"ReservedConcurrentExecutions": n}).encode())
        if status != 200:
            raise BenchError(f"PutFunctionConcurrency {name}: HTTP {status}: {data[:500]!r}")


def ms(seconds):
    return seconds * 1000.0


def create_to_invoke(url, tries):
    c = Client(url)
    run = uuid.uuid4().hex[:8]
    for i in range(tries + 1):
        name = f"bench-zip-{run}-{i}"
        zip_bytes = make_zip({"lambda_function.py": PYTHON_HANDLER.encode(), "blob.bin": os.urandom(1 << 20)})
        body = create_body(name, "python3.12", "lambda_function.handler", zip_bytes)
        t0 = time.perf_counter()
        c.create(name, body)
        t1 = time.perf_counter()
        init = c.invoke(name, {"ok": True}, tail=True)
        t2 = time.perf_counter()
        if init is None:
            raise BenchError(f"Invoke {name}: the first invoke of a new function reported no Init Duration")
        print(f"try {i} {ms(t1 - t0):.2f} {ms(t2 - t1):.2f} {ms(t2 - t0):.2f} {init:.2f} {len(zip_bytes)}", flush=True)
        c.delete(name)


def cold(url, runtime, tries):
    c = Client(url)
    run = uuid.uuid4().hex[:8]
    for i in range(tries):
        name = f"bench-cold-{runtime.replace('.', '')}-{run}-{i}"
        zip_bytes, handler, expected = trivial_code(runtime, name)
        c.create(name, create_body(name, runtime, handler, zip_bytes))
        t0 = time.perf_counter()
        init = c.invoke(name, expected, tail=True)
        t1 = time.perf_counter()
        if init is None:
            raise BenchError(f"Invoke {name}: the first invoke of a new {runtime} function reported no Init Duration")
        print(f"try {i} {init:.2f} {ms(t1 - t0):.2f}", flush=True)
        c.delete(name)


def deploy(url, name, runtime, handler, zip_path=None, concurrency=None):
    c = Client(url)
    if zip_path:
        with open(zip_path, "rb") as f:
            zip_bytes = f.read()
        expected = None
    else:
        zip_bytes, handler_default, expected = trivial_code(runtime, name)
        handler = handler or handler_default
    c.create(name, create_body(name, runtime, handler, zip_bytes))
    if concurrency:
        c.concurrency(name, concurrency)
    t0 = time.perf_counter()
    c.invoke(name, expected)
    print(f"{ms(time.perf_counter() - t0):.2f}")


def main(argv):
    try:
        if len(argv) == 4 and argv[1] == "create-to-invoke":
            create_to_invoke(argv[2], int(argv[3]))
        elif len(argv) == 5 and argv[1] == "cold":
            cold(argv[2], argv[3], int(argv[4]))
        elif 6 <= len(argv) <= 8 and argv[1] == "deploy":
            deploy(argv[2], argv[3], argv[4], argv[5], argv[6] if len(argv) > 6 and argv[6] else None,
                   int(argv[7]) if len(argv) > 7 else None)
        elif len(argv) >= 4 and argv[1] == "start-time":
            times = []
            for _ in range(int(argv[2])):
                t0 = time.perf_counter()
                subprocess.run(argv[3:], check=True, stdout=subprocess.DEVNULL)
                times.append(ms(time.perf_counter() - t0))
            print(f"{statistics.median(times):.2f}")
        elif len(argv) == 3 and argv[1] == "python-handler":
            with open(os.path.join(argv[2], "lambda_function.py"), "w", encoding="utf-8") as f:
                f.write(PYTHON_HANDLER)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (BenchError, OSError, http.client.HTTPException, ValueError, subprocess.CalledProcessError) as e:
        print(f"runtimes_lambda.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
