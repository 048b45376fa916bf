"""IAM and STS, minimal and not enforced: roles, their trust policies,
managed (AWS and customer) and inline policies, customer managed policies,
the CLI's waiters and GetCallerIdentity, over AWS's Query protocol (form
body, XML answers), with boto3, the AWS CLI v2 and, where the machine has
one, the CLI v1; kept across a restart with --data-dir.

Facts checked against AWS and their sources (real AWS errors quoted in
deployment logs and CLI transcripts, and moto's IAM backend):
- "Role with name X already exists." (EntityAlreadyExists, 409); "The role
  with name X cannot be found." (NoSuchEntity, 404); "The role policy with
  name X cannot be found." (NoSuchEntity); "Policy ARN does not exist or is
  not attachable." (NoSuchEntity, AttachRolePolicy); "Policy ARN was not
  found." (NoSuchEntity, GetPolicy; moto's DetachRolePolicy);
- DeleteRole: "Cannot delete entity, must detach all policies first." while
  managed policies are attached, "Cannot delete entity, must delete policies
  first." while inline policies remain (DeleteConflict, 409: real
  CloudFormation and Terraform errors, moto);
- DeletePolicy of an attached policy: "Cannot delete a policy attached to
  entities." (DeleteConflict); CreatePolicy twice: "A policy called X already
  exists. Duplicate names are not allowed." (EntityAlreadyExists);
- "1 validation error detected: Value 'X' at 'roleName' failed to satisfy
  constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
  and "... Member must have length less than or equal to 64"
  (ValidationError, 400);
- "This policy contains invalid Json" (MalformedPolicyDocument, 400);
- role names are unique regardless of case (IAM user guide: names are not
  distinguished by case);
- policy documents come back URL-encoded; botocore and the CLI decode them
  into objects.
"""
import json
import re
import subprocess
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from conftest import AWS, client
from lambda_util import ACCOUNT, assert_error, cli_env, find_cli_v1, service_error, unique

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
APIGW_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
LOGS = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]}
TABLE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
     "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/project1"}]}
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
DYNAMODB_FULL = "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"
ROLE_ID = r"AROA[A-Z0-9]{17}"
POLICY_ID = r"ANPA[A-Z0-9]{17}"


@pytest.fixture(scope="module")
def iam(server):
    return client("iam", server.url)


@pytest.fixture(scope="module")
def sts(server):
    return client("sts", server.url)


def new_role(iam, prefix="role", **kw):
    name = unique(prefix)
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST), **kw)
    return name


def role_arn(name, path="/"):
    return f"arn:aws:iam::{ACCOUNT}:role{path}{name}"


def policy_arn(name, path="/"):
    return f"arn:aws:iam::{ACCOUNT}:policy{path}{name}"


def cli(url, *args, check=True, binary=AWS):
    return subprocess.run([binary, "--endpoint-url", url, "--output", "json", *args], env=cli_env(),
                          capture_output=True, text=True, check=check, timeout=120)


def query(server, **params):
    """One raw Query-protocol request; returns (status, body text)."""
    req = urllib.request.Request(server.url + "/", data=urllib.parse.urlencode(params).encode(),
                                 headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


# --- roles ---------------------------------------------------------------------

def test_create_role_returns_it_with_its_decoded_trust_policy(iam):
    name = unique("lambda-role")
    r = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST), Description="for watches")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    role = r["Role"]
    assert (role["RoleName"], role["Path"], role["Arn"]) == (name, "/", role_arn(name))
    assert re.fullmatch(ROLE_ID, role["RoleId"])
    assert role["AssumeRolePolicyDocument"] == TRUST
    assert role["Description"] == "for watches"
    assert role["CreateDate"].year >= 2024

    got = iam.get_role(RoleName=name)["Role"]
    for key in ("RoleName", "RoleId", "Arn", "Path", "CreateDate", "AssumeRolePolicyDocument", "Description"):
        assert got[key] == role[key]
    assert got["MaxSessionDuration"] == 3600


def test_create_role_with_a_path_tags_and_max_session(iam):
    name = unique("svc-role")
    r = iam.create_role(RoleName=name, Path="/service-role/", AssumeRolePolicyDocument=json.dumps(TRUST),
                        MaxSessionDuration=7200, Tags=[{"Key": "team", "Value": "watches"}])
    assert r["Role"]["Arn"] == role_arn(name, "/service-role/")
    got = iam.get_role(RoleName=name)["Role"]
    assert (got["Path"], got["MaxSessionDuration"]) == ("/service-role/", 7200)
    assert got["Tags"] == [{"Key": "team", "Value": "watches"}]


