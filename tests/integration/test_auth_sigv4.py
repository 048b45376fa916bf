"""`lowcloud serve --auth sigv4`: AWS Signature Version 4 checked on every
request AWS wants signed, with AWS's errors per service, against credentials
from --credentials or the manifest's `auth:`. Clients: Debian's boto3 1.26
(signing with its own SigV4Auth / SigV4QueryAuth), Debian's AWS CLI v2.9
(/usr/bin/aws) and raw HTTP. Off by default, as in every local peer."""
import datetime
import json
import os
import subprocess
import urllib.error
import urllib.request
from unittest import mock

import boto3
import botocore.auth
import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import AWS, BIN
from dynamodb_util import raw_call, unique
from lambda_util import create_python_function

KEY, SECRET = "AKIDLOWCLOUDTEST", "s3cr3t/Key+Example"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def signed_server():
    from conftest import Server
    s = Server(["--in-memory", "--log-level", "warn", "--auth", "sigv4", "--credentials", f"{KEY}:{SECRET}",
                "--credentials", "second:other-secret"])
    yield s
    s.stop()


def client(url, service, key=KEY, secret=SECRET):
    return boto3.client(service, endpoint_url=url, region_name=REGION, aws_access_key_id=key, aws_secret_access_key=secret,
                        config=botocore.config.Config(retries={"total_max_attempts": 1}))


def error(call):
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"], e.value.response["Error"]["Message"]


BAD_SIGNATURE = ("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key "
                 "and signing method. Consult the service documentation for details.")


def test_signed_requests_pass_with_either_credential(signed_server):
    ddb = client(signed_server.url, "dynamodb")
    name = unique("auth")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    ddb.put_item(TableName=name, Item={"id": {"S": "1"}})
    other = client(signed_server.url, "dynamodb", "second", "other-secret")
    assert other.get_item(TableName=name, Key={"id": {"S": "1"}})["Item"] == {"id": {"S": "1"}}


def test_unknown_key_is_unrecognized_and_changes_nothing(signed_server):
    bad = client(signed_server.url, "dynamodb", key="AKIDUNKNOWN")
    name = unique("never")
    code, status, message = error(lambda: bad.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}]))
    assert (code, status, message) == ("UnrecognizedClientException", 400, "The security token included in the request is invalid.")
    assert name not in client(signed_server.url, "dynamodb").list_tables()["TableNames"]


def test_wrong_secret_is_an_invalid_signature(signed_server):
    bad = client(signed_server.url, "dynamodb", secret="wrong")
    assert error(bad.list_tables) == ("InvalidSignatureException", 400, BAD_SIGNATURE)


def test_unsigned_request_misses_the_token(signed_server):
    resp = raw_call(signed_server.url, "ListTables", {}, sign=False)
    assert resp.status == 400
    assert resp.error_type == "com.amazon.coral.service#MissingAuthenticationTokenException"
    assert resp.message == "Request is missing Authentication Token"


