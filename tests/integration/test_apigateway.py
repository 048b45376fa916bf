"""API Gateway: OpenAPI-defined REST and HTTP APIs routed to native Lambda
handlers, driven with plain HTTP clients (urllib). Specs in apis/; handlers
in handlers/test/ (event: returns its proxy event; respond: returns the proxy
response the client sends)."""
import base64
import json
import time
import os
import subprocess
import textwrap

import pytest

from conftest import BIN, Server, http_call

HERE = os.path.dirname(__file__)
LIB = os.path.join(os.path.dirname(BIN), "handlers", "test", "libtest_handlers.so")
REST_ID = None


def manifest_text(extra_apis=""):
    return textwrap.dedent(f"""\
        functions:
          - {{name: event, library: {LIB}, handler: event_handler}}
          - {{name: respond, library: {LIB}, handler: respond_handler}}
          - {{name: sleepy, library: {LIB}, handler: sleep_handler, timeout: 5}}
        apis:
          - name: test-rest
            spec: {os.path.join(HERE, 'apis', 'rest_api.yaml')}
            type: rest
            stages: {{dev: {{variables: {{table: project1}}}}}}
            base_paths: [/test/v1]
            api_keys: [k1]
            usage_plans:
              - {{name: tight, api_keys: [k2], throttle: {{rate_limit: 1, burst_limit: 2}}}}
              - {{name: daily, api_keys: [k3], quota: {{limit: 2, period: DAY}}}}
            cors: {{allow_origins: ["https://app.example"], allow_methods: [GET, POST], max_age: 600}}
          - name: test-swagger
            spec: {os.path.join(HERE, 'apis', 'swagger_api.yaml')}
            base_paths: [/swagger]
            api_keys: [sk]
          - name: test-http
            spec: {os.path.join(HERE, 'apis', 'http_api.yaml')}
            type: http
            base_paths: [/test/v1/http]
            functions: {{plainGet: event}}
        """) + extra_apis


@pytest.fixture(scope="module")
def gw(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("apigw")
    (tmp / "lowcloud.yaml").write_text(manifest_text())
    s = Server(["--in-memory", "--log-level", "info", "--config", str(tmp / "lowcloud.yaml")])
    yield s
    assert s.stop() == 0, s.log()


call = http_call


def api_id(server, name):
    r, data = call(server, "GET", "/_lowcloud/health")
    return json.loads(data)["services"]["apigateway"]["apis"][name]["id"]


def test_rest_event_fields(gw):
    r, data = call(gw, "GET", "/test/v1/items/CV2115.FC6186%20x?a=1&a=2&b=x%20y", headers={"User-Agent": "tester", "X-Multi": "one"})
    assert r.status == 200, data
    assert r.getheader("x-amzn-RequestId")
    e = json.loads(data)
    assert e["resource"] == "/items/{id}"
    assert e["path"] == "/items/CV2115.FC6186%20x"
    assert e["httpMethod"] == "GET"
    assert e["pathParameters"] == {"id": "CV2115.FC6186 x"}
    assert e["queryStringParameters"] == {"a": "2", "b": "x y"}
    assert e["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x y"]}
    assert e["stageVariables"] == {"table": "project1"}
    assert e["headers"]["User-Agent"] == "tester"
    assert e["multiValueHeaders"]["X-Multi"] == ["one"]
    assert e["body"] is None and e["isBase64Encoded"] is False
    ctx = e["requestContext"]
    assert ctx["stage"] == "dev" and ctx["httpMethod"] == "GET" and ctx["resourcePath"] == "/items/{id}"
    assert ctx["apiId"] == api_id(gw, "test-rest")
    assert ctx["identity"]["sourceIp"] == "127.0.0.1" and ctx["identity"]["userAgent"] == "tester"
    assert isinstance(ctx["requestTimeEpoch"], int) and ctx["requestId"]