def test_create_role_twice_is_entity_already_exists(iam):
    name = new_role(iam)
    response = service_error(lambda: iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(APIGW_TRUST)))
    assert_error(response, "EntityAlreadyExists", 409, f"Role with name {name} already exists.")
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == TRUST


def test_role_names_are_unique_regardless_of_case(iam):
    name = unique("CaseRole")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    # AWS's wording for the other spelling is not asserted: the type only.
    response = service_error(lambda: iam.create_role(RoleName=name.lower(), AssumeRolePolicyDocument=json.dumps(TRUST)))
    assert_error(response, "EntityAlreadyExists", 409)


def test_get_role_of_an_unknown_name_is_no_such_entity(iam):
    name = unique("missing")
    assert_error(service_error(lambda: iam.get_role(RoleName=name)), "NoSuchEntity", 404,
                 f"The role with name {name} cannot be found.")
    assert_error(service_error(lambda: iam.delete_role(RoleName=name)), "NoSuchEntity", 404,
                 f"The role with name {name} cannot be found.")


@pytest.mark.parametrize("bad", ["a<b", "a&b", "x'y", 'q"r', "sp ace", "sla/sh"])
def test_a_role_name_outside_the_pattern_is_a_validation_error(server, iam, bad):
    response = service_error(lambda: iam.create_role(RoleName=bad, AssumeRolePolicyDocument=json.dumps(TRUST)))
    assert_error(response, "ValidationError", 400,
                 f"1 validation error detected: Value '{bad}' at 'roleName' failed to satisfy constraint: "
                 "Member must satisfy regular expression pattern: [\\w+=,.@-]+")
    # The XML answer escapes what it quotes.
    status, body = query(server, Action="CreateRole", Version="2010-05-08", RoleName=bad,
                         AssumeRolePolicyDocument=json.dumps(TRUST))
    assert status == 400
    assert "<Code>ValidationError</Code>" in body
    root = ET.fromstring(body)
    ns = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/"}
    assert root.find("iam:Error/iam:Message", ns).text.startswith(f"1 validation error detected: Value '{bad}'")


def test_a_role_name_longer_than_64_is_a_validation_error(iam):
    name = "r" * 65
    response = service_error(lambda: iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST)))
    assert_error(response, "ValidationError", 400,
                 f"1 validation error detected: Value '{name}' at 'roleName' failed to satisfy constraint: "
                 "Member must have length less than or equal to 64")


def test_the_cli_refuses_a_role_name_with_xml_unsafe_characters(server):
    out = cli(server.url, "iam", "create-role", "--role-name", "a<b", "--assume-role-policy-document",
              json.dumps(TRUST), check=False)
    assert out.returncode != 0
    assert "(ValidationError)" in out.stderr
    assert "Value 'a<b' at 'roleName'" in out.stderr


def test_a_trust_policy_that_is_not_json_is_malformed(iam):
    name = unique("malformed")
    response = service_error(lambda: iam.create_role(RoleName=name, AssumeRolePolicyDocument="{not json"))
    assert_error(response, "MalformedPolicyDocument", 400, "This policy contains invalid Json")
    assert_error(service_error(lambda: iam.get_role(RoleName=name)), "NoSuchEntity", 404)


def test_list_roles_lists_them_and_filters_by_path_prefix(iam):
    plain = new_role(iam, "listed")
    scoped = new_role(iam, "scoped", Path="/watches/")
    listed = {r["RoleName"]: r for r in iam.list_roles()["Roles"]}
    assert {plain, scoped} <= set(listed)
    assert listed[plain]["Arn"] == role_arn(plain)
    assert listed[plain]["AssumeRolePolicyDocument"] == TRUST
    under = [r["RoleName"] for r in iam.list_roles(PathPrefix="/watches/")["Roles"]]
    assert scoped in under and plain not in under
    paged = [r["RoleName"] for page in iam.get_paginator("list_roles").paginate() for r in page["Roles"]]
    assert {plain, scoped} <= set(paged)


def test_delete_role(iam):
    name = new_role(iam)
    r = iam.delete_role(RoleName=name)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert_error(service_error(lambda: iam.get_role(RoleName=name)), "NoSuchEntity", 404)
    assert name not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    # The name is free again.
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(APIGW_TRUST))
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == APIGW_TRUST


