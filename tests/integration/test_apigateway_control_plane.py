"""API Gateway's REST control plane (ImportRestApi, resources, methods,
integrations, deployments, stages) driven with boto3 and the AWS CLI v2, the
APIs it creates served per stage (path style /restapis/{id}/{stage}/_user_request_/...
and host style {id}.execute-api.localhost/{stage}/...), the Lambda permission
check of their AWS_PROXY integrations, persistence across a restart, and the
whole script a course student runs with the CLI.

Facts checked against AWS and their sources:
- status codes of every operation (ImportRestApi, PutMethod, PutIntegration,
  CreateDeployment, CreateStage... 201; DeleteRestApi, DeleteResource,
  DeleteStage 202; DeleteMethod, DeleteIntegration 204): the botocore service
  model on this machine;
- "Invalid API identifier specified ACCOUNT:ID" (a real CloudFormation error
  quotes "Invalid API identifier specified 750056739266:APIID"), "Invalid
  Resource identifier specified", "Invalid Method identifier specified",
  "Invalid Stage identifier specified", "AWS ARN for integration must contain
  path or action", "No integration defined for method" (BadRequestException,
  400, quoted from real Terraform errors), "The REST API doesn't contain any
  methods": moto's and LocalStack's API Gateway providers, LocalStack's
  snapshot-tested against AWS;
- basepath=ignore|prepend|split (split drops the first part of the base
  path): LocalStack's AWS-validated test_import_rest_api_with_base_path_oas30;
- the import warning for an http basic security scheme, "Unsupported security
  definition type 'http' for 'basicAuth'. Ignoring.", and "Warnings found
  during import:" as the start of the --fail-on-warnings error: AWS's output
  quoted in a user's notes on importing OAS 3 specs, the Terraform AWS
  provider's acceptance tests;
- a Lambda integration without permission answers 500 {"message": "Internal
  server error"} and logs "Execution failed due to configuration error:
  Invalid permissions on Lambda function"; a stage that does not exist
  answers 403 {"message": "Forbidden"} and an unknown path in a stage 403
  {"message": "Missing Authentication Token"}: AWS's knowledge center article
  on API Gateway 403 errors.
Where AWS's exact wording is unknown (a patch path it rejects, a stage name it
refuses, a document it cannot parse, lowcloud's refusals of what it does not
support yet) the tests assert the error type and what the message must name.
"""
import json
import re
import shutil
import subprocess
import textwrap

import pytest

from conftest import AWS, Server, client, http_call
from lambda_util import (ACCOUNT, REGION, ROLE, assert_error, cli_env, function_arn, lambda_client, make_zip,
                         service_error, unique)

API_ID = r"[a-z0-9]{10}"
RESOURCE_ID = r"[a-z0-9]{6,10}"
INTERNAL_ERROR = {"message": "Internal server error"}
NO_PERMISSION_LOG = "Invalid permissions on Lambda function"


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

def handler_code(version):
    """A proxy handler answering what API Gateway sent it, tagged with `version`."""
    return {"lambda_function.py": textwrap.dedent(f'''\
        import json

        VERSION = {version}


        def handler(event, context):
            body = {{"version": VERSION, "function": context.function_name, "resource": event["resource"],
                    "path": event["path"], "method": event["httpMethod"], "pathParameters": event["pathParameters"],
                    "stageVariables": event["stageVariables"], "stage": event["requestContext"]["stage"],
                    "resourceId": event["requestContext"]["resourceId"],
                    "body": event["body"]}}
            return {{"statusCode": 200, "headers": {{"Content-Type": "application/json"}}, "body": json.dumps(body)}}
        ''')}


def create_function(lam, prefix="watch-fn", version=1):
    name = unique(prefix)
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="lambda_function.handler",
                        Code={"ZipFile": make_zip(handler_code(version))})
    return name


def lambda_uri(function, slashes="/"):
    return f"arn:aws:apigateway:{REGION}:lambda:path{slashes}2015-03-31/functions/{function}/invocations"


def watch_spec(title, extra=""):
    """The course's API: GET /watch/{sku} and POST /watch, no integrations;
    `extra` (top-level YAML) is appended."""
    return textwrap.dedent(f"""\
        openapi: 3.0.1
        info:
          title: {title}
          description: Watches info service
          version: '2.0'
        paths:
          /watch/{{sku}}:
            get:
              operationId: getWatch
              parameters:
                - name: sku
                  in: path
                  required: true
                  schema: {{type: string}}
              responses:
                '200': {{description: the watch}}
          /watch:
            post:
              operationId: createWatch
              responses:
                '200': {{description: created}}
        """) + extra


def import_watch_api(apigw, **kw):
    title = unique("watches")
    r = apigw.import_rest_api(body=watch_spec(title).encode(), **kw)
    return r


def resource_ids(apigw, api_id):
    return {r["path"]: r["id"] for r in apigw.get_resources(restApiId=api_id)["items"]}


def allow_apigateway(lam, function, source_arn=None, sid=None):
    kw = {"SourceArn": source_arn} if source_arn else {}
    lam.add_permission(FunctionName=function, StatementId=sid or unique("apigw"), Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com", **kw)


def integrate(apigw, api_id, resource_id, verb, function, **kw):
    return apigw.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod=verb, type="AWS_PROXY",
                                 integrationHttpMethod="POST", uri=lambda_uri(function_arn(function)), **kw)


