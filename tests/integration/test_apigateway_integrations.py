"""API Gateway's integrations other than the Lambda proxy, built with boto3
through the REST control plane and served after create-deployment: MOCK,
HTTP_PROXY and HTTP backends (a Python HTTP server in this process), and
Lambda without the proxy (AWS, with request and response mapping templates
and integration responses chosen by selection patterns).

Facts checked against AWS's documentation (developer guide: "Mock
integrations", "Set up HTTP integrations", "Lambda custom integrations",
"Mapping template reference"):
- MOCK: the request template's {"statusCode": N} selects the integration
  response whose selectionPattern matches N; without a template the default
  response (the one without a pattern) answers;
- HTTP: selectionPattern matches the backend's status code; Lambda: the
  function error's errorMessage, and a successful call takes the default;
- nothing selected and no default: 500 {"message": "Internal server error"}
  ("No match for output mapping and no default output mapping configured"
  in the execution log);
- passthroughBehavior NEVER with no template for the request's content type:
  415 {"message": "Unsupported Media Type"};
- HTTP_PROXY passes the client's method, headers, query string and body, and
  the backend's status, headers and body back; {name} in the URI is filled
  from integration.request.path.name.
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import Server, client, http_call
from lambda_util import ACCOUNT, REGION, ROLE, function_arn, lambda_client, make_zip, unique

INTERNAL_ERROR = {"message": "Internal server error"}


# --- a backend -------------------------------------------------------------------

class Backend(BaseHTTPRequestHandler):
    """Echoes the request as JSON; /status/N answers N; /slow sleeps 2 s."""

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if self.path.startswith("/slow"):
            time.sleep(2)
        status = 200
        if self.path.startswith("/status/"):
            status = int(self.path.split("/")[2].split("?")[0])
        out = json.dumps({"method": self.command, "path": self.path, "body": body,
                          "headers": {k.lower(): v for k, v in self.headers.items()}, "item": {"name": "Seamaster"}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Backend", "python")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def backend():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def gw_server():
    s = Server(["--in-memory", "--log-level", "warn"])
    yield s
    assert s.stop() == 0, s.log()


@pytest.fixture(scope="module")
def apigw(gw_server):
    return client("apigateway", gw_server.url)


@pytest.fixture(scope="module")
def lam(gw_server):
    return lambda_client(gw_server.url)


# --- helpers -------------------------------------------------------------------

def new_api(apigw, path_part="watch", child="{sku}"):
    """An API with /watch/{sku}; returns (api id, resource id of /watch/{sku})."""
    api_id = apigw.create_rest_api(name=unique("integrations"))["id"]
    root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    parent = apigw.create_resource(restApiId=api_id, parentId=root, pathPart=path_part)["id"]
    rid = apigw.create_resource(restApiId=api_id, parentId=parent, pathPart=child)["id"]
    return api_id, rid


def method(apigw, api_id, rid, verb="GET", **kw):
    apigw.put_method(restApiId=api_id, resourceId=rid, httpMethod=verb, authorizationType="NONE",
                     requestParameters={"method.request.path.sku": True}, **kw)


def responses(apigw, api_id, rid, verb, table):
    """table: [(status, selectionPattern or None, responseTemplates or None, responseParameters or None)]"""
    for status, pattern, templates, parameters in table:
        mr = {"responseParameters": {k: False for k in parameters}} if parameters else {}
        apigw.put_method_response(restApiId=api_id, resourceId=rid, httpMethod=verb, statusCode=status, **mr)
        kw = {}
        if pattern is not None:
            kw["selectionPattern"] = pattern
        if templates:
            kw["responseTemplates"] = templates
        if parameters:
            kw["responseParameters"] = parameters
        apigw.put_integration_response(restApiId=api_id, resourceId=rid, httpMethod=verb, statusCode=status, **kw)


def deploy(apigw, api_id, stage="test"):
    apigw.create_deployment(restApiId=api_id, stageName=stage, variables={"color": "blue"})


def call(server, api_id, verb, path, body=None, headers=None, stage="test"):
    resp, data = http_call(server, verb, f"/restapis/{api_id}/{stage}/_user_request_{path}", body=body, headers=headers)
    try:
        decoded = json.loads(data) if data else None
    except ValueError:
        decoded = data.decode()
    return resp.status, decoded, resp


# --- MOCK ----------------------------------------------------------------------------

MOCK_SCOPE_TEMPLATE = """{
  #if( $input.params('scope') == "internal" )
    "statusCode": 200
  #else
    "statusCode": 500
  #end
}"""


def test_mock_renders_the_response_template_with_params_context_and_stage_variables(gw_server, apigw):
    api_id, rid = new_api(apigw)
    method(apigw, api_id, rid)
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    template = ('{"sku": "$input.params(\'sku\')", "stage": "$context.stage", "color": "$stageVariables.color", '
                '"method": "$context.httpMethod", "resource": "$context.resourcePath"}')
    responses(apigw, api_id, rid, "GET", [("200", None, {"application/json": template},
                                           {"method.response.header.X-Watch": "'static-value'"})])
    deploy(apigw, api_id)
    status, body, resp = call(gw_server, api_id, "GET", "/watch/CV2115")
    assert status == 200, body
    assert body == {"sku": "CV2115", "stage": "test", "color": "blue", "method": "GET", "resource": "/watch/{sku}"}
    assert resp.getheader("Content-Type") == "application/json"
    assert resp.getheader("X-Watch") == "static-value"
    assert resp.getheader("x-amzn-RequestId")


def test_mock_request_template_chooses_the_status_as_in_aws_docs(gw_server, apigw):
    api_id, rid = new_api(apigw)
    method(apigw, api_id, rid)
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": MOCK_SCOPE_TEMPLATE})
    responses(apigw, api_id, rid, "GET", [
        ("200", None, {"application/json": '{"statusCode": 200, "message": "Go ahead without me"}'}, None),
        ("500", "5\\d{2}", {"application/json": '{"statusCode": 500, "message": "The invoked method is not supported on the API resource."}'}, None),
    ])
    deploy(apigw, api_id)
    assert call(gw_server, api_id, "GET", "/watch/X?scope=internal")[:2] == (200, {"statusCode": 200, "message": "Go ahead without me"})
    status, body, _ = call(gw_server, api_id, "GET", "/watch/X?scope=public")
    assert (status, body["statusCode"]) == (500, 500)


def test_mock_without_a_request_template_answers_the_default_response(gw_server, apigw):
    api_id, rid = new_api(apigw)
    method(apigw, api_id, rid)
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="GET", type="MOCK")
    responses(apigw, api_id, rid, "GET", [("200", None, {"application/json": '{"ok": true}'}, None)])
    deploy(apigw, api_id)
    assert call(gw_server, api_id, "GET", "/watch/X")[:2] == (200, {"ok": True})


def test_mock_with_no_matching_and_no_default_response_is_a_500_and_logged(gw_server, apigw):
    api_id, rid = new_api(apigw)
    method(apigw, api_id, rid)
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 404}'})
    responses(apigw, api_id, rid, "GET", [("200", "2\\d{2}", None, None)])
    deploy(apigw, api_id)
    assert call(gw_server, api_id, "GET", "/watch/X")[:2] == (500, INTERNAL_ERROR)
    deadline = time.time() + 5
    while "No match for output mapping" not in gw_server.log() and time.time() < deadline:
        time.sleep(0.05)
    assert "No match for output mapping and no default output mapping configured" in gw_server.log()


def test_passthrough_never_refuses_a_content_type_without_template_with_415(gw_server, apigw):
    api_id, rid = new_api(apigw)
    method(apigw, api_id, rid, verb="POST")
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="POST", type="MOCK", passthroughBehavior="NEVER",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    responses(apigw, api_id, rid, "POST", [("200", None, {"application/json": '{"ok": true}'}, None)])
    deploy(apigw, api_id)
    assert call(gw_server, api_id, "POST", "/watch/X", body=b"{}", headers={"Content-Type": "application/json"})[:2] == (200, {"ok": True})
    status, body, resp = call(gw_server, api_id, "POST", "/watch/X", body=b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (status, body) == (415, {"message": "Unsupported Media Type"})
    assert resp.getheader("x-amzn-ErrorType") == "UnsupportedMediaTypeException"


# --- HTTP_PROXY and HTTP ---------------------------------------------------------------

def test_http_proxy_passes_method_path_query_headers_and_body_both_ways(gw_server, apigw, backend):
    api_id, rid = new_api(apigw)
    method(apigw, api_id, rid, verb="ANY")
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="ANY", type="HTTP_PROXY", integrationHttpMethod="ANY",
                          uri=backend + "/status/201/{sku}", requestParameters={"integration.request.path.sku": "method.request.path.sku"})
    deploy(apigw, api_id)
    status, body, resp = call(gw_server, api_id, "PUT", "/watch/CV%202115?color=blue", body=b'{"a": 1}',
                              headers={"Content-Type": "application/json", "X-Client": "pytest"})
    assert status == 201, body
    assert body["method"] == "PUT"
    assert body["path"] == "/status/201/CV%202115?color=blue"
    assert body["body"] == '{"a": 1}'
    assert body["headers"]["x-client"] == "pytest"
    assert body["headers"]["host"] == backend.split("//")[1]
    assert resp.getheader("X-Backend") == "python"
    assert resp.getheader("x-amzn-RequestId")


def test_http_proxy_to_an_unreachable_backend_is_a_500_and_a_slow_one_a_504(gw_server, apigw, backend):
    api_id, rid = new_api(apigw)
    method(apigw, api_id, rid)
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="GET", type="HTTP_PROXY", integrationHttpMethod="GET",
                          uri="http://127.0.0.1:9/nothing")
    deploy(apigw, api_id)
    assert call(gw_server, api_id, "GET", "/watch/X")[:2] == (500, INTERNAL_ERROR)
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="GET", type="HTTP_PROXY", integrationHttpMethod="GET",
                          uri=backend + "/slow", timeoutInMillis=300)
    deploy(apigw, api_id)
    status, body, _ = call(gw_server, api_id, "GET", "/watch/X")
    assert (status, body) == (504, {"message": "Endpoint request timed out"})


def test_http_integration_maps_request_and_selects_responses_by_status(gw_server, apigw, backend):
    api_id, rid = new_api(apigw)
    method(apigw, api_id, rid, verb="POST")
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="POST", type="HTTP", integrationHttpMethod="POST",
                          uri=backend + "/status/{code}",
                          requestParameters={"integration.request.path.code": "method.request.path.sku",
                                             "integration.request.header.X-Stage": "context.stage",
                                             "integration.request.querystring.color": "stageVariables.color"},
                          requestTemplates={"application/json": '{"wrapped": $input.json(\'$\'), "sku": "$input.params(\'sku\')"}'})
    responses(apigw, api_id, rid, "POST", [
        ("200", None, {"application/json": '{"name": "$input.path(\'$.item.name\')", "sent": $input.path(\'$.body\')}'},
         {"method.response.header.X-From": "integration.response.header.X-Backend"}),
        ("404", "404", {"application/json": '{"error": "no such watch"}'}, None),
    ])
    deploy(apigw, api_id)
    status, body, resp = call(gw_server, api_id, "POST", "/watch/200", body=b'{"n": 1}', headers={"Content-Type": "application/json"})
    assert status == 200, body
    assert body["name"] == "Seamaster"
    assert body["sent"] == {"wrapped": {"n": 1}, "sku": "200"}  # the string rendered as is: JSON text inline
    assert resp.getheader("X-From") == "python"
    # The backend's 404 selects the 404 response; its body is the template's.
    assert call(gw_server, api_id, "POST", "/watch/404", body=b'{}', headers={"Content-Type": "application/json"})[:2] == \
        (404, {"error": "no such watch"})
    # A status nothing selects falls to the default response (200), as on AWS.
    assert call(gw_server, api_id, "POST", "/watch/503", body=b'{}', headers={"Content-Type": "application/json"})[0] == 200


def test_http_integration_sends_only_mapped_headers_and_query(gw_server, apigw, backend):
    api_id, rid = new_api(apigw)
    method(apigw, api_id, rid)
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="GET", type="HTTP", integrationHttpMethod="GET",
                          uri=backend + "/echo",
                          requestParameters={"integration.request.querystring.id": "method.request.path.sku",
                                             "integration.request.header.X-Fixed": "'fixed'"})
    responses(apigw, api_id, rid, "GET", [("200", None, None, None)])
    deploy(apigw, api_id)
    status, body, _ = call(gw_server, api_id, "GET", "/watch/A1?secret=1", headers={"X-Client": "no"})
    assert status == 200
    assert body["path"] == "/echo?id=A1"
    assert body["headers"]["x-fixed"] == "fixed" and "x-client" not in body["headers"]


# --- AWS (Lambda without the proxy) ------------------------------------------------

CUSTOM_HANDLER = '''
def handler(event, context):
    if event.get("sku") == "missing":
        raise Exception("NotFound: no watch " + event["sku"])
    return {"sku": event.get("sku"), "count": event.get("count"), "source": "lambda"}
'''


def lambda_uri(function):
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn(function)}/invocations"


def test_aws_integration_maps_the_event_and_selects_error_responses_by_message(gw_server, apigw, lam):
    function = unique("custom")
    lam.create_function(FunctionName=function, Runtime="python3.12", Role=ROLE, Handler="lambda_function.handler",
                        Code={"ZipFile": make_zip({"lambda_function.py": CUSTOM_HANDLER})})
    lam.add_permission(FunctionName=function, StatementId="apigw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com")
    api_id, rid = new_api(apigw)
    method(apigw, api_id, rid, verb="POST")
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="POST", type="AWS", integrationHttpMethod="POST",
                          uri=lambda_uri(function), passthroughBehavior="WHEN_NO_TEMPLATES",
                          requestTemplates={"application/json": '{"sku": "$input.params(\'sku\')", "count": $input.json(\'$.count\')}'})
    responses(apigw, api_id, rid, "POST", [
        ("200", None, None, None),
        ("404", ".*NotFound.*", {"application/json": '{"error": "$util.escapeJavaScript($input.path(\'$.errorMessage\'))"}'}, None),
    ])
    deploy(apigw, api_id)
    status, body, _ = call(gw_server, api_id, "POST", "/watch/CV2115", body=b'{"count": 3}', headers={"Content-Type": "application/json"})
    assert (status, body) == (200, {"sku": "CV2115", "count": 3, "source": "lambda"})
    status, body, _ = call(gw_server, api_id, "POST", "/watch/missing", body=b'{"count": 1}', headers={"Content-Type": "application/json"})
    assert (status, body) == (404, {"error": "NotFound: no watch missing"})
    # WHEN_NO_TEMPLATES with templates defined: another content type is refused.
    assert call(gw_server, api_id, "POST", "/watch/X", body=b"x", headers={"Content-Type": "text/plain"})[0] == 415


def test_aws_integration_needs_the_function_permission_too(gw_server, apigw, lam):
    function = unique("custom")
    lam.create_function(FunctionName=function, Runtime="python3.12", Role=ROLE, Handler="lambda_function.handler",
                        Code={"ZipFile": make_zip({"lambda_function.py": CUSTOM_HANDLER})})
    api_id, rid = new_api(apigw)
    method(apigw, api_id, rid, verb="POST")
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="POST", type="AWS", integrationHttpMethod="POST",
                          uri=lambda_uri(function))
    responses(apigw, api_id, rid, "POST", [("200", None, None, None)])
    deploy(apigw, api_id)
    assert call(gw_server, api_id, "POST", "/watch/X", body=b'{"sku": "X"}')[:2] == (500, INTERNAL_ERROR)


# --- the control plane's view ---------------------------------------------------------

def test_integration_responses_read_back_and_export_keyed_by_selection_pattern(apigw):
    api_id, rid = new_api(apigw)
    method(apigw, api_id, rid)
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    responses(apigw, api_id, rid, "GET", [("200", None, {"application/json": "{}"}, None), ("400", "4\\d{2}", None, None)])
    got = apigw.get_integration_response(restApiId=api_id, resourceId=rid, httpMethod="GET", statusCode="400")
    assert (got["statusCode"], got["selectionPattern"]) == ("400", "4\\d{2}")
    integration = apigw.get_integration(restApiId=api_id, resourceId=rid, httpMethod="GET")
    assert set(integration["integrationResponses"]) == {"200", "400"}
    assert apigw.get_method_response(restApiId=api_id, resourceId=rid, httpMethod="GET", statusCode="400")["statusCode"] == "400"
    deploy(apigw, api_id)
    exported = json.loads(apigw.get_export(restApiId=api_id, stageName="test", exportType="oas30",
                                           parameters={"extensions": "integrations"})["body"].read())
    x = exported["paths"]["/watch/{sku}"]["get"]["x-amazon-apigateway-integration"]
    assert x["type"] == "mock"
    assert x["responses"]["default"]["statusCode"] == "200"
    assert x["responses"]["4\\d{2}"]["statusCode"] == "400"
    # The export imports again and serves the same.
    again = apigw.import_rest_api(body=json.dumps(exported).encode())
    rid2 = next(r["id"] for r in apigw.get_resources(restApiId=again["id"])["items"] if r["path"] == "/watch/{sku}")
    assert apigw.get_integration_response(restApiId=again["id"], resourceId=rid2, httpMethod="GET", statusCode="400")["selectionPattern"] == "4\\d{2}"
    apigw.delete_integration_response(restApiId=api_id, resourceId=rid, httpMethod="GET", statusCode="400")
    assert set(apigw.get_integration(restApiId=api_id, resourceId=rid, httpMethod="GET")["integrationResponses"]) == {"200"}


def test_integration_response_without_its_method_response_is_not_found(apigw):
    api_id, rid = new_api(apigw)
    method(apigw, api_id, rid)
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="GET", type="MOCK")
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.put_integration_response(restApiId=api_id, resourceId=rid, httpMethod="GET", statusCode="418")


def test_http_integration_needs_a_url_and_a_method(apigw):
    api_id, rid = new_api(apigw)
    method(apigw, api_id, rid)
    with pytest.raises(apigw.exceptions.BadRequestException) as e:
        apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="GET", type="HTTP_PROXY", integrationHttpMethod="GET",
                              uri="ftp://example.com/")
    assert "Invalid HTTP endpoint specified for URI" in str(e.value)
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="GET", type="HTTP", uri="http://example.com/")


def test_an_imported_mock_integration_with_responses_serves_after_deploy(gw_server, apigw):
    spec = {
        "openapi": "3.0.1", "info": {"title": unique("mock-import"), "version": "1"},
        "paths": {"/ping": {"get": {
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {
                "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
                "responses": {"default": {"statusCode": "200",
                                          "responseTemplates": {"application/json": '{"pong": "$context.stage"}'}}}}}}},
    }
    api_id = apigw.import_rest_api(body=json.dumps(spec).encode())["id"]
    deploy(apigw, api_id, stage="prod")
    assert call(gw_server, api_id, "GET", "/ping", stage="prod")[:2] == (200, {"pong": "prod"})


def test_http_api_http_proxy_fills_the_uri_from_the_route_parameters(gw_server, backend):
    v2 = client("apigatewayv2", gw_server.url)
    api_id = v2.create_api(Name=unique("http-proxy"), ProtocolType="HTTP")["ApiId"]
    integration = v2.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                                        IntegrationUri=backend + "/status/202/{proxy}", PayloadFormatVersion="1.0")
    assert integration["IntegrationType"] == "HTTP_PROXY"
    v2.create_route(ApiId=api_id, RouteKey="ANY /{proxy+}", Target="integrations/" + integration["IntegrationId"])
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    resp, data = http_call(gw_server, "POST", "/a/b?x=1", body=b"hi", headers={"Host": f"{api_id}.execute-api.localhost:{gw_server.port}"})
    body = json.loads(data)
    assert resp.status == 202, body
    assert (body["method"], body["path"], body["body"]) == ("POST", "/status/202/a/b?x=1", "hi")
    assert resp.getheader("Apigw-Requestid")