def test_delete_role_with_an_attached_policy_is_a_conflict(iam):
    name = new_role(iam)
    iam.attach_role_policy(RoleName=name, PolicyArn=BASIC_EXECUTION)
    response = service_error(lambda: iam.delete_role(RoleName=name))
    assert_error(response, "DeleteConflict", 409, "Cannot delete entity, must detach all policies first.")
    assert iam.get_role(RoleName=name)["Role"]["RoleName"] == name
    iam.detach_role_policy(RoleName=name, PolicyArn=BASIC_EXECUTION)
    iam.delete_role(RoleName=name)


def test_delete_role_with_an_inline_policy_is_a_conflict(iam):
    name = new_role(iam)
    iam.put_role_policy(RoleName=name, PolicyName="logs", PolicyDocument=json.dumps(LOGS))
    response = service_error(lambda: iam.delete_role(RoleName=name))
    assert_error(response, "DeleteConflict", 409, "Cannot delete entity, must delete policies first.")
    iam.delete_role_policy(RoleName=name, PolicyName="logs")
    iam.delete_role(RoleName=name)


def test_update_assume_role_policy(iam):
    name = new_role(iam)
    r = iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(APIGW_TRUST))
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == APIGW_TRUST
    assert_error(service_error(lambda: iam.update_assume_role_policy(RoleName=name, PolicyDocument="nope")),
                 "MalformedPolicyDocument", 400, "This policy contains invalid Json")
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == APIGW_TRUST
    missing = unique("missing")
    assert_error(service_error(lambda: iam.update_assume_role_policy(RoleName=missing,
                                                                     PolicyDocument=json.dumps(TRUST))),
                 "NoSuchEntity", 404, f"The role with name {missing} cannot be found.")


# --- managed policies attached to roles --------------------------------------------

def test_attach_list_detach_aws_managed_policies(iam):
    name = new_role(iam)
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
    iam.attach_role_policy(RoleName=name, PolicyArn=BASIC_EXECUTION)
    iam.attach_role_policy(RoleName=name, PolicyArn=DYNAMODB_FULL)
    iam.attach_role_policy(RoleName=name, PolicyArn=BASIC_EXECUTION)  # again: no change
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert sorted(attached, key=lambda p: p["PolicyArn"]) == [
        {"PolicyName": "AmazonDynamoDBFullAccess", "PolicyArn": DYNAMODB_FULL},
        {"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": BASIC_EXECUTION},
    ]
    iam.detach_role_policy(RoleName=name, PolicyArn=BASIC_EXECUTION)
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == [
        {"PolicyName": "AmazonDynamoDBFullAccess", "PolicyArn": DYNAMODB_FULL}]
    response = service_error(lambda: iam.detach_role_policy(RoleName=name, PolicyArn=BASIC_EXECUTION))
    assert_error(response, "NoSuchEntity", 404, f"Policy {BASIC_EXECUTION} was not found.")


def test_attach_a_customer_policy_that_does_not_exist(iam):
    name = new_role(iam)
    arn = policy_arn(unique("nope"))
    response = service_error(lambda: iam.attach_role_policy(RoleName=name, PolicyArn=arn))
    assert_error(response, "NoSuchEntity", 404, f"Policy {arn} does not exist or is not attachable.")
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []


def test_attach_to_a_role_that_does_not_exist(iam):
    missing = unique("missing")
    assert_error(service_error(lambda: iam.attach_role_policy(RoleName=missing, PolicyArn=BASIC_EXECUTION)),
                 "NoSuchEntity", 404, f"The role with name {missing} cannot be found.")
    assert_error(service_error(lambda: iam.list_attached_role_policies(RoleName=missing)),
                 "NoSuchEntity", 404, f"The role with name {missing} cannot be found.")


