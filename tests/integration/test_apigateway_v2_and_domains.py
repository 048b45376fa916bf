"""HTTP APIs through apigatewayv2 (quick create with the AWS CLI v2, routes and
integrations, update-api with a CORS configuration) and custom domain names
serving two APIs by prefix (the course's optional production step), with the
conflicts AWS refuses and persistence across a restart.

Facts checked against AWS (apigatewayv2 API reference, developer guide
"Working with HTTP APIs" and "Custom domain names"):
- quick create (--target) makes a $default route and a $default stage with
  automatic deployment, served at the root of the execute-api host;
- a Lambda integration still needs the function's permission for
  apigateway.amazonaws.com; without it the call answers 500
  {"message":"Internal Server Error"};
- API mappings take multi-level keys ("info/v2"); a request goes to the
  longest matching key and the key is removed from the path;
- a second mapping with the same key is a ConflictException.
"""
import json

import pytest

from conftest import AWS, Server, aws_cli, client, http_call
from lambda_util import ACCOUNT, REGION, ROLE, function_arn, lambda_client, make_zip, unique

HANDLER = '''
import json
def handler(event, context):
    path = event.get("rawPath") or event.get("path")
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"function": context.function_name, "path": path})}
'''


@pytest.fixture(scope="module")
def gw_server():
    s = Server(["--in-memory", "--log-level", "warn"])
    yield s
    assert s.stop() == 0, s.log()


def create_function(server, permission=True):
    lam = lambda_client(server.url)
    name = unique("v2fn")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="lambda_function.handler",
                        Code={"ZipFile": make_zip({"lambda_function.py": HANDLER})})
    if permission:
        lam.add_permission(FunctionName=name, StatementId="apigw", Action="lambda:InvokeFunction",
                           Principal="apigateway.amazonaws.com")
    return name


def at_host(server, host, method, path, headers=None):
    resp, data = http_call(server, method, path, headers={"Host": host, **(headers or {})})
    try:
        return resp.status, json.loads(data) if data else None, resp
    except ValueError:
        return resp.status, data.decode(), resp


def execute_api(server, api_id):
    return f"{api_id}.execute-api.localhost:{server.port}"


def test_quick_create_with_the_cli_serves_at_the_root_of_the_execute_api_host(gw_server):
    function = create_function(gw_server)
    out = aws_cli(gw_server.url, "apigatewayv2", "create-api", "--name", unique("quick"), "--protocol-type", "HTTP",
                  "--target", function_arn(function))
    api = json.loads(out.stdout)
    assert api["ProtocolType"] == "HTTP" and api["ApiEndpoint"].startswith(f"https://{api['ApiId']}.execute-api.")
    status, body, resp = at_host(gw_server, execute_api(gw_server, api["ApiId"]), "GET", "/watch/X?x=1")
    assert (status, body) == (200, {"function": function, "path": "/watch/X"})
    assert resp.getheader("Apigw-Requestid")
    stages = json.loads(aws_cli(gw_server.url, "apigatewayv2", "get-stages", "--api-id", api["ApiId"]).stdout)["Items"]
    assert [(s["StageName"], s["AutoDeploy"]) for s in stages] == [("$default", True)]
    routes = json.loads(aws_cli(gw_server.url, "apigatewayv2", "get-routes", "--api-id", api["ApiId"]).stdout)["Items"]
    assert [r["RouteKey"] for r in routes] == ["$default"]


def test_quick_create_without_the_permission_answers_500(gw_server):
    function = create_function(gw_server, permission=False)
    v2 = client("apigatewayv2", gw_server.url)
    api_id = v2.create_api(Name=unique("quick"), ProtocolType="HTTP", Target=function_arn(function))["ApiId"]
    status, body, _ = at_host(gw_server, execute_api(gw_server, api_id), "GET", "/")
    assert (status, body) == (500, {"message": "Internal Server Error"})
    lambda_client(gw_server.url).add_permission(FunctionName=function, StatementId="late", Action="lambda:InvokeFunction",
                                                Principal="apigateway.amazonaws.com")
    assert at_host(gw_server, execute_api(gw_server, api_id), "GET", "/")[0] == 200


def test_update_api_sets_the_cors_configuration_that_preflights_answer(gw_server):
    function = create_function(gw_server)
    v2 = client("apigatewayv2", gw_server.url)
    api_id = v2.create_api(Name=unique("cors"), ProtocolType="HTTP", Target=function_arn(function),
                           CorsConfiguration={"AllowOrigins": ["https://a.example"], "AllowMethods": ["GET"]})["ApiId"]
    preflight = {"Origin": "https://a.example", "Access-Control-Request-Method": "GET"}
    status, _, resp = at_host(gw_server, execute_api(gw_server, api_id), "OPTIONS", "/x", preflight)
    assert status == 204 and resp.getheader("Access-Control-Allow-Origin") == "https://a.example"
    updated = v2.update_api(ApiId=api_id, Name="renamed", CorsConfiguration={"AllowOrigins": ["https://b.example"],
                                                                            "AllowMethods": ["GET", "POST"], "MaxAge": 600})
    assert updated["Name"] == "renamed" and updated["CorsConfiguration"]["AllowOrigins"] == ["https://b.example"]
    assert v2.get_api(ApiId=api_id)["CorsConfiguration"]["MaxAge"] == 600
    status, _, resp = at_host(gw_server, execute_api(gw_server, api_id), "OPTIONS", "/x",
                              {"Origin": "https://b.example", "Access-Control-Request-Method": "POST"})
    assert status == 204 and resp.getheader("Access-Control-Max-Age") == "600"
    # The old origin is no longer allowed on simple requests.
    status, _, resp = at_host(gw_server, execute_api(gw_server, api_id), "GET", "/x", {"Origin": "https://a.example"})
    assert status == 200 and resp.getheader("Access-Control-Allow-Origin") is None
    with pytest.raises(v2.exceptions.BadRequestException):
        v2.update_api(ApiId=api_id, Name="")