@pytest.mark.parametrize("minutes, prefix", [(-20, "Signature expired: "), (20, "Signature not yet current: ")])
def test_fifteen_minute_window(signed_server, minutes, prefix):
    shifted = datetime.datetime.utcnow() + datetime.timedelta(minutes=minutes)

    class Clock(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return shifted

    ddb = client(signed_server.url, "dynamodb")
    with mock.patch.object(botocore.auth.datetime, "datetime", Clock):
        code, status, message = error(ddb.list_tables)
    assert (code, status) == ("InvalidSignatureException", 400)
    assert message.startswith(prefix) and "15 min.)" in message, message
    # Within the window: accepted.
    shifted = datetime.datetime.utcnow() - datetime.timedelta(minutes=10)
    with mock.patch.object(botocore.auth.datetime, "datetime", Clock):
        ddb.list_tables()


def test_tampered_body_fails(signed_server):
    # Sign one body, send another.
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    body = json.dumps({"Limit": 1})
    req = AWSRequest(method="POST", url=signed_server.url + "/", data=body,
                     headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables"})
    botocore.auth.SigV4Auth(Credentials(KEY, SECRET), "dynamodb", REGION).add_auth(req)
    headers = dict(req.headers.items())
    ok = urllib.request.Request(signed_server.url + "/", data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(ok) as r:
        assert r.status == 200
    tampered = urllib.request.Request(signed_server.url + "/", data=json.dumps({"Limit": 2}).encode(), headers=headers, method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(tampered)
    assert e.value.code == 400
    assert json.loads(e.value.read())["__type"] == "com.amazon.coral.service#InvalidSignatureException"


def test_health_and_preflights_need_no_signature(signed_server):
    with urllib.request.urlopen(signed_server.url + "/") as r:
        assert r.read().startswith(b"healthy: dynamodb.")
    with urllib.request.urlopen(signed_server.url + "/_lowcloud/health") as r:
        assert json.loads(r.read())["status"] == "running"
    pre = urllib.request.Request(signed_server.url + "/", method="OPTIONS",
                                 headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"})
    with urllib.request.urlopen(pre) as r:
        assert r.status == 200


def test_lambda_errors_are_403_and_functions_sign_their_own_calls(signed_server):
    lam = client(signed_server.url, "lambda")
    assert error(client(signed_server.url, "lambda", secret="nope").list_functions) == ("InvalidSignatureException", 403, BAD_SIGNATURE)
    assert error(client(signed_server.url, "lambda", key="nobody").list_functions)[:2] == ("UnrecognizedClientException", 403)
    # A Python function calls DynamoDB with the credentials its environment
    # gets (the first configured ones); the Runtime API itself is not signed.
    code = ("import boto3\n"
            "def handler(event, context):\n"
            "    return boto3.client('dynamodb').list_tables(Limit=1)['ResponseMetadata']['HTTPStatusCode']\n")
    name = unique("fn")
    create_python_function(lam, name, files={"lambda_function.py": code})
    out = lam.invoke(FunctionName=name, Payload=b"{}")
    assert "FunctionError" not in out, out["Payload"].read()
    assert json.loads(out["Payload"].read()) == 200


def test_presigned_urls(signed_server):
    lam = client(signed_server.url, "lambda")
    url = lam.generate_presigned_url("list_functions", ExpiresIn=60)
    assert "X-Amz-Signature=" in url
    with urllib.request.urlopen(url) as r:
        assert "Functions" in json.loads(r.read())
    tampered = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")[:len(url)]
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(tampered)
    assert e.value.code == 403
    assert e.value.headers["x-amzn-ErrorType"].startswith("InvalidSignatureException")


def test_iam_and_sts_answer_in_xml(signed_server):
    sts = client(signed_server.url, "sts")
    assert sts.get_caller_identity()["Account"] == "000000000000"
    code, status, message = error(client(signed_server.url, "sts", secret="bad").get_caller_identity)
    assert (code, status, message) == ("SignatureDoesNotMatch", 403, BAD_SIGNATURE)
    code, status, _ = error(client(signed_server.url, "iam", key="nobody").list_roles)
    assert (code, status) == ("InvalidClientTokenId", 403)


def test_api_gateway_control_plane_is_signed_and_invocations_are_not(signed_server):
    apigw = client(signed_server.url, "apigateway")
    assert error(client(signed_server.url, "apigateway", secret="bad").get_rest_apis)[:2] == ("InvalidSignatureException", 403)
    api = apigw.create_rest_api(name=unique("api"))["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(restApiId=api, resourceId=root, httpMethod="GET", statusCode="200")
    apigw.put_integration_response(restApiId=api, resourceId=root, httpMethod="GET", statusCode="200",
                                   responseTemplates={"application/json": '{"ok": true}'})
    apigw.create_deployment(restApiId=api, stageName="test")
    with urllib.request.urlopen(f"{signed_server.url}/restapis/{api}/test/_user_request_/") as r:
        assert json.loads(r.read()) == {"ok": True}


def test_aws_cli_v2_signs_with_its_environment(signed_server):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION=REGION)
    env.pop("AWS_SESSION_TOKEN", None)
    ok = subprocess.run([AWS, "--endpoint-url", signed_server.url, "dynamodb", "list-tables"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    env["AWS_SECRET_ACCESS_KEY"] = "wrong"
    bad = subprocess.run([AWS, "--endpoint-url", signed_server.url, "dynamodb", "list-tables"], env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "InvalidSignatureException" in bad.stderr


def test_default_accepts_anything(server):
    resp = raw_call(server.url, "ListTables", {}, sign=False)
    assert resp.status == 200


def test_manifest_auth_section(tmp_path, start_server):
    manifest = tmp_path / "lowcloud.yaml"
    manifest.write_text(f"auth:\n  mode: sigv4\n  credentials:\n    - access_key_id: {KEY}\n      secret_access_key: {SECRET}\n")
    s = start_server("--in-memory", "--config", str(manifest))
    client(s.url, "dynamodb").list_tables()
    assert error(client(s.url, "dynamodb", secret="x").list_tables)[0] == "InvalidSignatureException"
    # The command line can turn it off again.
    s2 = start_server("--in-memory", "--config", str(manifest), "--auth", "none")
    assert raw_call(s2.url, "ListTables", {}, sign=False).status == 200


@pytest.mark.parametrize("args, manifest, fragment", [
    (["--auth", "sigv4"], None, "--auth sigv4 needs credentials"),
    (["--auth", "hmac"], None, "--auth: unknown mode 'hmac'"),
    (["--auth", "sigv4", "--credentials", "nocolon"], None, "expected ACCESS_KEY_ID:SECRET_ACCESS_KEY"),
    ([], "auth:\n  mode: sigv4\n  credentails: []\n", "lowcloud.yaml:3: auth.credentails: unknown key"),
    ([], "auth:\n  mode: strict\n", "auth.mode"),
])
def test_configuration_errors_stop_startup(tmp_path, args, manifest, fragment):
    cmd = [BIN, "serve", "--port", "0", "--in-memory", *args]
    if manifest:
        (tmp_path / "lowcloud.yaml").write_text(manifest)
        cmd += ["--config", str(tmp_path / "lowcloud.yaml")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert fragment in proc.stderr, proc.stderr


@pytest.mark.parametrize("isolation", ["process", "in-process"])
def test_watches_native_handlers_sign_their_dynamodb_calls(tmp_path, start_server, isolation):
    # The handler SDK signs with the credentials its environment gets (the
    # first configured ones), so the Watches demo works under --auth sigv4.
    from conftest import repo_manifest
    text = repo_manifest()
    if isolation == "in-process":
        text = text.replace("    handler: get_watch\n", "    handler: get_watch\n    isolation: in-process\n")
    (tmp_path / "lowcloud.yaml").write_text(text)
    s = start_server("--in-memory", "--config", str(tmp_path / "lowcloud.yaml"), "--auth", "sigv4", "--credentials", f"{KEY}:{SECRET}",
                     env=dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test"))
    with urllib.request.urlopen(s.url + "/info/v2/watch/CV2115.FC6186") as r:
        assert json.loads(r.read())["sku"] == "CV2115.FC6186"