def test_attach_a_policy_arn_that_is_not_an_arn_is_invalid_input(iam):
    name = new_role(iam)
    # AWS's wording is not asserted: the type only.
    response = service_error(lambda: iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:s3:::not-a-policy"))
    assert_error(response, "InvalidInput", 400)


# --- inline policies -----------------------------------------------------------------

def test_put_get_list_delete_role_policy(iam):
    name = new_role(iam)
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []
    iam.put_role_policy(RoleName=name, PolicyName="logs", PolicyDocument=json.dumps(LOGS))
    iam.put_role_policy(RoleName=name, PolicyName="table", PolicyDocument=json.dumps(TABLE))
    got = iam.get_role_policy(RoleName=name, PolicyName="table")
    assert (got["RoleName"], got["PolicyName"], got["PolicyDocument"]) == (name, "table", TABLE)
    assert sorted(iam.list_role_policies(RoleName=name)["PolicyNames"]) == ["logs", "table"]
    # Put again replaces it.
    iam.put_role_policy(RoleName=name, PolicyName="table", PolicyDocument=json.dumps(LOGS))
    assert iam.get_role_policy(RoleName=name, PolicyName="table")["PolicyDocument"] == LOGS

    iam.delete_role_policy(RoleName=name, PolicyName="table")
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["logs"]
    assert_error(service_error(lambda: iam.get_role_policy(RoleName=name, PolicyName="table")),
                 "NoSuchEntity", 404, "The role policy with name table cannot be found.")
    assert_error(service_error(lambda: iam.delete_role_policy(RoleName=name, PolicyName="table")),
                 "NoSuchEntity", 404, "The role policy with name table cannot be found.")


def test_put_role_policy_with_invalid_json_changes_nothing(iam):
    name = new_role(iam)
    assert_error(service_error(lambda: iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument="{")),
                 "MalformedPolicyDocument", 400, "This policy contains invalid Json")
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []


def test_inline_policy_documents_with_special_characters_round_trip(iam):
    name = new_role(iam)
    doc = {"Version": "2012-10-17", "Statement": [{"Sid": "AllowAnd", "Effect": "Allow", "Action": "s3:GetObject",
                                                   "Resource": "arn:aws:s3:::bucket/a b&c<d>+é/*"}]}
    iam.put_role_policy(RoleName=name, PolicyName="special", PolicyDocument=json.dumps(doc))
    assert iam.get_role_policy(RoleName=name, PolicyName="special")["PolicyDocument"] == doc


# --- customer managed policies --------------------------------------------------------

def test_create_get_attach_delete_policy(iam):
    policy = unique("watches-table")
    r = iam.create_policy(PolicyName=policy, PolicyDocument=json.dumps(TABLE), Description="read and write project1")
    p = r["Policy"]
    assert (p["PolicyName"], p["Arn"], p["Path"]) == (policy, policy_arn(policy), "/")
    assert re.fullmatch(POLICY_ID, p["PolicyId"])
    assert (p["DefaultVersionId"], p["AttachmentCount"], p["IsAttachable"]) == ("v1", 0, True)
    got = iam.get_policy(PolicyArn=p["Arn"])["Policy"]
    assert (got["PolicyName"], got["Arn"], got["AttachmentCount"]) == (policy, p["Arn"], 0)
    assert got["Description"] == "read and write project1"

    role = new_role(iam)
    iam.attach_role_policy(RoleName=role, PolicyArn=p["Arn"])
    assert iam.get_policy(PolicyArn=p["Arn"])["Policy"]["AttachmentCount"] == 1
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == [
        {"PolicyName": policy, "PolicyArn": p["Arn"]}]
    assert_error(service_error(lambda: iam.delete_policy(PolicyArn=p["Arn"])),
                 "DeleteConflict", 409, "Cannot delete a policy attached to entities.")

    iam.detach_role_policy(RoleName=role, PolicyArn=p["Arn"])
    assert iam.get_policy(PolicyArn=p["Arn"])["Policy"]["AttachmentCount"] == 0
    iam.delete_policy(PolicyArn=p["Arn"])
    assert_error(service_error(lambda: iam.get_policy(PolicyArn=p["Arn"])),
                 "NoSuchEntity", 404, f"Policy {p['Arn']} was not found.")


def test_create_policy_with_a_path(iam):
    policy = unique("scoped-policy")
    p = iam.create_policy(PolicyName=policy, Path="/watches/", PolicyDocument=json.dumps(LOGS))["Policy"]
    assert p["Arn"] == policy_arn(policy, "/watches/")
    assert iam.get_policy(PolicyArn=p["Arn"])["Policy"]["Path"] == "/watches/"
    role = new_role(iam)
    iam.attach_role_policy(RoleName=role, PolicyArn=p["Arn"])
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"][0]["PolicyArn"] == p["Arn"]