def test_empty_maps_are_null_in_payload_1(gw):
    r, data = call(gw, "GET", "/test/v1/items/1")
    e = json.loads(data)
    assert e["queryStringParameters"] is None and e["multiValueQueryStringParameters"] is None


def test_restapis_and_execute_api_host_urls(gw):
    rid = api_id(gw, "test-rest")
    r, data = call(gw, "GET", f"/restapis/{rid}/dev/_user_request_/items/7")
    assert r.status == 200 and json.loads(data)["pathParameters"] == {"id": "7"}
    r, data = call(gw, "GET", "/dev/items/8", headers={"Host": f"{rid}.execute-api.localhost:{gw.port}"})
    assert r.status == 200 and json.loads(data)["requestContext"]["stage"] == "dev"
    r, data = call(gw, "GET", "/prod/items/8", headers={"Host": f"{rid}.execute-api.localhost:{gw.port}"})
    assert r.status == 403


def test_api_ids_are_stable_across_restarts(tmp_path, gw):
    (tmp_path / "lowcloud.yaml").write_text(manifest_text())
    s = Server(["--in-memory", "--log-level", "warn", "--config", str(tmp_path / "lowcloud.yaml")])
    try:
        assert api_id(s, "test-rest") == api_id(gw, "test-rest")
    finally:
        s.stop()


def test_the_event_resource_id_is_the_resource_s_id_and_stable_across_restarts(tmp_path, gw):
    # The bug: requestContext.resourceId was derived from the path, not the
    # id get-resources lists for it.
    from conftest import client
    rid = api_id(gw, "test-rest")
    ids = {r["path"]: r["id"] for r in client("apigateway", gw.url).get_resources(restApiId=rid)["items"]}
    r, data = call(gw, "GET", "/test/v1/items/1")
    assert r.status == 200, data
    assert json.loads(data)["requestContext"]["resourceId"] == ids["/items/{id}"]
    assert len(ids["/items/{id}"]) == 6 and len(ids["/"]) == 10
    (tmp_path / "lowcloud.yaml").write_text(manifest_text())
    s = Server(["--in-memory", "--log-level", "warn", "--config", str(tmp_path / "lowcloud.yaml")])
    try:
        again = {r["path"]: r["id"] for r in client("apigateway", s.url).get_resources(restApiId=rid)["items"]}
        assert again == ids
    finally:
        s.stop()