def deployed_watch_api(apigw, lam, stage="v2", permission=True, function=None):
    """The course's API imported, both methods integrated with one function,
    the function's policy allowing API Gateway (unless `permission` is
    False), deployed to `stage`. Returns (api id, function, resource ids)."""
    function = function or create_function(lam)
    api_id = import_watch_api(apigw)["id"]
    ids = resource_ids(apigw, api_id)
    integrate(apigw, api_id, ids["/watch/{sku}"], "GET", function)
    integrate(apigw, api_id, ids["/watch"], "POST", function)
    if permission:
        allow_apigateway(lam, function, f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*")
    apigw.create_deployment(restApiId=api_id, stageName=stage)
    return api_id, function, ids


def call_stage(server, api_id, stage, method, path, body=None, host_style=False):
    """One request to a stage; returns (status, decoded JSON body, response)."""
    if host_style:
        resp, data = http_call(server, method, f"/{stage}{path}", body=body,
                               headers={"Host": f"{api_id}.execute-api.localhost:{server.port}"})
    else:
        resp, data = http_call(server, method, f"/restapis/{api_id}/{stage}/_user_request_{path}", body=body)
    try:
        decoded = json.loads(data) if data else None
    except ValueError:
        decoded = data
    return resp.status, decoded, resp


# --- ImportRestApi ---------------------------------------------------------------

def test_import_openapi3_yaml_creates_the_api_its_resources_and_methods(apigw):
    title = unique("watches")
    r = apigw.import_rest_api(body=watch_spec(title).encode())
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert re.fullmatch(API_ID, r["id"])
    assert (r["name"], r["description"], r["version"]) == (title, "Watches info service", "2.0")
    assert r["endpointConfiguration"]["types"] == ["EDGE"]
    assert r["apiKeySource"] == "HEADER"
    assert not r.get("warnings")

    got = apigw.get_rest_api(restApiId=r["id"])
    for key in ("id", "name", "description", "version", "endpointConfiguration", "createdDate"):
        assert got[key] == r[key]
    assert r["id"] in [a["id"] for a in apigw.get_rest_apis()["items"]]

    items = sorted(apigw.get_resources(restApiId=r["id"])["items"], key=lambda i: i["path"])
    assert [i["path"] for i in items] == ["/", "/watch", "/watch/{sku}"]
    root, watch, sku = items
    assert all(re.fullmatch(RESOURCE_ID, i["id"]) for i in items)
    assert "parentId" not in root and "pathPart" not in root
    assert (watch["parentId"], watch["pathPart"]) == (root["id"], "watch")
    assert (sku["parentId"], sku["pathPart"]) == (watch["id"], "{sku}")
    assert set(watch["resourceMethods"]) == {"POST"}
    assert set(sku["resourceMethods"]) == {"GET"}
    assert "resourceMethods" not in root

    method = apigw.get_method(restApiId=r["id"], resourceId=sku["id"], httpMethod="GET")
    assert (method["httpMethod"], method["authorizationType"], method["apiKeyRequired"]) == ("GET", "NONE", False)
    assert method["operationName"] == "getWatch"
    assert method["requestParameters"] == {"method.request.path.sku": True}
    assert "methodIntegration" not in method


def test_import_swagger2_json_with_its_lambda_integration_serves_after_deploy(gw_server, apigw, lam):
    function = create_function(lam)
    title = unique("swagger")
    doc = {
        "swagger": "2.0",
        "info": {"title": title, "version": "1"},
        "paths": {"/items/{id}": {"get": {
            "parameters": [{"name": "id", "in": "path", "required": True, "type": "string"}],
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
                                                "uri": lambda_uri(function_arn(function))}}}},
    }
    api_id = apigw.import_rest_api(body=json.dumps(doc).encode())["id"]
    ids = resource_ids(apigw, api_id)
    integration = apigw.get_integration(restApiId=api_id, resourceId=ids["/items/{id}"], httpMethod="GET")
    assert integration["type"] == "AWS_PROXY"
    assert integration["httpMethod"] == "POST"
    assert integration["uri"] == lambda_uri(function_arn(function))

    allow_apigateway(lam, function)
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    status, body, _ = call_stage(gw_server, api_id, "dev", "GET", "/items/42")
    assert status == 200, body
    assert (body["resource"], body["pathParameters"], body["stage"]) == ("/items/{id}", {"id": "42"}, "dev")


@pytest.mark.parametrize("mode, paths", [
    ("ignore", ["/", "/test"]),
    ("prepend", ["/", "/base-url", "/base-url/part", "/base-url/part/test"]),
    ("split", ["/", "/part", "/part/test"]),
])
def test_import_basepath_parameter_for_an_openapi3_server_url(apigw, mode, paths):
    spec = textwrap.dedent(f"""\
        openapi: 3.0.1
        info: {{title: {unique('basepath')}, version: '1'}}
        servers:
          - url: https://example.com/base-url/part/
        paths:
          /test:
            get:
              responses: {{'200': {{description: ok}}}}
        """)
    api_id = apigw.import_rest_api(body=spec.encode(), parameters={"basepath": mode})["id"]
    assert sorted(resource_ids(apigw, api_id)) == paths


@pytest.mark.parametrize("mode, path", [("ignore", "/test"), ("prepend", "/base-var/test"), ("split", "/test")])
def test_import_basepath_parameter_for_a_server_url_variable(apigw, mode, path):
    spec = textwrap.dedent(f"""\
        openapi: 3.0.1
        info: {{title: {unique('basevar')}, version: '1'}}
        servers:
          - url: https://example.com/{{basePath}}
            variables:
              basePath: {{default: /base-var}}
        paths:
          /test:
            get:
              responses: {{'200': {{description: ok}}}}
        """)
    api_id = apigw.import_rest_api(body=spec.encode(), parameters={"basepath": mode})["id"]
    assert path in resource_ids(apigw, api_id)


def test_import_basepath_variable_wins_even_when_the_server_url_does_not_use_it(apigw):
    # AWS's guide (Set the OpenAPI basePath property): "If the API contains only
    # one basePath variable, the Import API feature uses it as the base path,
    # even if it's not referenced in the server.url."
    spec = textwrap.dedent(f"""\
        openapi: 3.0.1
        info: {{title: {unique('basevar')}, version: '1'}}
        servers:
          - url: https://example.com/other
            variables:
              basePath: {{default: /v9}}
        paths:
          /test:
            get:
              responses: {{'200': {{description: ok}}}}
        """)
    api_id = apigw.import_rest_api(body=spec.encode(), parameters={"basepath": "prepend"})["id"]
    assert sorted(resource_ids(apigw, api_id)) == ["/", "/v9", "/v9/test"]


def test_import_basepath_split_of_a_three_part_base_path(apigw):
    # AWS's guide: basePath /a/b/c, paths /e and /f, split: /, /b, /b/c, /b/c/e, /b/c/f.
    doc = {"swagger": "2.0", "info": {"title": unique("split"), "version": "1"}, "basePath": "/a/b/c",
           "paths": {p: {"get": {"responses": {"200": {"description": "ok"}}}} for p in ("/e", "/f")}}
    api_id = apigw.import_rest_api(body=json.dumps(doc).encode(), parameters={"basepath": "split"})["id"]
    assert sorted(resource_ids(apigw, api_id)) == ["/", "/b", "/b/c", "/b/c/e", "/b/c/f"]


