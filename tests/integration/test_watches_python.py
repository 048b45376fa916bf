"""The course's Python deliverable (examples/watches-python), deployed by its
own four AWS CLI scripts, unchanged, against a lowcloud started on port 0:
`eval "$(lowcloud env)"` first (Debian's AWS CLI 2.9 and boto3 1.26 on PATH,
neither of which reads AWS_ENDPOINT_URL), then initialize_dynamodb.sh,
create_lambdas.sh and create_api_gateway.sh; the API is checked through the
stage URL and the execute-api Host, update_lambdas.sh serves changed code,
and a restart on the same data dir still answers.
"""
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import BIN, REPO, Server

EXAMPLE = os.path.join(REPO, "examples", "watches-python")
DATA = os.path.join(REPO, "fixtures", "watches.json")
SKUS = ["CV2115.FC6186", "CAR2A8A.BF0707-AM"]


def run_scripts(server, workdir, *scripts):
    """Runs scripts of the example in a clean shell pointed at `server`."""
    shim_dir = os.path.join(workdir, "lowcloud-env")
    lines = ["set -euo pipefail", f'eval "$("{BIN}" env --port {server.port} --dir {shim_dir})"', f"cd {workdir}/example"]
    lines += list(scripts)
    env = {"HOME": workdir, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    done = subprocess.run(["bash", "-c", "\n".join(lines)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{scripts}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}\nlog:\n{server.log()[-3000:]}"
    return done.stdout


def call(url, method="GET", body=None, host=None):
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if host:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def item_count(server):
    import boto3
    ddb = boto3.client("dynamodb", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    return ddb.scan(TableName="project1", Select="COUNT")["Count"]


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("watches-python"))
    shutil.copytree(EXAMPLE, os.path.join(work, "example"))
    data_dir = os.path.join(work, "data")
    server = Server(["--data-dir", data_dir, "--log-level", "info"])
    out = run_scripts(server, work, f"./initialize_dynamodb.sh {DATA}", "./create_lambdas.sh", "./create_api_gateway.sh")
    assert "loaded 4136 watches into project1" in out
    with open(os.path.join(work, "example", "api-id.txt")) as f:
        api_id = f.read().strip()
    assert f"https://{api_id}.execute-api.us-east-1.amazonaws.com/v2" in out
    state = {"server": server, "work": work, "api": api_id, "data_dir": data_dir}
    yield state
    state["server"].stop()


def stage_url(d, path):
    return f"{d['server'].url}/restapis/{d['api']}/v2/_user_request_{path}"


def test_get_watches_field_by_field_as_in_the_data_file(deployed):
    with open(DATA, encoding="utf-8") as f:
        expected = {w["sku"]: w for w in json.load(f)}
    for sku in SKUS:
        status, got = call(stage_url(deployed, f"/watch/{sku}"))
        assert status == 200
        want = {k: v for k, v in expected[sku].items() if v is not None}
        want["year"] = int(want["year"])
        assert got == want


def test_the_execute_api_host_serves_the_stage(deployed):
    status, got = call(f"{deployed['server'].url}/v2/watch/{SKUS[0]}", host=f"{deployed['api']}.execute-api.localhost")
    assert status == 200 and got["sku"] == SKUS[0]


def test_the_custom_domain_serves_the_api_by_prefix(deployed):
    out = run_scripts(deployed["server"], deployed["work"], "./create_custom_domain.sh api-watches.example.com")
    assert "https://api-watches.example.com/info/v2 -> API " + deployed["api"] in out
    host = "api-watches.example.com"
    status, got = call(f"{deployed['server'].url}/info/v2/watch/{SKUS[0]}", host=host)
    assert status == 200 and got["sku"] == SKUS[0]
    assert call(f"{deployed['server'].url}/info/v2/watch/NOPE", host=host)[0] == 404
    assert call(f"{deployed['server'].url}/image/v1/watch/{SKUS[0]}", host=host) == (403, {"message": "Forbidden"})


@pytest.mark.parametrize("shape", ["array-year-string", "object-watches", "array-year-number"])
def test_the_loader_takes_the_three_shapes_of_watches_json(deployed, shape):
    # The three shapes met in the wild, loaded with boto3's batch_writer from a
    # plain python3 (Debian's boto3 1.26, no endpoint in the code).
    with open(DATA, encoding="utf-8") as f:
        watches = json.load(f)[:60]
    if shape == "array-year-number":
        watches = [dict(w, year=int(w["year"])) for w in watches]
    document = {"watches": watches} if shape == "object-watches" else watches
    path = os.path.join(deployed["work"], f"{shape}.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, ensure_ascii=False)
    table = f"shape-{shape}"
    import boto3
    ddb = boto3.client("dynamodb", endpoint_url=deployed["server"].url, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "sku", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "sku", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    out = run_scripts(deployed["server"], deployed["work"], f"python3 load_watches.py {path} {table}")
    assert f"loaded 60 watches into {table}" in out
    item = ddb.get_item(TableName=table, Key={"sku": {"S": watches[0]["sku"]}})["Item"]
    assert item["year"] == {"N": str(int(watches[0]["year"]))}
    assert ddb.scan(TableName=table, Select="COUNT")["Count"] == 60


def test_without_boto3_the_cli_loads_in_batches_of_25(deployed):
    # LOADER=cli: batch-write-item by 25 built with jq, no waiter needed.
    with open(DATA, encoding="utf-8") as f:
        watches = json.load(f)[:60]
    path = os.path.join(deployed["work"], "cli-watches.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(watches, f, ensure_ascii=False)
    out = run_scripts(deployed["server"], deployed["work"], f"LOADER=cli ./initialize_dynamodb.sh {path}")
    assert "loaded 60 watches into project1" in out
    status, got = call(stage_url(deployed, "/watch/" + watches[59]["sku"]))
    assert status == 200 and got["year"] == int(watches[59]["year"])


def test_an_unknown_sku_is_404(deployed):
    assert call(stage_url(deployed, "/watch/NOPE")) == (404, {"message": "Watch not found"})


def test_post_then_get_invalid_post_and_duplicate(deployed):
    watch = {"sku": "PY.0001", "type": "watch", "status": "current", "gender": "woman", "year": 2026}
    assert call(stage_url(deployed, "/watch"), "POST", watch) == (200, watch)
    assert call(stage_url(deployed, "/watch/PY.0001")) == (200, watch)
    before = item_count(deployed["server"])
    status, body = call(stage_url(deployed, "/watch"), "POST", dict(watch, sku="PY.0002", type="clock"))
    assert status == 400 and "type" in body["message"]
    assert item_count(deployed["server"]) == before
    status, body = call(stage_url(deployed, "/watch"), "POST", watch)
    assert status == 400 and "already exists" in body["message"]
    assert item_count(deployed["server"]) == before


def test_update_lambdas_serves_the_changed_handler(deployed):
    path = os.path.join(deployed["work"], "example", "server.py")
    with open(path) as f:
        source = f.read()
    with open(path, "w") as f:
        f.write(source.replace('{"message": "Watch not found"}', '{"message": "No such watch"}'))
    run_scripts(deployed["server"], deployed["work"], "./update_lambdas.sh")
    assert call(stage_url(deployed, "/watch/NOPE")) == (404, {"message": "No such watch"})


def test_a_restart_on_the_same_data_dir_still_answers(deployed):
    assert deployed["server"].stop() == 0
    deployed["server"] = Server(["--data-dir", deployed["data_dir"], "--log-level", "info"])
    status, got = call(stage_url(deployed, f"/watch/{SKUS[1]}"))
    assert status == 200 and got["sku"] == SKUS[1]
    assert call(stage_url(deployed, "/watch/PY.0001"))[0] == 200
    status, got = call(f"{deployed['server'].url}/info/v2/watch/{SKUS[0]}", host="api-watches.example.com")
    assert status == 200 and got["sku"] == SKUS[0]