def test_no_route_rest_403_http_404(gw):
    r, data = call(gw, "GET", "/test/v1/nothing")
    assert r.status == 403 and json.loads(data) == {"message": "Missing Authentication Token"}
    assert r.getheader("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    r, data = call(gw, "DELETE", "/test/v1/items/1")
    assert r.status == 403
    r, data = call(gw, "GET", "/test/v1/http/nothing")
    assert r.status == 404 and json.loads(data) == {"message": "Not Found"}


def test_literal_beats_greedy_and_greedy_captures(gw):
    r, data = call(gw, "POST", "/test/v1/files/a/b%2Fc/d.txt", body=b"hi")
    e = json.loads(data)
    # A greedy parameter arrives as sent (AWS recording); {param} values are decoded.
    assert e["resource"] == "/files/{proxy+}" and e["pathParameters"] == {"proxy": "a/b%2Fc/d.txt"}
    assert e["httpMethod"] == "POST" and e["body"] == "hi"
    r, data = call(gw, "GET", "/test/v1/files/special", body=json.dumps({"statusCode": 201, "body": "special"}),
                   headers={"Content-Type": "application/json"})
    assert r.status == 201 and data == b"special"


def test_longest_base_path_wins(gw):
    r, data = call(gw, "GET", "/test/v1/http/things/5")
    assert r.status == 200
    assert json.loads(data)["version"] == "2.0"


def test_http_api_payload_2_event(gw):
    r, data = call(gw, "GET", "/test/v1/http/things/5?x=1&x=2", headers={"Cookie": "a=1; b=2", "X-Dup": "v"})
    e = json.loads(data)
    assert e["routeKey"] == "GET /things/{id}"
    assert e["rawPath"] == "/things/5" and e["rawQueryString"] == "x=1&x=2"
    assert e["queryStringParameters"] == {"x": "1,2"}
    assert e["cookies"] == ["a=1", "b=2"]
    assert e["headers"]["x-dup"] == "v"
    assert e["pathParameters"] == {"id": "5"}
    assert e["requestContext"]["http"]["method"] == "GET" and e["requestContext"]["stage"] == "$default"
    assert e["isBase64Encoded"] is False


def test_manifest_mapping_binds_operations_without_the_extension(gw):
    r, data = call(gw, "GET", "/test/v1/http/plain")
    assert r.status == 200 and json.loads(data)["routeKey"] == "GET /plain"


@pytest.mark.parametrize("name,response,status,body", [
    ("not_an_object", [1, 2], 502, {"message": "Internal server error"}),
    ("unknown_member", {"statusCode": 200, "bodyy": "x"}, 502, {"message": "Internal server error"}),
    ("status_not_a_number", {"statusCode": "abc", "body": "x"}, 502, {"message": "Internal server error"}),
    ("body_not_a_string", {"statusCode": 200, "body": {"a": 1}}, 502, {"message": "Internal server error"}),
])
def test_malformed_rest_responses_are_502(gw, name, response, status, body):
    r, data = call(gw, "POST", "/test/v1/respond", body=json.dumps(response))
    assert r.status == status and json.loads(data) == body


def test_rest_response_headers_and_base64(gw):
    resp = {"statusCode": 202, "headers": {"X-A": "1", "X-B": "one"}, "multiValueHeaders": {"X-B": ["two", "three"]},
            "body": base64.b64encode(b"\x89PNG\x00\x01").decode(), "isBase64Encoded": True}
    # REST turns base64 into bytes when the client accepts a binary media type...
    r, data = call(gw, "POST", "/test/v1/respond", body=json.dumps(resp), headers={"Accept": "image/png"})
    assert r.status == 202 and data == b"\x89PNG\x00\x01"
    assert r.getheader("X-A") == "1"
    assert r.msg.get_all("X-B") == ["two", "three"]
    # ...and passes the base64 text through otherwise.
    r, data = call(gw, "POST", "/test/v1/respond", body=json.dumps(resp), headers={"Accept": "application/json"})
    assert data == resp["body"].encode()


def test_http_api_inference_and_errors(gw):
    r, data = call(gw, "POST", "/test/v1/http/respond", body=json.dumps({"hello": "world"}))
    assert r.status == 200 and json.loads(data) == {"hello": "world"}
    assert r.getheader("Content-Type").startswith("application/json")
    r, data = call(gw, "POST", "/test/v1/http/respond", body=json.dumps({"statusCode": 204, "cookies": ["s=1; Path=/"]}))
    assert r.status == 204 and r.getheader("Set-Cookie") == "s=1; Path=/"
    r, data = call(gw, "POST", "/test/v1/http/respond", body=json.dumps({"statusCode": "bad"}))
    assert r.status == 500 and json.loads(data) == {"message": "Internal Server Error"}


def test_function_error_is_502(gw):
    r, data = call(gw, "POST", "/test/v1/respond", body="not json")  # the handler throws parsing it
    assert r.status == 502 and json.loads(data) == {"message": "Internal server error"}


def test_integration_timeout_is_504(gw):
    r, data = call(gw, "GET", "/test/v1/slow")  # the sleep handler sleeps 10 s; timeoutInMillis 300
    assert r.status == 504 and json.loads(data) == {"message": "Endpoint request timed out"}


@pytest.mark.parametrize("name,body,status", [
    ("valid", {"sku": "A1", "type": "watch", "year": 2004}, 200),
    ("missing_required", {"sku": "A1", "type": "watch"}, 400),
    ("bad_enum", {"sku": "A1", "type": "clock", "year": 2004}, 400),
    ("year_not_integer", {"sku": "A1", "type": "watch", "year": "2004"}, 400),
    ("not_json", "{broken", 400),
])
def test_body_validation(gw, name, body, status):
    payload = body if isinstance(body, str) else json.dumps(body)
    r, data = call(gw, "POST", "/test/v1/items", body=payload, headers={"Content-Type": "application/json"})
    assert r.status == status, data
    if status == 400:
        assert json.loads(data) == {"message": "Invalid request body"}
        assert r.getheader("x-amzn-ErrorType") == "BadRequestException"


def test_required_parameters(gw):
    r, data = call(gw, "GET", "/test/v1/search")
    assert r.status == 400 and json.loads(data) == {"message": "Missing required request parameters: [q, x-tenant]"}
    r, data = call(gw, "GET", "/test/v1/search?q=a", headers={"x-tenant": "t"})
    assert r.status == 200


def test_api_keys(gw):
    r, data = call(gw, "GET", "/test/v1/secret")
    assert r.status == 403 and json.loads(data) == {"message": "Forbidden"}
    r, _ = call(gw, "GET", "/test/v1/secret", headers={"x-api-key": "wrong"})
    assert r.status == 403
    r, _ = call(gw, "GET", "/test/v1/secret", headers={"x-api-key": "k1"})
    assert r.status == 200


def test_usage_plan_throttle_is_429_too_many_requests(gw):
    # Burst 2, then 1 request per second: of 6 back-to-back requests the
    # first 2 pass and at most one more per second they took (a loaded
    # machine may take over a second for three), the others are 429.
    statuses, throttled = [], None
    start = time.monotonic()
    for _ in range(6):
        r, data = call(gw, "GET", "/test/v1/secret", headers={"x-api-key": "k2"})
        statuses.append(r.status)
        if r.status == 429 and throttled is None:
            throttled = (r, data)
    elapsed = time.monotonic() - start
    assert statuses[:2] == [200, 200] and set(statuses) <= {200, 429}, statuses
    assert statuses.count(200) <= 2 + int(elapsed) + 1, (statuses, elapsed)
    assert throttled is not None, (statuses, elapsed)
    r, data = throttled
    assert json.loads(data) == {"message": "Too Many Requests"}
    assert r.getheader("x-amzn-ErrorType") == "TooManyRequestsException" and r.getheader("x-amzn-RequestId")


def test_usage_plan_quota_is_429_limit_exceeded(gw):
    for _ in range(2):
        r, _ = call(gw, "GET", "/test/v1/secret", headers={"x-api-key": "k3"})
        assert r.status == 200
    r, data = call(gw, "GET", "/test/v1/secret", headers={"x-api-key": "k3"})
    assert r.status == 429 and json.loads(data) == {"message": "Limit Exceeded"}
    assert r.getheader("x-amzn-ErrorType") == "LimitExceededException"
    r, _ = call(gw, "GET", "/test/v1/items/1")  # methods without a key are not metered
    assert r.status == 200


def test_rest_cors_from_the_manifest(gw):
    r, data = call(gw, "OPTIONS", "/test/v1/items/1",
                   headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET",
                            "Access-Control-Request-Headers": "content-type"})
    assert r.status == 204, data
    assert r.getheader("Access-Control-Allow-Origin") == "https://app.example"
    assert r.getheader("Access-Control-Allow-Methods") == "GET,POST"
    assert r.getheader("Access-Control-Max-Age") == "600"
    r, _ = call(gw, "GET", "/test/v1/items/1", headers={"Origin": "https://app.example"})
    assert r.status == 200 and r.getheader("Access-Control-Allow-Origin") == "https://app.example"
    r, _ = call(gw, "GET", "/test/v1/items/1", headers={"Origin": "https://other.example"})
    assert r.getheader("Access-Control-Allow-Origin") is None