def test_import_basepath_prepend_uses_the_swagger_base_path(apigw):
    doc = {"swagger": "2.0", "info": {"title": unique("swagger-base"), "version": "1"}, "basePath": "/v1",
           "paths": {"/watch": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    api_id = apigw.import_rest_api(body=json.dumps(doc).encode(), parameters={"basepath": "prepend"})["id"]
    assert sorted(resource_ids(apigw, api_id)) == ["/", "/v1", "/v1/watch"]
    api_id = apigw.import_rest_api(body=json.dumps(doc).encode())["id"]
    assert sorted(resource_ids(apigw, api_id)) == ["/", "/watch"]  # ignore is the default


def test_import_with_the_cli_regional_endpoint(gw_server, tmp_path):
    spec = tmp_path / "openapi.yaml"
    title = unique("cli-import")
    spec.write_text(watch_spec(title))
    out = subprocess.run([AWS, "--endpoint-url", gw_server.url, "--output", "json", "apigateway", "import-rest-api",
                          "--body", f"fileb://{spec}", "--parameters", "endpointConfigurationTypes=REGIONAL",
                          "--fail-on-warnings"], env=cli_env(), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    api = json.loads(out.stdout)
    assert api["name"] == title
    assert api["endpointConfiguration"] == {"types": ["REGIONAL"]}


BASIC_AUTH = """components:
  securitySchemes:
    basicAuth: {type: http, scheme: basic}
security:
  - basicAuth: []
"""
BASIC_AUTH_WARNING = "Unsupported security definition type 'http' for 'basicAuth'. Ignoring."


def test_import_warns_about_an_http_basic_security_scheme(apigw):
    title = unique("basic")
    r = apigw.import_rest_api(body=watch_spec(title, BASIC_AUTH).encode())
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert r["warnings"] == [BASIC_AUTH_WARNING]
    # The API is imported without the scheme.
    assert sorted(resource_ids(apigw, r["id"])) == ["/", "/watch", "/watch/{sku}"]


def test_import_with_fail_on_warnings_refuses_and_creates_nothing(apigw):
    title = unique("strict")
    before = [a["id"] for a in apigw.get_rest_apis()["items"]]
    response = service_error(lambda: apigw.import_rest_api(body=watch_spec(title, BASIC_AUTH).encode(),
                                                           failOnWarnings=True))
    assert_error(response, "BadRequestException", 400)
    message = response["Error"]["Message"]
    assert message.startswith("Warnings found during import:"), message
    assert BASIC_AUTH_WARNING in message
    after = apigw.get_rest_apis()["items"]
    assert [a["id"] for a in after] == before
    assert title not in [a["name"] for a in after]


def test_import_with_fail_on_warnings_and_nothing_to_warn_about_imports(apigw):
    r = apigw.import_rest_api(body=watch_spec(unique("clean")).encode(), failOnWarnings=True)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201 and not r.get("warnings")


@pytest.mark.parametrize("body", [b"just: yaml\n", b"{\"no\": \"openapi\"}", b"openapi: [unclosed", b""])
def test_import_of_what_is_not_an_openapi_document_is_a_bad_request(apigw, body):
    before = len(apigw.get_rest_apis()["items"])
    # AWS's wording for each case is unknown here: the type only.
    response = service_error(lambda: apigw.import_rest_api(body=body))
    assert_error(response, "BadRequestException", 400)
    assert response["Error"]["Message"]
    assert len(apigw.get_rest_apis()["items"]) == before


@pytest.mark.parametrize("body", [
    "openapi: 3.0.1\ninfo: {title: t, version: '1'}\ncomponents:\npaths: {}\n",  # components: null
    "openapi: 3.0.1\ninfo:\npaths: {}\n",  # info: null
    "openapi: 3.0.1\ninfo: {title: [1], version: '1'}\npaths: {}\n",  # a title that is not a string
    "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n",  # a path item that is null
    "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n",  # an operation that is null
    "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration:\n",
], ids=["null-components", "null-info", "list-title", "null-path-item", "null-operation", "null-integration"])
def test_import_of_a_malformed_openapi_document_is_a_bad_request_not_a_server_error(apigw, body):
    before = len(apigw.get_rest_apis()["items"])
    # Well-formed YAML, ill-typed OpenAPI: a client error; AWS's wording is unknown here.
    response = service_error(lambda: apigw.import_rest_api(body=body.encode()))
    assert_error(response, "BadRequestException", 400)
    assert len(apigw.get_rest_apis()["items"]) == before


# --- GetRestApi(s) / DeleteRestApi ---------------------------------------------------

def test_get_rest_api_of_an_unknown_id_is_not_found(apigw):
    response = service_error(lambda: apigw.get_rest_api(restApiId="nope123456"))
    assert_error(response, "NotFoundException", 404, f"Invalid API identifier specified {ACCOUNT}:nope123456")


def test_get_rest_apis_lists_every_imported_api(apigw):
    ids = {import_watch_api(apigw)["id"] for _ in range(3)}
    listed = {a["id"]: a for a in apigw.get_rest_apis()["items"]}
    assert ids <= set(listed)
    for i in ids:
        assert listed[i]["name"].startswith("watches-")


def test_delete_rest_api_removes_it_and_its_stages(gw_server, apigw, lam):
    api_id, _, _ = deployed_watch_api(apigw, lam)
    assert call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")[0] == 200
    r = apigw.delete_rest_api(restApiId=api_id)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert_error(service_error(lambda: apigw.get_rest_api(restApiId=api_id)), "NotFoundException", 404,
                 f"Invalid API identifier specified {ACCOUNT}:{api_id}")
    assert api_id not in [a["id"] for a in apigw.get_rest_apis()["items"]]
    # AWS's execute-api host name of a deleted API no longer resolves; lowcloud answers an error.
    status, _, _ = call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")
    assert status in (403, 404)
    assert_error(service_error(lambda: apigw.delete_rest_api(restApiId=api_id)), "NotFoundException", 404)


# --- resources ---------------------------------------------------------------------

def test_get_resources_embed_methods_includes_the_method_and_its_integration(apigw, lam):
    function = create_function(lam)
    api_id = import_watch_api(apigw)["id"]
    ids = resource_ids(apigw, api_id)
    integrate(apigw, api_id, ids["/watch/{sku}"], "GET", function)

    plain = {i["path"]: i for i in apigw.get_resources(restApiId=api_id)["items"]}
    assert plain["/watch/{sku}"]["resourceMethods"] == {"GET": {}}
    assert plain["/watch"]["resourceMethods"] == {"POST": {}}

    embedded = {i["path"]: i for i in apigw.get_resources(restApiId=api_id, embed=["methods"])["items"]}
    get = embedded["/watch/{sku}"]["resourceMethods"]["GET"]
    assert (get["httpMethod"], get["authorizationType"]) == ("GET", "NONE")
    assert get["methodIntegration"]["type"] == "AWS_PROXY"
    assert get["methodIntegration"]["uri"] == lambda_uri(function_arn(function))
    post = embedded["/watch"]["resourceMethods"]["POST"]
    assert post["httpMethod"] == "POST" and "methodIntegration" not in post

    one = apigw.get_resource(restApiId=api_id, resourceId=ids["/watch/{sku}"], embed=["methods"])
    assert one["resourceMethods"]["GET"]["methodIntegration"]["type"] == "AWS_PROXY"
    one = apigw.get_resource(restApiId=api_id, resourceId=ids["/watch/{sku}"])
    assert (one["id"], one["path"], one["pathPart"]) == (ids["/watch/{sku}"], "/watch/{sku}", "{sku}")


def test_get_resources_with_the_cli_and_jq_and_query(gw_server, apigw):
    api_id = import_watch_api(apigw)["id"]
    ids = resource_ids(apigw, api_id)
    base = [AWS, "--endpoint-url", gw_server.url, "apigateway", "get-resources", "--rest-api-id", api_id]
    out = subprocess.run(base + ["--output", "json"], env=cli_env(), capture_output=True, text=True, timeout=60,
                         check=True).stdout
    jq = subprocess.run(["jq", "-r", '.items[] | select(.path == "/watch/{sku}") | .id'], input=out,
                        capture_output=True, text=True, check=True).stdout.strip()
    assert jq == ids["/watch/{sku}"]
    query = subprocess.run(base + ["--query", "items[?path=='/watch'].id", "--output", "text"], env=cli_env(),
                           capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    assert query == ids["/watch"]


def test_get_resource_of_an_unknown_id_is_not_found(apigw):
    api_id = import_watch_api(apigw)["id"]
    assert_error(service_error(lambda: apigw.get_resource(restApiId=api_id, resourceId="nope12")),
                 "NotFoundException", 404, "Invalid Resource identifier specified")
    assert_error(service_error(lambda: apigw.get_resources(restApiId="nope123456")),
                 "NotFoundException", 404, f"Invalid API identifier specified {ACCOUNT}:nope123456")


def test_create_resource_under_a_parent_and_delete_it_with_its_children(apigw):
    api_id = import_watch_api(apigw)["id"]
    ids = resource_ids(apigw, api_id)
    items = apigw.create_resource(restApiId=api_id, parentId=ids["/"], pathPart="items")
    assert items["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (items["path"], items["pathPart"], items["parentId"]) == ("/items", "items", ids["/"])
    assert re.fullmatch(RESOURCE_ID, items["id"])
    child = apigw.create_resource(restApiId=api_id, parentId=items["id"], pathPart="{id}")
    assert child["path"] == "/items/{id}"
    greedy = apigw.create_resource(restApiId=api_id, parentId=child["id"], pathPart="{proxy+}")
    assert greedy["path"] == "/items/{id}/{proxy+}"
    assert {"/items", "/items/{id}", "/items/{id}/{proxy+}"} <= set(resource_ids(apigw, api_id))

    r = apigw.delete_resource(restApiId=api_id, resourceId=items["id"])
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert sorted(resource_ids(apigw, api_id)) == ["/", "/watch", "/watch/{sku}"]
    assert_error(service_error(lambda: apigw.get_resource(restApiId=api_id, resourceId=child["id"])),
                 "NotFoundException", 404, "Invalid Resource identifier specified")


def test_create_resource_twice_under_one_parent_is_a_conflict(apigw):
    api_id = import_watch_api(apigw)["id"]
    ids = resource_ids(apigw, api_id)
    response = service_error(lambda: apigw.create_resource(restApiId=api_id, parentId=ids["/"], pathPart="watch"))
    assert_error(response, "ConflictException", 409, "Another resource with the same parent already has this name: watch")
    assert sorted(resource_ids(apigw, api_id)) == ["/", "/watch", "/watch/{sku}"]


def test_create_resource_with_a_bad_path_part_or_parent(apigw):
    api_id = import_watch_api(apigw)["id"]
    ids = resource_ids(apigw, api_id)
    for part in ("a b", "a/b", "{x"):
        # AWS's wording is not asserted: the type only.
        assert_error(service_error(lambda: apigw.create_resource(restApiId=api_id, parentId=ids["/"], pathPart=part)),
                     "BadRequestException", 400)
    assert_error(service_error(lambda: apigw.create_resource(restApiId=api_id, parentId="nope12", pathPart="x")),
                 "NotFoundException", 404, "Invalid Resource identifier specified")
    assert sorted(resource_ids(apigw, api_id)) == ["/", "/watch", "/watch/{sku}"]


def test_delete_the_root_resource_is_refused(apigw):
    api_id = import_watch_api(apigw)["id"]
    ids = resource_ids(apigw, api_id)
    assert_error(service_error(lambda: apigw.delete_resource(restApiId=api_id, resourceId=ids["/"])),
                 "BadRequestException", 400)
    assert sorted(resource_ids(apigw, api_id)) == ["/", "/watch", "/watch/{sku}"]


# --- methods -------------------------------------------------------------------------

def test_put_get_delete_method(apigw):
    api_id = import_watch_api(apigw)["id"]
    ids = resource_ids(apigw, api_id)
    r = apigw.put_method(restApiId=api_id, resourceId=ids["/watch/{sku}"], httpMethod="DELETE",
                         authorizationType="NONE", requestParameters={"method.request.querystring.force": False})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (r["httpMethod"], r["authorizationType"], r["apiKeyRequired"]) == ("DELETE", "NONE", False)
    got = apigw.get_method(restApiId=api_id, resourceId=ids["/watch/{sku}"], httpMethod="DELETE")
    assert got["requestParameters"] == {"method.request.querystring.force": False}
    assert set(apigw.get_resource(restApiId=api_id, resourceId=ids["/watch/{sku}"])["resourceMethods"]) == {"GET", "DELETE"}

    r = apigw.delete_method(restApiId=api_id, resourceId=ids["/watch/{sku}"], httpMethod="DELETE")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert_error(service_error(lambda: apigw.get_method(restApiId=api_id, resourceId=ids["/watch/{sku}"],
                                                        httpMethod="DELETE")),
                 "NotFoundException", 404, "Invalid Method identifier specified")
    assert set(apigw.get_resource(restApiId=api_id, resourceId=ids["/watch/{sku}"])["resourceMethods"]) == {"GET"}


def test_put_method_response_and_integration_response(apigw, lam):
    function = create_function(lam)
    api_id = import_watch_api(apigw)["id"]
    ids = resource_ids(apigw, api_id)
    rid = ids["/watch/{sku}"]
    r = apigw.put_method_response(restApiId=api_id, resourceId=rid, httpMethod="GET", statusCode="200",
                                  responseModels={"application/json": "Empty"})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert r["statusCode"] == "200" and r["responseModels"] == {"application/json": "Empty"}
    # An integration response needs the integration first.
    assert_error(service_error(lambda: apigw.put_integration_response(restApiId=api_id, resourceId=rid, httpMethod="GET",
                                                                      statusCode="200")),
                 "NotFoundException", 404)
    integrate(apigw, api_id, rid, "GET", function)
    r = apigw.put_integration_response(restApiId=api_id, resourceId=rid, httpMethod="GET", statusCode="200",
                                       selectionPattern="")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert r["statusCode"] == "200"


# --- integrations --------------------------------------------------------------------

@pytest.mark.parametrize("slashes", ["/", "//"])
def test_put_integration_aws_proxy_with_a_lambda_path_uri(apigw, lam, slashes):
    function = create_function(lam)
    api_id = import_watch_api(apigw)["id"]
    rid = resource_ids(apigw, api_id)["/watch/{sku}"]
    uri = lambda_uri(function_arn(function), slashes)
    r = apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="GET", type="AWS_PROXY",
                              integrationHttpMethod="POST", uri=uri)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (r["type"], r["httpMethod"], r["uri"]) == ("AWS_PROXY", "POST", uri)
    assert r["timeoutInMillis"] == 29000 and r["passthroughBehavior"] == "WHEN_NO_MATCH"
    got = apigw.get_integration(restApiId=api_id, resourceId=rid, httpMethod="GET")
    assert (got["type"], got["httpMethod"], got["uri"]) == ("AWS_PROXY", "POST", uri)
    assert apigw.get_method(restApiId=api_id, resourceId=rid, httpMethod="GET")["methodIntegration"]["uri"] == uri


def test_put_integration_with_a_stage_variable_in_the_function_arn(apigw):
    api_id = import_watch_api(apigw)["id"]
    rid = resource_ids(apigw, api_id)["/watch/{sku}"]
    uri = lambda_uri(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:${{stageVariables.fn}}")
    r = apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="GET", type="AWS_PROXY",
                              integrationHttpMethod="POST", uri=uri)
    assert r["uri"] == uri


def test_put_integration_with_a_bare_function_arn_is_refused(apigw, lam):
    function = create_function(lam)
    api_id = import_watch_api(apigw)["id"]
    rid = resource_ids(apigw, api_id)["/watch/{sku}"]
    response = service_error(lambda: apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="GET",
                                                           type="AWS_PROXY", integrationHttpMethod="POST",
                                                           uri=function_arn(function)))
    assert_error(response, "BadRequestException", 400, "AWS ARN for integration must contain path or action")
    assert_error(service_error(lambda: apigw.get_integration(restApiId=api_id, resourceId=rid, httpMethod="GET")),
                 "NotFoundException", 404)


def test_get_and_delete_integration(apigw, lam):
    function = create_function(lam)
    api_id = import_watch_api(apigw)["id"]
    rid = resource_ids(apigw, api_id)["/watch/{sku}"]
    assert_error(service_error(lambda: apigw.get_integration(restApiId=api_id, resourceId=rid, httpMethod="GET")),
                 "NotFoundException", 404, "Invalid Integration identifier specified")
    integrate(apigw, api_id, rid, "GET", function)
    r = apigw.delete_integration(restApiId=api_id, resourceId=rid, httpMethod="GET")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert_error(service_error(lambda: apigw.get_integration(restApiId=api_id, resourceId=rid, httpMethod="GET")),
                 "NotFoundException", 404, "Invalid Integration identifier specified")
    # The method itself stays.
    assert apigw.get_method(restApiId=api_id, resourceId=rid, httpMethod="GET")["httpMethod"] == "GET"


def test_put_integration_on_a_missing_method_is_not_found(apigw, lam):
    function = create_function(lam)
    api_id = import_watch_api(apigw)["id"]
    rid = resource_ids(apigw, api_id)["/watch/{sku}"]
    assert_error(service_error(lambda: integrate(apigw, api_id, rid, "PATCH", function)),
                 "NotFoundException", 404, "Invalid Method identifier specified")


# --- deployments and stages ------------------------------------------------------------

def test_create_deployment_with_a_method_without_integration_is_refused(apigw, lam):
    function = create_function(lam)
    api_id = import_watch_api(apigw)["id"]
    ids = resource_ids(apigw, api_id)
    integrate(apigw, api_id, ids["/watch/{sku}"], "GET", function)  # POST /watch has none
    response = service_error(lambda: apigw.create_deployment(restApiId=api_id, stageName="v2"))
    assert_error(response, "BadRequestException", 400, "No integration defined for method")
    assert apigw.get_deployments(restApiId=api_id)["items"] == []
    assert apigw.get_stages(restApiId=api_id)["item"] == []


def test_create_deployment_of_an_api_without_methods_is_refused(apigw):
    spec = f"openapi: 3.0.1\ninfo: {{title: {unique('empty')}, version: '1'}}\npaths: {{}}\n"
    api_id = apigw.import_rest_api(body=spec.encode())["id"]
    response = service_error(lambda: apigw.create_deployment(restApiId=api_id, stageName="v2"))
    assert_error(response, "BadRequestException", 400, "The REST API doesn't contain any methods")


def test_deployed_api_serves_get_and_post_path_style_and_host_style(gw_server, apigw, lam):
    api_id, function, _ = deployed_watch_api(apigw, lam)
    for host_style in (False, True):
        status, body, resp = call_stage(gw_server, api_id, "v2", "GET", "/watch/CV2115.FC6186", host_style=host_style)
        assert status == 200, body
        assert resp.getheader("Content-Type") == "application/json"
        assert body["function"] == function
        assert (body["resource"], body["path"], body["method"]) == ("/watch/{sku}", "/watch/CV2115.FC6186", "GET")
        assert body["pathParameters"] == {"sku": "CV2115.FC6186"}
        assert body["stage"] == "v2"

        status, body, _ = call_stage(gw_server, api_id, "v2", "POST", "/watch", body=b'{"sku": "DEMO.0001"}',
                                     host_style=host_style)
        assert status == 200, body
        assert (body["resource"], body["method"], body["pathParameters"]) == ("/watch", "POST", None)
        assert json.loads(body["body"]) == {"sku": "DEMO.0001"}


def test_the_event_resource_id_is_the_id_get_resources_lists(gw_server, apigw, lam):
    # The bug: requestContext.resourceId was derived from the path, not the
    # resource's id.
    api_id, _, ids = deployed_watch_api(apigw, lam)
    status, body, _ = call_stage(gw_server, api_id, "v2", "GET", "/watch/CV2115.FC6186")
    assert status == 200, body
    assert body["resourceId"] == ids["/watch/{sku}"]
    status, body, _ = call_stage(gw_server, api_id, "v2", "POST", "/watch", body=b"{}")
    assert status == 200, body
    assert body["resourceId"] == ids["/watch"]


def test_a_stage_serves_only_its_deployed_routes(gw_server, apigw, lam):
    api_id, _, _ = deployed_watch_api(apigw, lam)
    status, body, _ = call_stage(gw_server, api_id, "v2", "GET", "/nothing/here")
    assert (status, body) == (403, {"message": "Missing Authentication Token"})
    status, body, _ = call_stage(gw_server, api_id, "v2", "DELETE", "/watch/A1")
    assert (status, body) == (403, {"message": "Missing Authentication Token"})
    status, body, _ = call_stage(gw_server, api_id, "prod", "GET", "/watch/A1")
    assert (status, body) == (403, {"message": "Forbidden"})


def test_an_imported_api_is_not_served_before_its_first_deployment(gw_server, apigw):
    api_id = import_watch_api(apigw)["id"]
    # AWS: the API exists, the stage does not: 403 {"message": "Forbidden"}.
    status, body, _ = call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")
    assert (status, body) == (403, {"message": "Forbidden"})


def test_create_deployment_returns_it_and_get_deployments_lists_it(apigw, lam):
    api_id, _, _ = deployed_watch_api(apigw, lam)
    r = apigw.create_deployment(restApiId=api_id, stageName="v2", description="second")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert re.fullmatch(r"[a-z0-9]{6,10}", r["id"]) and r["description"] == "second"
    items = apigw.get_deployments(restApiId=api_id)["items"]
    assert len(items) == 2 and r["id"] in [d["id"] for d in items]
    assert next(d for d in items if d["id"] == r["id"])["description"] == "second"
    assert apigw.get_deployment(restApiId=api_id, deploymentId=r["id"])["id"] == r["id"]
    stage = apigw.get_stage(restApiId=api_id, stageName="v2")
    assert stage["deploymentId"] == r["id"]


def test_get_stage_and_get_stages(apigw, lam):
    api_id, _, _ = deployed_watch_api(apigw, lam)
    apigw.create_deployment(restApiId=api_id, stageName="test", stageDescription="for tests",
                            variables={"table": "project1"})
    stage = apigw.get_stage(restApiId=api_id, stageName="test")
    assert stage["stageName"] == "test"
    assert stage["description"] == "for tests"
    assert stage["variables"] == {"table": "project1"}
    assert stage["createdDate"] and stage["lastUpdatedDate"]
    names = sorted(s["stageName"] for s in apigw.get_stages(restApiId=api_id)["item"])
    assert names == ["test", "v2"]
    assert_error(service_error(lambda: apigw.get_stage(restApiId=api_id, stageName="nope")),
                 "NotFoundException", 404, "Invalid Stage identifier specified")


def test_create_stage_from_an_existing_deployment(gw_server, apigw, lam):
    api_id, _, _ = deployed_watch_api(apigw, lam)
    deployment = apigw.create_deployment(restApiId=api_id, description="no stage")["id"]
    assert sorted(s["stageName"] for s in apigw.get_stages(restApiId=api_id)["item"]) == ["v2"]
    r = apigw.create_stage(restApiId=api_id, stageName="beta", deploymentId=deployment, description="beta users",
                           variables={"mode": "beta"})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (r["stageName"], r["deploymentId"], r["description"]) == ("beta", deployment, "beta users")
    assert r["variables"] == {"mode": "beta"}
    status, body, _ = call_stage(gw_server, api_id, "beta", "GET", "/watch/B1")
    assert status == 200, body
    assert (body["stage"], body["stageVariables"]) == ("beta", {"mode": "beta"})

    assert_error(service_error(lambda: apigw.create_stage(restApiId=api_id, stageName="beta", deploymentId=deployment)),
                 "ConflictException", 409, "Stage already exists")
    # AWS's wording for an unknown deployment is not asserted.
    assert_error(service_error(lambda: apigw.create_stage(restApiId=api_id, stageName="gamma", deploymentId="nope12")),
                 "BadRequestException", 400)
    assert_error(service_error(lambda: apigw.get_stage(restApiId=api_id, stageName="gamma")), "NotFoundException", 404)


def test_stage_variables_choose_the_function(gw_server, apigw, lam):
    first, second = create_function(lam, "first"), create_function(lam, "second")
    for f in (first, second):
        allow_apigateway(lam, f)
    api_id = import_watch_api(apigw)["id"]
    ids = resource_ids(apigw, api_id)
    uri = lambda_uri(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:${{stageVariables.fn}}")
    for path, verb in (("/watch/{sku}", "GET"), ("/watch", "POST")):
        apigw.put_integration(restApiId=api_id, resourceId=ids[path], httpMethod=verb, type="AWS_PROXY",
                              integrationHttpMethod="POST", uri=uri)
    apigw.create_deployment(restApiId=api_id, stageName="one", variables={"fn": first})
    apigw.create_deployment(restApiId=api_id, stageName="two", variables={"fn": second})
    assert call_stage(gw_server, api_id, "one", "GET", "/watch/A1")[1]["function"] == first
    assert call_stage(gw_server, api_id, "two", "GET", "/watch/A1")[1]["function"] == second

    r = apigw.update_stage(restApiId=api_id, stageName="one",
                           patchOperations=[{"op": "replace", "path": "/variables/fn", "value": second}])
    assert r["variables"] == {"fn": second}
    status, body, _ = call_stage(gw_server, api_id, "one", "GET", "/watch/A1")
    assert status == 200 and body["function"] == second
    assert body["stageVariables"] == {"fn": second}

    # A stage without the variable cannot invoke anything.
    apigw.create_deployment(restApiId=api_id, stageName="none")
    status, body, _ = call_stage(gw_server, api_id, "none", "GET", "/watch/A1")
    assert (status, body) == (500, INTERNAL_ERROR)


def test_update_stage_description_variables_and_deployment(gw_server, apigw, lam):
    api_id, function, ids = deployed_watch_api(apigw, lam)
    first = apigw.get_stage(restApiId=api_id, stageName="v2")["deploymentId"]
    # A second deployment adds GET /health.
    health = apigw.create_resource(restApiId=api_id, parentId=ids["/"], pathPart="health")["id"]
    apigw.put_method(restApiId=api_id, resourceId=health, httpMethod="GET", authorizationType="NONE")
    integrate(apigw, api_id, health, "GET", function)
    second = apigw.create_deployment(restApiId=api_id, stageName="v2")["id"]
    assert call_stage(gw_server, api_id, "v2", "GET", "/health")[0] == 200

    r = apigw.update_stage(restApiId=api_id, stageName="v2", patchOperations=[
        {"op": "replace", "path": "/description", "value": "rolled back"},
        {"op": "replace", "path": "/variables/color", "value": "blue"},
        {"op": "replace", "path": "/deploymentId", "value": first},
    ])
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (r["description"], r["variables"], r["deploymentId"]) == ("rolled back", {"color": "blue"}, first)
    assert call_stage(gw_server, api_id, "v2", "GET", "/health")[:2] == (403, {"message": "Missing Authentication Token"})
    status, body, _ = call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")
    assert status == 200 and body["stageVariables"] == {"color": "blue"}

    r = apigw.update_stage(restApiId=api_id, stageName="v2", patchOperations=[
        {"op": "remove", "path": "/variables/color"}, {"op": "replace", "path": "/deploymentId", "value": second}])
    assert "variables" not in r or r["variables"] == {}
    assert r["deploymentId"] == second
    assert call_stage(gw_server, api_id, "v2", "GET", "/health")[0] == 200
    assert call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")[1]["stageVariables"] is None


def test_update_stage_with_an_unknown_patch_path_changes_nothing(apigw, lam):
    api_id, _, _ = deployed_watch_api(apigw, lam)
    before = apigw.get_stage(restApiId=api_id, stageName="v2")
    before.pop("ResponseMetadata")
    # AWS's wording is not asserted: the type only.
    response = service_error(lambda: apigw.update_stage(restApiId=api_id, stageName="v2", patchOperations=[
        {"op": "replace", "path": "/description", "value": "half done"},
        {"op": "replace", "path": "/nonsense", "value": "x"}]))
    assert_error(response, "BadRequestException", 400)
    assert "/nonsense" in response["Error"]["Message"]
    after = apigw.get_stage(restApiId=api_id, stageName="v2")
    after.pop("ResponseMetadata")
    assert after == before
    response = service_error(lambda: apigw.update_stage(restApiId=api_id, stageName="v2", patchOperations=[
        {"op": "replace", "path": "/deploymentId", "value": "nope12"}]))
    assert_error(response, "BadRequestException", 400)
    assert_error(service_error(lambda: apigw.update_stage(restApiId=api_id, stageName="nope", patchOperations=[
        {"op": "replace", "path": "/description", "value": "x"}])), "NotFoundException", 404,
        "Invalid Stage identifier specified")


def test_delete_stage_stops_serving_it(gw_server, apigw, lam):
    api_id, _, _ = deployed_watch_api(apigw, lam)
    assert call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")[0] == 200
    r = apigw.delete_stage(restApiId=api_id, stageName="v2")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert_error(service_error(lambda: apigw.get_stage(restApiId=api_id, stageName="v2")),
                 "NotFoundException", 404, "Invalid Stage identifier specified")
    assert apigw.get_stages(restApiId=api_id)["item"] == []
    # The API exists, the stage does not: AWS answers 403 {"message": "Forbidden"}.
    status, body, _ = call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")
    assert (status, body) == (403, {"message": "Forbidden"})
    assert_error(service_error(lambda: apigw.delete_stage(restApiId=api_id, stageName="v2")), "NotFoundException", 404)
    # The deployment stays and can be staged again.
    deployment = apigw.get_deployments(restApiId=api_id)["items"][0]["id"]
    apigw.create_stage(restApiId=api_id, stageName="v2", deploymentId=deployment)
    assert call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")[0] == 200


def test_redeploy_serves_a_method_added_since(gw_server, apigw, lam):
    api_id, function, ids = deployed_watch_api(apigw, lam)
    apigw.put_method(restApiId=api_id, resourceId=ids["/watch/{sku}"], httpMethod="DELETE", authorizationType="NONE")
    integrate(apigw, api_id, ids["/watch/{sku}"], "DELETE", function)
    # Not deployed yet.
    assert call_stage(gw_server, api_id, "v2", "DELETE", "/watch/A1")[0] == 403
    apigw.create_deployment(restApiId=api_id, stageName="v2")
    status, body, _ = call_stage(gw_server, api_id, "v2", "DELETE", "/watch/A1")
    assert status == 200 and body["method"] == "DELETE"


# --- the Lambda permission check -----------------------------------------------------------

def test_without_permission_the_integration_answers_500_and_logs_why(gw_server, apigw, lam):
    api_id, function, _ = deployed_watch_api(apigw, lam, permission=False)
    status, body, resp = call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")
    assert (status, body) == (500, INTERNAL_ERROR)
    assert resp.getheader("x-amzn-ErrorType") == "InternalServerErrorException"
    assert NO_PERMISSION_LOG in gw_server.log()
    assert function in [line for line in gw_server.log().splitlines() if NO_PERMISSION_LOG in line][-1]
    # Granted afterwards, it works at once, without a redeployment.
    allow_apigateway(lam, function, f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/*/*")
    status, body, _ = call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")
    assert status == 200, body


def test_a_source_arn_for_get_only_refuses_post(gw_server, apigw, lam):
    function = create_function(lam)
    api_id, _, _ = deployed_watch_api(apigw, lam, permission=False, function=function)
    allow_apigateway(lam, function, f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/GET/watch/*")
    status, body, _ = call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")
    assert status == 200, body
    status, body, _ = call_stage(gw_server, api_id, "v2", "POST", "/watch", body=b"{}")
    assert (status, body) == (500, INTERNAL_ERROR)


def test_a_source_arn_for_another_stage_or_api_is_refused(gw_server, apigw, lam):
    function = create_function(lam)
    api_id, _, _ = deployed_watch_api(apigw, lam, permission=False, function=function)
    allow_apigateway(lam, function, f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/prod/GET/watch/*")
    allow_apigateway(lam, function, f"arn:aws:execute-api:{REGION}:{ACCOUNT}:otherapi00/*/GET/watch/*")
    assert call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")[:2] == (500, INTERNAL_ERROR)
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    assert call_stage(gw_server, api_id, "prod", "GET", "/watch/A1")[0] == 200


def test_a_permission_without_source_arn_allows_every_api(gw_server, apigw, lam):
    function = create_function(lam)
    allow_apigateway(lam, function)
    api_id, _, _ = deployed_watch_api(apigw, lam, permission=False, function=function)
    assert call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")[0] == 200
    assert call_stage(gw_server, api_id, "v2", "POST", "/watch", body=b"{}")[0] == 200


def test_removing_the_permission_refuses_again(gw_server, apigw, lam):
    function = create_function(lam)
    api_id, _, _ = deployed_watch_api(apigw, lam, permission=False, function=function)
    allow_apigateway(lam, function, sid="apigw-invoke")
    assert call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")[0] == 200
    lam.remove_permission(FunctionName=function, StatementId="apigw-invoke")
    assert call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")[:2] == (500, INTERNAL_ERROR)


def test_an_integration_with_credentials_needs_no_permission(gw_server, apigw, lam):
    function = create_function(lam)
    api_id = import_watch_api(apigw)["id"]
    ids = resource_ids(apigw, api_id)
    role = f"arn:aws:iam::{ACCOUNT}:role/apigateway-invoke"
    r = integrate(apigw, api_id, ids["/watch/{sku}"], "GET", function, credentials=role)
    assert r["credentials"] == role
    integrate(apigw, api_id, ids["/watch"], "POST", function)
    apigw.create_deployment(restApiId=api_id, stageName="v2")
    status, body, _ = call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")
    assert status == 200, body
    assert call_stage(gw_server, api_id, "v2", "POST", "/watch", body=b"{}")[:2] == (500, INTERNAL_ERROR)


def test_an_integration_with_a_missing_function_answers_500(gw_server, apigw, lam):
    api_id = import_watch_api(apigw)["id"]
    ids = resource_ids(apigw, api_id)
    missing = unique("missing")
    integrate(apigw, api_id, ids["/watch/{sku}"], "GET", missing)
    integrate(apigw, api_id, ids["/watch"], "POST", missing)
    apigw.create_deployment(restApiId=api_id, stageName="v2")
    assert call_stage(gw_server, api_id, "v2", "GET", "/watch/A1")[:2] == (500, INTERNAL_ERROR)


# --- persistence --------------------------------------------------------------------------

def test_imported_api_deployments_and_stages_serve_again_after_a_restart(start_server, tmp_path):
    data = tmp_path / "data"
    s = start_server("--data-dir", str(data), "--log-level", "warn")
    apigw, lam = client("apigateway", s.url), lambda_client(s.url)
    api_id, function, ids = deployed_watch_api(apigw, lam)
    apigw.create_deployment(restApiId=api_id, stageName="test", variables={"table": "project1"},
                            description="with variables")
    before = call_stage(s, api_id, "test", "GET", "/watch/P1")
    assert before[0] == 200, before[1]
    deployments = sorted(d["id"] for d in apigw.get_deployments(restApiId=api_id)["items"])
    assert s.stop() == 0, s.log()

    s2 = start_server("--data-dir", str(data), "--log-level", "warn")
    apigw, lam = client("apigateway", s2.url), lambda_client(s2.url)
    assert apigw.get_rest_api(restApiId=api_id)["name"].startswith("watches-")
    assert resource_ids(apigw, api_id) == ids
    assert sorted(d["id"] for d in apigw.get_deployments(restApiId=api_id)["items"]) == deployments
    stages = {st["stageName"]: st for st in apigw.get_stages(restApiId=api_id)["item"]}
    assert sorted(stages) == ["test", "v2"]
    assert stages["test"]["variables"] == {"table": "project1"}
    for stage in ("v2", "test"):
        for host_style in (False, True):
            status, body, _ = call_stage(s2, api_id, stage, "GET", "/watch/P1", host_style=host_style)
            assert status == 200, body
            assert (body["function"], body["pathParameters"], body["stage"]) == (function, {"sku": "P1"}, stage)
    assert call_stage(s2, api_id, "test", "GET", "/watch/P1")[1]["stageVariables"] == {"table": "project1"}
    assert call_stage(s2, api_id, "v2", "POST", "/watch", body=b"{}")[0] == 200
    # The permission was kept: a function without one still refuses after the restart.
    other = create_function(lam)
    apigw.put_integration(restApiId=api_id, resourceId=ids["/watch"], httpMethod="POST", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=lambda_uri(function_arn(other)))
    apigw.create_deployment(restApiId=api_id, stageName="v2")
    assert call_stage(s2, api_id, "v2", "POST", "/watch", body=b"{}")[:2] == (500, INTERNAL_ERROR)
    assert call_stage(s2, api_id, "v2", "GET", "/watch/P1")[0] == 200
    assert s2.stop() == 0, s2.log()


def test_a_deleted_api_stays_deleted_after_a_restart(start_server, tmp_path):
    data = tmp_path / "data"
    s = start_server("--data-dir", str(data), "--log-level", "warn")
    apigw, lam = client("apigateway", s.url), lambda_client(s.url)
    kept, _, _ = deployed_watch_api(apigw, lam)
    gone, _, _ = deployed_watch_api(apigw, lam)
    apigw.delete_rest_api(restApiId=gone)
    apigw.delete_stage(restApiId=kept, stageName="v2")
    apigw.create_deployment(restApiId=kept, stageName="prod")
    assert s.stop() == 0, s.log()

    s2 = start_server("--data-dir", str(data), "--log-level", "warn")
    apigw = client("apigateway", s2.url)
    assert [a["id"] for a in apigw.get_rest_apis()["items"]] == [kept]
    assert [st["stageName"] for st in apigw.get_stages(restApiId=kept)["item"]] == ["prod"]
    assert call_stage(s2, kept, "prod", "GET", "/watch/A1")[0] == 200
    assert call_stage(s2, kept, "v2", "GET", "/watch/A1")[0] == 403
    assert call_stage(s2, gone, "v2", "GET", "/watch/A1")[0] in (403, 404)


# --- the course's script with the AWS CLI v2 -----------------------------------------------------

STUDENT_SCRIPT = r"""
set -euo pipefail
aws() { "$AWS_CLI" --endpoint-url "$ENDPOINT" --output json "$@"; }

# 1. the role
aws iam create-role --role-name "$ROLE_NAME" --assume-role-policy-document file://trust.json > /dev/null
aws iam attach-role-policy --role-name "$ROLE_NAME" \
    --policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
ROLE_ARN=$(aws iam get-role --role-name "$ROLE_NAME" --query Role.Arn --output text)
ACCOUNT=$(aws sts get-caller-identity --query Account --output text)

# 2. the function
(cd v1 && zip -q ../function-v1.zip lambda_function.py)
(cd v2 && zip -q ../function-v2.zip lambda_function.py)
FUNCTION_ARN=$(aws lambda create-function --function-name "$FUNCTION" --runtime python3.12 \
    --handler lambda_function.lambda_handler --role "$ROLE_ARN" --zip-file fileb://function-v1.zip \
    --query FunctionArn --output text)
aws lambda wait function-active-v2 --function-name "$FUNCTION"

# 3. the API
API_ID=$(aws apigateway import-rest-api --body fileb://openapi.yaml \
    --parameters endpointConfigurationTypes=REGIONAL --fail-on-warnings --query id --output text)
GET_ID=$(aws apigateway get-resources --rest-api-id "$API_ID" | jq -r '.items[] | select(.path == "/watch/{sku}") | .id')
POST_ID=$(aws apigateway get-resources --rest-api-id "$API_ID" --query "items[?path=='/watch'].id" --output text)
URI="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/$FUNCTION_ARN/invocations"
aws apigateway put-integration --rest-api-id "$API_ID" --resource-id "$GET_ID" --http-method GET \
    --type AWS_PROXY --integration-http-method POST --uri "$URI" > /dev/null
aws apigateway put-integration --rest-api-id "$API_ID" --resource-id "$POST_ID" --http-method POST \
    --type AWS_PROXY --integration-http-method POST --uri "$URI" > /dev/null
aws lambda add-permission --function-name "$FUNCTION" --statement-id apigw-get --action lambda:InvokeFunction \
    --principal apigateway.amazonaws.com --source-arn "arn:aws:execute-api:us-east-1:$ACCOUNT:$API_ID/*/GET/watch/*" > /dev/null
aws lambda add-permission --function-name "$FUNCTION" --statement-id apigw-post --action lambda:InvokeFunction \
    --principal apigateway.amazonaws.com --source-arn "arn:aws:execute-api:us-east-1:$ACCOUNT:$API_ID/*/POST/watch" > /dev/null
aws apigateway create-deployment --rest-api-id "$API_ID" --stage-name v2 > /dev/null

STAGE_URL="$ENDPOINT/restapis/$API_ID/v2/_user_request_"
echo "GET1 $(curl -sS "$STAGE_URL/watch/CV2115.FC6186")"
echo "POST1 $(curl -sS -X POST -H 'Content-Type: application/json' -d '{"sku":"DEMO.0001"}' "$STAGE_URL/watch")"

# 4. new code, redeploy, call again
aws lambda update-function-code --function-name "$FUNCTION" --zip-file fileb://function-v2.zip > /dev/null
aws lambda wait function-updated-v2 --function-name "$FUNCTION"
aws apigateway create-deployment --rest-api-id "$API_ID" --stage-name v2 --description "v2 code" > /dev/null
echo "GET2 $(curl -sS "$STAGE_URL/watch/CV2115.FC6186")"
echo "POST2 $(curl -sS -X POST -d '{"sku":"DEMO.0002"}' "$STAGE_URL/watch")"
echo "HOST $(curl -sS -H "Host: $API_ID.execute-api.localhost:$PORT" "$ENDPOINT/v2/watch/HOST.1")"
echo "API $API_ID"
"""

STUDENT_HANDLER = '''import json


def lambda_handler(event, context):
    if event["httpMethod"] == "GET":
        body = {{"sku": event["pathParameters"]["sku"], "release": "{release}"}}
    else:
        body = {{"created": json.loads(event["body"])["sku"], "release": "{release}"}}
    return {{"statusCode": 200, "headers": {{"Content-Type": "application/json"}}, "body": json.dumps(body)}}
'''


@pytest.mark.skipif(not (shutil.which("jq") and shutil.which("zip") and shutil.which("curl")),
                    reason="the script needs jq, zip and curl")
def test_course_script_with_cli_v2_role_function_import_integrate_permit_deploy_update(gw_server, tmp_path):
    for release in ("v1", "v2"):
        (tmp_path / release).mkdir()
        (tmp_path / release / "lambda_function.py").write_text(STUDENT_HANDLER.format(release=release))
    (tmp_path / "trust.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    (tmp_path / "openapi.yaml").write_text(watch_spec("Watches Info Service v2"))
    env = cli_env({"AWS_CLI": AWS, "ENDPOINT": gw_server.url, "PORT": str(gw_server.port),
                   "ROLE_NAME": unique("course-role"), "FUNCTION": unique("watches-info")})
    out = subprocess.run(["bash", "-c", STUDENT_SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, f"stdout:\n{out.stdout}\nstderr:\n{out.stderr}"
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines() if " " in line)
    assert json.loads(lines["GET1"]) == {"sku": "CV2115.FC6186", "release": "v1"}
    assert json.loads(lines["POST1"]) == {"created": "DEMO.0001", "release": "v1"}
    assert json.loads(lines["GET2"]) == {"sku": "CV2115.FC6186", "release": "v2"}
    assert json.loads(lines["POST2"]) == {"created": "DEMO.0002", "release": "v2"}
    assert json.loads(lines["HOST"]) == {"sku": "HOST.1", "release": "v2"}
    assert re.fullmatch(API_ID, lines["API"])