def test_create_policy_twice_is_entity_already_exists(iam):
    policy = unique("twice")
    iam.create_policy(PolicyName=policy, PolicyDocument=json.dumps(LOGS))
    response = service_error(lambda: iam.create_policy(PolicyName=policy, PolicyDocument=json.dumps(TABLE)))
    assert_error(response, "EntityAlreadyExists", 409,
                 f"A policy called {policy} already exists. Duplicate names are not allowed.")


def test_create_policy_with_invalid_json_is_malformed(iam):
    policy = unique("bad-json")
    assert_error(service_error(lambda: iam.create_policy(PolicyName=policy, PolicyDocument="[1, 2")),
                 "MalformedPolicyDocument", 400, "This policy contains invalid Json")
    assert_error(service_error(lambda: iam.get_policy(PolicyArn=policy_arn(policy))), "NoSuchEntity", 404)


def test_get_policy_of_an_unknown_arn(iam):
    arn = policy_arn(unique("unknown"))
    assert_error(service_error(lambda: iam.get_policy(PolicyArn=arn)), "NoSuchEntity", 404,
                 f"Policy {arn} was not found.")
    assert_error(service_error(lambda: iam.delete_policy(PolicyArn=arn)), "NoSuchEntity", 404,
                 f"Policy {arn} was not found.")


def test_an_unknown_action_is_refused(server):
    status, body = query(server, Action="CreateUser", Version="2010-05-08", UserName="someone")
    assert status == 400
    assert "<Code>InvalidAction</Code>" in body


# --- STS -------------------------------------------------------------------------------

def test_get_caller_identity(sts):
    r = sts.get_caller_identity()
    assert r["Account"] == ACCOUNT
    assert r["Arn"].startswith(f"arn:aws:iam::{ACCOUNT}:")
    assert r["UserId"]


def test_get_caller_identity_with_the_cli(server):
    out = json.loads(cli(server.url, "sts", "get-caller-identity").stdout)
    assert out["Account"] == ACCOUNT
    account = cli(server.url, "sts", "get-caller-identity", "--query", "Account", "--output", "text").stdout.strip()
    assert account == ACCOUNT


# --- the CLI ---------------------------------------------------------------------------