def test_swagger_2_api(gw):
    r, data = call(gw, "POST", "/swagger/watch", body=b'{"sku": "A1", "year": 2004}', headers={"Content-Type": "application/json"})
    assert r.status == 200, data
    e = json.loads(data)
    assert e["resource"] == "/watch" and e["requestContext"]["stage"] == "dev"
    r, data = call(gw, "DELETE", "/swagger/watch/A%201", headers={"x-api-key": "sk"})
    e = json.loads(data)
    assert r.status == 200 and e["httpMethod"] == "DELETE" and e["resource"] == "/watch/{sku}"
    assert e["pathParameters"] == {"sku": "A 1"} and e["requestContext"]["identity"]["apiKey"] == "sk"


def test_customized_gateway_responses(gw):
    r, data = call(gw, "POST", "/swagger/watch", body=b'{"sku": "A1", "year": "2004"}', headers={"Content-Type": "application/json"})
    assert r.status == 422, data
    assert json.loads(data) == {"message": "$.year: expected integer", "type": "BAD_REQUEST_BODY", "stage": "dev"}
    assert r.getheader("x-kind") == "validation" and r.getheader("x-amzn-ErrorType") == "BadRequestException"
    r, data = call(gw, "POST", "/swagger/watch", body=b'{"year": 1}', headers={"Content-Type": "application/json"})
    assert json.loads(data)["message"] == "$: missing required property 'sku'"
    r, data = call(gw, "DELETE", "/swagger/watch/A%201")  # DEFAULT_4XX applies to the API key's 403
    assert r.status == 403 and json.loads(data) == {"error": "Forbidden", "id": r.getheader("x-amzn-RequestId")}
    r, data = call(gw, "GET", "/swagger/nowhere")
    assert r.status == 403 and json.loads(data)["error"] == "Missing Authentication Token"
    r, data = call(gw, "GET", "/swagger/ignored-on-import/watch/A1", headers={"x-api-key": "sk"})
    assert r.status == 403  # the spec's basePath is ignored on import