def rest_api_with_stage(server, function, stage):
    apigw = client("apigateway", server.url)
    spec = {"openapi": "3.0.1", "info": {"title": unique("rest"), "version": "1"},
            "paths": {"/watch/{sku}": {"get": {"x-amazon-apigateway-integration": {
                "type": "aws_proxy", "httpMethod": "POST",
                "uri": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn(function)}/invocations"}}}}}
    api_id = apigw.import_rest_api(body=json.dumps(spec).encode())["id"]
    apigw.create_deployment(restApiId=api_id, stageName=stage)
    return api_id


def test_a_custom_domain_serves_two_apis_by_prefix_and_refuses_a_taken_key(gw_server):
    info_fn, image_fn = create_function(gw_server), create_function(gw_server)
    info = rest_api_with_stage(gw_server, info_fn, "v2")
    image = rest_api_with_stage(gw_server, image_fn, "v1")
    domain = unique("api-watches") + ".example.com"
    v2 = client("apigatewayv2", gw_server.url)
    v2.create_domain_name(DomainName=domain, DomainNameConfigurations=[{"CertificateArn": f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/x"}])
    v2.create_api_mapping(DomainName=domain, ApiId=info, Stage="v2", ApiMappingKey="info/v2")
    # v1's base path mapping on the same domain, with the CLI.
    aws_cli(gw_server.url, "apigateway", "create-base-path-mapping", "--domain-name", domain, "--rest-api-id", image,
            "--stage", "v1", "--base-path", "image")
    host = f"{domain}:{gw_server.port}"
    assert at_host(gw_server, host, "GET", "/info/v2/watch/A1")[:2] == (200, {"function": info_fn, "path": "/watch/A1"})
    assert at_host(gw_server, host, "GET", "/image/watch/B2")[:2] == (200, {"function": image_fn, "path": "/watch/B2"})
    assert at_host(gw_server, host, "GET", "/nothing/here")[0] == 403
    with pytest.raises(v2.exceptions.ConflictException):
        v2.create_api_mapping(DomainName=domain, ApiId=image, Stage="v1", ApiMappingKey="info/v2")
    # An HTTP API maps too.
    http_api = v2.create_api(Name=unique("quick"), ProtocolType="HTTP", Target=function_arn(image_fn))["ApiId"]
    v2.create_api_mapping(DomainName=domain, ApiId=http_api, Stage="$default", ApiMappingKey="http")
    assert at_host(gw_server, host, "GET", "/http/z")[0] == 200


def test_http_apis_and_domains_are_served_again_after_a_restart(start_server, tmp_path):
    server = start_server("--data-dir", str(tmp_path / "data"), "--log-level", "warn")
    function = create_function(server)
    v2 = client("apigatewayv2", server.url)
    api_id = v2.create_api(Name=unique("kept"), ProtocolType="HTTP", Target=function_arn(function),
                           CorsConfiguration={"AllowOrigins": ["*"]})["ApiId"]
    domain = unique("kept") + ".example.com"
    v2.create_domain_name(DomainName=domain, DomainNameConfigurations=[{"CertificateArn": f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/x"}])
    v2.create_api_mapping(DomainName=domain, ApiId=api_id, Stage="$default", ApiMappingKey="svc/v1")
    assert server.stop() == 0
    again = start_server("--data-dir", str(tmp_path / "data"), "--log-level", "warn")
    assert at_host(again, execute_api(again, api_id), "GET", "/a")[0] == 200
    assert at_host(again, f"{domain}:{again.port}", "GET", "/svc/v1/a")[:2] == (200, {"function": function, "path": "/a"})
    assert client("apigatewayv2", again.url).get_api(ApiId=api_id)["CorsConfiguration"] == {"AllowOrigins": ["*"]}


MOCK_SPEC = """\
openapi: 3.0.1
info: {title: manifest mock, version: '1'}
paths:
  /ping:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default: {statusCode: '200', responseTemplates: {application/json: '{"pong": true}'}}
"""


def test_scripts_apis_survive_a_restart_with_a_manifest_rest_api(start_server, tmp_path):
    """Regression: applying the manifest's REST API saved the data dir before
    it was restored, wiping every API and domain scripts had created."""
    (tmp_path / "mock.yaml").write_text(MOCK_SPEC)
    (tmp_path / "lowcloud.yaml").write_text(f"apis:\n  - name: manifest-mock\n    spec: {tmp_path / 'mock.yaml'}\n")
    args = ("--data-dir", str(tmp_path / "data"), "--config", str(tmp_path / "lowcloud.yaml"), "--log-level", "warn")
    server = start_server(*args)
    function = create_function(server)
    v2 = client("apigatewayv2", server.url)
    api_id = v2.create_api(Name=unique("kept"), ProtocolType="HTTP", Target=function_arn(function))["ApiId"]
    rest_id = rest_api_with_stage(server, function, "v2")
    assert server.stop() == 0
    for _ in range(2):  # twice: the first restart must not have lost anything either
        again = start_server(*args)
        assert at_host(again, execute_api(again, api_id), "GET", "/a")[0] == 200
        assert at_host(again, execute_api(again, rest_id), "GET", "/v2/watch/A1")[0] == 200
        assert http_call(again, "GET", "/restapis/" + next(a["id"] for a in client("apigateway", again.url).get_rest_apis()["items"]
                                                          if a["name"] == "manifest-mock") + "/dev/_user_request_/ping")[0].status == 200
        assert again.stop() == 0