def test_cli_v2_role_lifecycle_with_file_policies_and_decoded_documents(server, tmp_path):
    name = unique("cli-role")
    (tmp_path / "trust.json").write_text(json.dumps(TRUST))
    (tmp_path / "logs.json").write_text(json.dumps(LOGS))
    created = json.loads(cli(server.url, "iam", "create-role", "--role-name", name,
                             "--assume-role-policy-document", f"file://{tmp_path / 'trust.json'}").stdout)
    assert created["Role"]["Arn"] == role_arn(name)
    assert created["Role"]["AssumeRolePolicyDocument"] == TRUST
    got = json.loads(cli(server.url, "iam", "get-role", "--role-name", name).stdout)["Role"]
    assert got["AssumeRolePolicyDocument"] == TRUST
    arn = cli(server.url, "iam", "get-role", "--role-name", name, "--query", "Role.Arn", "--output", "text").stdout
    assert arn.strip() == role_arn(name)

    cli(server.url, "iam", "attach-role-policy", "--role-name", name, "--policy-arn", BASIC_EXECUTION)
    cli(server.url, "iam", "put-role-policy", "--role-name", name, "--policy-name", "logs",
        "--policy-document", f"file://{tmp_path / 'logs.json'}")
    inline = json.loads(cli(server.url, "iam", "get-role-policy", "--role-name", name, "--policy-name", "logs").stdout)
    assert inline["PolicyDocument"] == LOGS
    attached = json.loads(cli(server.url, "iam", "list-attached-role-policies", "--role-name", name).stdout)
    assert attached["AttachedPolicies"] == [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": BASIC_EXECUTION}]

    conflict = cli(server.url, "iam", "delete-role", "--role-name", name, check=False)
    assert conflict.returncode != 0 and "(DeleteConflict)" in conflict.stderr
    cli(server.url, "iam", "detach-role-policy", "--role-name", name, "--policy-arn", BASIC_EXECUTION)
    cli(server.url, "iam", "delete-role-policy", "--role-name", name, "--policy-name", "logs")
    cli(server.url, "iam", "delete-role", "--role-name", name)
    missing = cli(server.url, "iam", "get-role", "--role-name", name, check=False)
    assert missing.returncode != 0 and "(NoSuchEntity)" in missing.stderr


def test_cli_waiters_role_exists_and_policy_exists(server, iam):
    role = new_role(iam)
    policy = iam.create_policy(PolicyName=unique("waited"), PolicyDocument=json.dumps(LOGS))["Policy"]["Arn"]
    out = cli(server.url, "iam", "wait", "role-exists", "--role-name", role, check=False)
    assert out.returncode == 0, out.stderr
    out = cli(server.url, "iam", "wait", "policy-exists", "--policy-arn", policy, check=False)
    assert out.returncode == 0, out.stderr
    # boto3's waiters ask the same questions.
    iam.get_waiter("role_exists").wait(RoleName=role, WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    iam.get_waiter("policy_exists").wait(PolicyArn=policy, WaiterConfig={"Delay": 1, "MaxAttempts": 2})


def test_boto3_waiter_for_a_role_that_never_appears_gives_up(iam):
    from botocore.exceptions import WaiterError
    with pytest.raises(WaiterError):
        iam.get_waiter("role_exists").wait(RoleName=unique("never"), WaiterConfig={"Delay": 1, "MaxAttempts": 2})


def test_cli_v1_create_and_get_role():
    v1 = find_cli_v1()
    if v1 is None:
        pytest.skip("no AWS CLI v1 on this machine")
    # Its own server: the v1 CLI is slow to start, this keeps to one process per call.
    from conftest import Server
    s = Server(["--in-memory", "--log-level", "warn"])
    try:
        name = unique("v1-role")
        created = json.loads(cli(s.url, "iam", "create-role", "--role-name", name, "--assume-role-policy-document",
                                 json.dumps(TRUST), binary=v1).stdout)
        assert created["Role"]["Arn"] == role_arn(name)
        got = json.loads(cli(s.url, "iam", "get-role", "--role-name", name, binary=v1).stdout)
        assert got["Role"]["AssumeRolePolicyDocument"] == TRUST
        who = json.loads(cli(s.url, "sts", "get-caller-identity", binary=v1).stdout)
        assert who["Account"] == ACCOUNT
    finally:
        assert s.stop() == 0


# --- persistence -------------------------------------------------------------------------

def test_roles_and_policies_are_kept_across_a_restart(start_server, tmp_path):
    data = tmp_path / "data"
    s = start_server("--data-dir", str(data), "--log-level", "warn")
    iam = client("iam", s.url)
    role = unique("kept")
    created = iam.create_role(RoleName=role, Path="/service-role/", AssumeRolePolicyDocument=json.dumps(TRUST),
                              Description="kept", Tags=[{"Key": "k", "Value": "v"}])["Role"]
    policy = iam.create_policy(PolicyName=unique("kept-policy"), PolicyDocument=json.dumps(TABLE))["Policy"]
    iam.attach_role_policy(RoleName=role, PolicyArn=BASIC_EXECUTION)
    iam.attach_role_policy(RoleName=role, PolicyArn=policy["Arn"])
    iam.put_role_policy(RoleName=role, PolicyName="logs", PolicyDocument=json.dumps(LOGS))
    gone = new_role(iam, "gone")
    iam.delete_role(RoleName=gone)
    assert s.stop() == 0, s.log()

    s2 = start_server("--data-dir", str(data), "--log-level", "warn")
    iam = client("iam", s2.url)
    got = iam.get_role(RoleName=role)["Role"]
    for key in ("RoleName", "RoleId", "Arn", "Path", "CreateDate", "AssumeRolePolicyDocument", "Description"):
        assert got[key] == created[key]
    assert got["Tags"] == [{"Key": "k", "Value": "v"}]
    assert sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]) == \
        sorted([BASIC_EXECUTION, policy["Arn"]])
    assert iam.get_role_policy(RoleName=role, PolicyName="logs")["PolicyDocument"] == LOGS
    kept_policy = iam.get_policy(PolicyArn=policy["Arn"])["Policy"]
    assert (kept_policy["PolicyId"], kept_policy["AttachmentCount"]) == (policy["PolicyId"], 1)
    assert_error(service_error(lambda: iam.get_role(RoleName=gone)), "NoSuchEntity", 404)
    assert_error(service_error(lambda: iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))),
                 "EntityAlreadyExists", 409)
    assert client("sts", s2.url).get_caller_identity()["Account"] == ACCOUNT
    assert s2.stop() == 0, s2.log()