def test_binary_request_bodies_are_base64(gw):
    r, data = call(gw, "POST", "/test/v1/files/upload.png", body=b"\x89PNG\xff\x00", headers={"Content-Type": "image/png"})
    e = json.loads(data)
    assert e["isBase64Encoded"] is True and base64.b64decode(e["body"]) == b"\x89PNG\xff\x00"


def test_cors_preflight_and_headers(gw):
    r, data = call(gw, "OPTIONS", "/test/v1/http/things/1",
                   headers={"Origin": "https://example.com", "Access-Control-Request-Method": "GET"})
    assert r.status == 204
    assert r.getheader("Access-Control-Allow-Origin") == "https://example.com"
    assert "GET" in r.getheader("Access-Control-Allow-Methods")
    assert r.getheader("Access-Control-Max-Age") == "300"
    r, _ = call(gw, "GET", "/test/v1/http/things/1", headers={"Origin": "https://example.com"})
    assert r.getheader("Access-Control-Allow-Origin") == "https://example.com"
    r, _ = call(gw, "GET", "/test/v1/http/things/1", headers={"Origin": "https://evil.example"})
    assert r.getheader("Access-Control-Allow-Origin") is None


def test_mock_without_integration_responses_answers_500_and_logs_why(gw):
    r, data = call(gw, "GET", "/test/v1/mock")
    assert (r.status, json.loads(data)) == (500, {"message": "Internal server error"})
    assert "GET /mock: Execution failed due to configuration error: No match for output mapping" in gw.log()


def test_manifest_mock_with_templates_and_responses(gw):
    r, data = call(gw, "GET", "/test/v1/mock/hello?name=Ana%22s")
    assert (r.status, json.loads(data)) == (200, {"hello": 'Ana"s', "stage": "dev"})
    assert r.getheader("X-Stage") == "dev"
    r, data = call(gw, "GET", "/test/v1/mock/hello?fail=yes")
    assert (r.status, json.loads(data)) == (503, {"message": "maintenance"})


def test_body_over_10mb_is_413(gw):
    r, _ = call(gw, "POST", "/test/v1/respond", body=b"x" * (10 * 1024 * 1024 + 1))
    assert r.status == 413


def test_route_table_is_logged(gw):
    assert f"GET http://127.0.0.1:{gw.port}/test/v1/items/{{id}} -> lambda event" in gw.log()


@pytest.mark.parametrize("name,spec,fragment", [
    ("spec_does_not_parse", "openapi: 3.0.1\npaths: [\n", "the spec does not parse"),
    ("unknown_function", "openapi: 3.0.1\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: aws_proxy\n"
                         "        httpMethod: POST\n        uri: arn:aws:lambda:us-east-1:000000000000:function:nope\n",
     "GET /a: the integration names function 'nope'"),
    ("ref_does_not_resolve", "openapi: 3.0.1\npaths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n"
                             "            schema: {$ref: '#/components/schemas/Missing'}\n",
     "$ref '#/components/schemas/Missing' does not resolve"),
])
def test_bad_specs_stop_startup(tmp_path, name, spec, fragment):
    (tmp_path / "spec.yaml").write_text(spec)
    (tmp_path / "lowcloud.yaml").write_text(textwrap.dedent(f"""\
        functions:
          - {{name: event, library: {LIB}, handler: event_handler}}
        apis:
          - name: bad
            spec: spec.yaml
        """))
    proc = subprocess.run([BIN, "serve", "--port", "0", "--in-memory", "--config", str(tmp_path / "lowcloud.yaml")],
                          capture_output=True, text=True, timeout=20)
    assert proc.returncode == 2, proc.stderr
    assert fragment in proc.stderr and "spec.yaml" in proc.stderr


# --- the manifest's APIs through the control plane ------------------------------

def test_manifest_apis_are_read_with_the_control_plane_operations(gw):
    from conftest import client
    apigw = client("apigateway", gw.url)
    rest = {a["name"]: a for a in apigw.get_rest_apis()["items"]}
    assert "test-rest" in rest and "test-swagger" in rest
    api_id = rest["test-rest"]["id"]
    resources = {r["path"]: r for r in apigw.get_resources(restApiId=api_id, embed=["methods"])["items"]}
    integration = resources["/items/{id}"]["resourceMethods"]["GET"]["methodIntegration"]
    assert integration["type"] == "AWS_PROXY" and integration["uri"].endswith(":function:event/invocations")
    stages = apigw.get_stages(restApiId=api_id)["item"]
    assert [s["stageName"] for s in stages] == ["dev"] and stages[0]["variables"] == {"table": "project1"}
    exported = json.loads(apigw.get_export(restApiId=api_id, stageName="dev", exportType="oas30",
                                           parameters={"extensions": "integrations"})["body"].read())
    assert "/mock/hello" in exported["paths"]
    http = {a["Name"]: a for a in client("apigatewayv2", gw.url).get_apis()["Items"]}
    assert "test-http" in http
    routes = client("apigatewayv2", gw.url).get_routes(ApiId=http["test-http"]["ApiId"])["Items"]
    assert "GET /plain" in {r["RouteKey"] for r in routes}  # a `functions:` binding, as an integration


def test_manifest_apis_are_changed_only_in_the_manifest(gw):
    from conftest import client
    apigw = client("apigateway", gw.url)
    api_id = next(a["id"] for a in apigw.get_rest_apis()["items"] if a["name"] == "test-rest")
    with pytest.raises(apigw.exceptions.BadRequestException) as e:
        apigw.update_rest_api(restApiId=api_id, patchOperations=[{"op": "replace", "path": "/description", "value": "x"}])
    assert "lowcloud.yaml" in str(e.value)
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.delete_rest_api(restApiId=api_id)
    assert call(gw, "GET", "/test/v1/items/1")[0].status == 200
