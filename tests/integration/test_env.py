"""`lowcloud env`: `eval "$(lowcloud env --port PORT)"` in a shell with a
clean environment, then deployment scripts written for AWS run unchanged:
plain `aws ...` with Debian's AWS CLI 2.9 (which ignores AWS_ENDPOINT_URL)
reaches lowcloud through the `aws` shim put first on PATH, a command's own
--endpoint-url passes through unchanged, and Debian's boto3 1.26 (botocore
1.29, which ignores AWS_ENDPOINT_URL too) reaches lowcloud through the
sitecustomize shim on PYTHONPATH, per service (AWS_ENDPOINT_URL_<SERVICE>)
as botocore 1.31+ does.

Each shell starts from `env -i`: HOME (a temporary folder), PATH=/usr/bin:/bin
and, when the machine has them, pyenv's shims after those (so `aws` is
Debian's CLI v2 unless a test puts the v1 shim first)."""
import json
import os
import shlex
import stat
import subprocess
import textwrap

import pytest

from conftest import BIN, client
from lambda_util import ACCOUNT, make_zip, unique

PYENV_SHIMS = "/root/.pyenv/shims" if os.path.isdir("/root/.pyenv/shims") else None
SYSTEM_PATH = "/usr/bin:/bin" + (f":{PYENV_SHIMS}" if PYENV_SHIMS else "")
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture(scope="module")
def other_server():
    """A second server, to tell where a request went."""
    from conftest import Server
    s = Server(["--in-memory", "--log-level", "warn"])
    yield s
    assert s.stop() == 0, s.log()


def clean_env(home, path=SYSTEM_PATH, **extra):
    env = {"HOME": str(home), "PATH": path}
    env.update(extra)
    return env


def shell(script, tmp_path, env=None, check=True, timeout=180):
    """Runs `script` with bash in a clean environment; returns CompletedProcess."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    out = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env or clean_env(home), capture_output=True,
                         text=True, timeout=timeout)
    if check:
        assert out.returncode == 0, f"exit {out.returncode}\nstdout:\n{out.stdout}\nstderr:\n{out.stderr}"
    return out


def env_line(port, shim_dir, extra=""):
    """The eval line a user writes (with the binary under test)."""
    return f'set -euo pipefail\neval "$({shlex.quote(BIN)} env --port {port} --dir {shlex.quote(str(shim_dir))}{extra})"\n'


def roles(url):
    return {r["RoleName"] for r in client("iam", url).list_roles()["Roles"]}


# --- what it prints and writes -------------------------------------------------------

def test_env_prints_the_exports_and_writes_the_shims(server, tmp_path):
    shim_dir = tmp_path / "shims"
    out = subprocess.run([BIN, "env", "--port", str(server.port), "--dir", str(shim_dir)], capture_output=True,
                         text=True, timeout=30, env=clean_env(tmp_path))
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert f"export AWS_ENDPOINT_URL='http://127.0.0.1:{server.port}'" in text
    assert "AWS_REGION='us-east-1'" in text and "AWS_DEFAULT_REGION='us-east-1'" in text
    assert "AWS_ACCESS_KEY_ID=test" in text and "AWS_SECRET_ACCESS_KEY=test" in text
    aws = shim_dir / "bin" / "aws"
    assert aws.is_file() and os.stat(aws).st_mode & stat.S_IXUSR
    assert (shim_dir / "python" / "sitecustomize.py").is_file()
    assert (shim_dir / "python" / "lowcloud_endpoints.py").is_file()

    # What the shell has after eval.
    got = shell(env_line(server.port, shim_dir) + textwrap.dedent("""\
        echo "endpoint=$AWS_ENDPOINT_URL"
        echo "region=$AWS_REGION/$AWS_DEFAULT_REGION"
        echo "keys=$AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY"
        echo "aws=$(command -v aws)"
        echo "path=$PATH"
        echo "pythonpath=$PYTHONPATH"
        """), tmp_path).stdout.splitlines()
    values = dict(line.split("=", 1) for line in got)
    assert values["endpoint"] == f"http://127.0.0.1:{server.port}"
    assert values["region"] == "us-east-1/us-east-1"
    assert values["keys"] == "test/test"
    assert values["aws"] == str(aws)
    assert values["path"] == f"{shim_dir / 'bin'}:{SYSTEM_PATH}"
    assert values["pythonpath"] == str(shim_dir / "python")


def test_env_endpoint_and_region_options(tmp_path):
    out = shell(f'eval "$({shlex.quote(BIN)} env --endpoint http://localhost:9999 --region eu-west-3 '
                f'--dir {shlex.quote(str(tmp_path / "s"))})"\necho "$AWS_ENDPOINT_URL $AWS_REGION $AWS_DEFAULT_REGION"',
                tmp_path).stdout.strip()
    assert out == "http://localhost:9999 eu-west-3 eu-west-3"


def test_eval_twice_puts_the_shims_on_the_paths_once(server, tmp_path):
    shim_dir = tmp_path / "shims"
    out = shell(env_line(server.port, shim_dir) + env_line(server.port, shim_dir) + 'echo "$PATH"\necho "$PYTHONPATH"',
                tmp_path).stdout.splitlines()
    assert out[0].split(":").count(str(shim_dir / "bin")) == 1
    assert out[1] == str(shim_dir / "python")


def test_env_keeps_an_existing_pythonpath(server, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    out = shell(env_line(server.port, tmp_path / "s") + 'echo "$PYTHONPATH"', tmp_path,
                env=clean_env(home, PYTHONPATH="/opt/mine")).stdout.strip()
    assert out == f"{tmp_path / 's' / 'python'}:/opt/mine"


def test_env_default_shim_folder_is_in_the_users_cache(server, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    out = shell(f'eval "$({shlex.quote(BIN)} env --port {server.port})"\ncommand -v aws', tmp_path,
                env=clean_env(home)).stdout.strip()
    assert out == str(home / ".cache" / "lowcloud" / "env" / "bin" / "aws")
    cache = tmp_path / "xdg"
    out = shell(f'eval "$({shlex.quote(BIN)} env --port {server.port})"\ncommand -v aws', tmp_path,
                env=clean_env(home, XDG_CACHE_HOME=str(cache))).stdout.strip()
    assert out == str(cache / "lowcloud" / "env" / "bin" / "aws")


def test_env_relative_shim_folder_is_made_absolute(server, tmp_path):
    out = shell(f'eval "$({shlex.quote(BIN)} env --port {server.port} --dir rel/shims)"\ncd /\ncommand -v aws\n'
                "aws sts get-caller-identity --query Account --output text", tmp_path).stdout.split()
    assert out == [str(tmp_path / "rel" / "shims" / "bin" / "aws"), ACCOUNT]


def test_env_shim_folder_with_a_space_and_a_quote(server, tmp_path):
    shim_dir = tmp_path / "it's a dir"
    out = shell(env_line(server.port, shim_dir) + textwrap.dedent("""\
        command -v aws
        aws sts get-caller-identity --query Account --output text
        /usr/bin/python3 -c "import boto3; print(boto3.client('sts').get_caller_identity()['Account'])"
        """), tmp_path).stdout.splitlines()
    assert out == [str(shim_dir / "bin" / "aws"), ACCOUNT, ACCOUNT]


def test_env_unwritable_shim_folder_fails_clearly(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = subprocess.run([BIN, "env", "--dir", str(blocker / "sub")], capture_output=True, text=True, timeout=30,
                         env=clean_env(tmp_path))
    assert out.returncode == 1
    assert out.stderr.startswith("lowcloud env:")
    assert "export" not in out.stdout


# --- the aws shim ---------------------------------------------------------------------------

def test_plain_aws_cli_v2_reaches_lowcloud_through_the_shim(server, tmp_path):
    role = unique("env-role")
    table = unique("env-table")
    out = shell(env_line(server.port, tmp_path / "shims") + textwrap.dedent(f"""\
        "$(command -v aws)" --version
        aws --version
        aws sts get-caller-identity --query Account --output text
        aws iam create-role --role-name {role} --assume-role-policy-document '{TRUST}' --query Role.Arn --output text
        aws dynamodb create-table --table-name {table} --attribute-definitions AttributeName=id,AttributeType=S \\
            --key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST --query TableDescription.TableName \\
            --output text
        aws dynamodb put-item --table-name {table} --item '{{"id": {{"S": "1"}}}}'
        aws dynamodb get-item --table-name {table} --key '{{"id": {{"S": "1"}}}}' --query Item.id.S --output text
        """), tmp_path).stdout.splitlines()
    assert out[0].startswith("aws-cli/2.") and out[1].startswith("aws-cli/2.")  # Debian's CLI v2 behind the shim
    assert out[2:] == [ACCOUNT, f"arn:aws:iam::{ACCOUNT}:role/{role}", table, "1"]
    assert role in roles(server.url)


def test_without_the_shims_debians_clients_ignore_aws_endpoint_url(server, tmp_path):
    # The control for the tests above and below: Debian's CLI 2.9 and botocore
    # 1.29 on their own aim at AWS (a proxy on a closed port keeps the CLI's
    # request from leaving the machine).
    out = shell(env_line(server.port, tmp_path / "shims") + textwrap.dedent("""\
        export HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 AWS_MAX_ATTEMPTS=1
        /usr/bin/aws --debug --cli-connect-timeout 2 sts get-caller-identity 2>&1 | grep -o 'https://sts[.a-z0-9-]*amazonaws.com' | head -1 || true
        env -u PYTHONPATH /usr/bin/python3 -c "import boto3; print(boto3.client('sts').meta.endpoint_url)"
        """), tmp_path).stdout.splitlines()
    if len(out) == 2 and "127.0.0.1" in out[1]:
        pytest.skip("this machine's botocore reads AWS_ENDPOINT_URL itself")
    assert out[0].startswith("https://sts") and out[0].endswith("amazonaws.com"), out
    assert out[1].startswith("https://sts") and "127.0.0.1" not in out[1], out


def test_an_explicit_endpoint_url_passes_through_unchanged(server, other_server, tmp_path):
    names = [unique("explicit") for _ in range(3)]
    shell(env_line(server.port, tmp_path / "shims") + textwrap.dedent(f"""\
        aws --endpoint-url {other_server.url} iam create-role --role-name {names[0]} --assume-role-policy-document '{TRUST}'
        aws --endpoint-url={other_server.url} iam create-role --role-name {names[1]} --assume-role-policy-document '{TRUST}'
        aws iam create-role --role-name {names[2]} --assume-role-policy-document '{TRUST}' --endpoint-url {other_server.url}
        """), tmp_path)
    assert set(names) <= roles(other_server.url)
    assert not set(names) & roles(server.url)


def test_the_shim_passes_the_arguments_through_exactly(server, tmp_path):
    # A fake `aws` after the shim prints what it was given, one argument a line.
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "aws").write_text('#!/bin/sh\nfor a in "$@"; do printf "[%s]\\n" "$a"; done\n')
    os.chmod(fake / "aws", 0o755)
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(home, path=f"{fake}:{SYSTEM_PATH}")
    url = f"http://127.0.0.1:{server.port}"
    script = env_line(server.port, tmp_path / "shims") + textwrap.dedent("""\
        aws s3 cp "a file.txt" 's3://b/it'"'"'s' --metadata '{"k": "v w"}'
        echo ---
        aws --endpoint-url http://elsewhere:1 sts get-caller-identity
        echo ---
        aws sts get-caller-identity --endpoint-url=http://elsewhere:2
        echo ---
        AWS_ENDPOINT_URL= aws sts get-caller-identity
        echo ---
        (unset AWS_ENDPOINT_URL; aws --version)
        """)
    blocks = shell(script, tmp_path, env=env).stdout.split("---\n")
    assert blocks[0].splitlines() == ["[--endpoint-url]", f"[{url}]", "[s3]", "[cp]", "[a file.txt]", "[s3://b/it's]",
                                      "[--metadata]", '[{"k": "v w"}]']
    assert blocks[1].splitlines() == ["[--endpoint-url]", "[http://elsewhere:1]", "[sts]", "[get-caller-identity]"]
    assert blocks[2].splitlines() == ["[sts]", "[get-caller-identity]", "[--endpoint-url=http://elsewhere:2]"]
    assert blocks[3].splitlines() == ["[sts]", "[get-caller-identity]"]
    assert blocks[4].splitlines() == ["[--version]"]


def test_the_shim_without_any_real_aws_on_path_fails_clearly(server, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    # A PATH with the shim and the tools it uses (dirname), but no real aws.
    tools = tmp_path / "tools"
    tools.mkdir()
    os.symlink("/usr/bin/dirname", tools / "dirname")
    script = (env_line(server.port, tmp_path / "s") +
              f'PATH="{tmp_path / "s" / "bin"}:{tools}"\naws sts get-caller-identity')
    out = subprocess.run(["/bin/bash", "-c", script], cwd=tmp_path, env=clean_env(home), capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 127, out
    assert "no aws command found on PATH" in out.stderr


@pytest.mark.skipif(PYENV_SHIMS is None, reason="no pyenv shims (AWS CLI v1) on this machine")
def test_plain_aws_cli_v1_first_on_path_reaches_lowcloud_too(server, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(home, path=f"{PYENV_SHIMS}:/usr/bin:/bin")
    out = subprocess.run(["bash", "-c", env_line(server.port, tmp_path / "s") + "aws --version\n"
                          "aws sts get-caller-identity --query Account --output text"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    if out.returncode != 0 and "aws-cli/1." not in out.stdout + out.stderr:
        pytest.skip(f"pyenv's aws does not run in a clean environment: {out.stderr[-300:]}")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[-1] == ACCOUNT


def test_plain_aws_deploys_and_invokes_a_function(server, tmp_path):
    name = unique("env-fn")
    (tmp_path / "fn.zip").write_bytes(make_zip({"lambda_function.py": (
        "def handler(event, context):\n    return {'hello': event.get('name'), 'fn': context.function_name}\n")}))
    out = shell(env_line(server.port, tmp_path / "shims") + textwrap.dedent(f"""\
        ROLE_ARN=$(aws iam create-role --role-name {name}-role --assume-role-policy-document '{TRUST}' \\
            --query Role.Arn --output text)
        aws lambda create-function --function-name {name} --runtime python3.12 --handler lambda_function.handler \\
            --role "$ROLE_ARN" --zip-file fileb://fn.zip > /dev/null
        aws lambda wait function-active-v2 --function-name {name}
        aws lambda invoke --function-name {name} --cli-binary-format raw-in-base64-out --payload '{{"name": "env"}}' \\
            out.json > /dev/null
        cat out.json
        """), tmp_path).stdout
    assert json.loads(out) == {"hello": "env", "fn": name}


# --- boto3 through sitecustomize --------------------------------------------------------------

def test_debian_boto3_without_endpoint_reaches_lowcloud_through_sitecustomize(server, tmp_path):
    role, table = unique("boto3-role"), unique("boto3-table")
    program = textwrap.dedent(f"""\
        import json, boto3, botocore
        print(botocore.__version__)
        print(boto3.client('sts').get_caller_identity()['Account'])
        print(boto3.client('iam').create_role(RoleName='{role}', AssumeRolePolicyDocument='{TRUST}')['Role']['Arn'])
        t = boto3.resource('dynamodb').create_table(TableName='{table}',
            AttributeDefinitions=[{{'AttributeName': 'id', 'AttributeType': 'S'}}],
            KeySchema=[{{'AttributeName': 'id', 'KeyType': 'HASH'}}], BillingMode='PAY_PER_REQUEST')
        t.put_item(Item={{'id': 'x', 'n': 1}})
        print(t.get_item(Key={{'id': 'x'}})['Item']['n'])
        print(boto3.session.Session().client('lambda').meta.endpoint_url)
        """)
    (tmp_path / "prog.py").write_text(program)
    out = shell(env_line(server.port, tmp_path / "shims") + "/usr/bin/python3 prog.py", tmp_path).stdout.splitlines()
    version = tuple(int(p) for p in out[0].split(".")[:2])
    assert out[1:] == [ACCOUNT, f"arn:aws:iam::{ACCOUNT}:role/{role}", "1", f"http://127.0.0.1:{server.port}"]
    assert role in roles(server.url)
    assert table in client("dynamodb", server.url).list_tables()["TableNames"]
    if version >= (1, 31):
        pytest.skip(f"botocore {out[0]} reads AWS_ENDPOINT_URL itself; the shim is not what was tested")


def test_boto3_one_liner_with_no_endpoint(server, tmp_path):
    out = shell(env_line(server.port, tmp_path / "shims") +
                "/usr/bin/python3 -c \"import boto3; print(boto3.client('sts').get_caller_identity()['Account'])\"",
                tmp_path).stdout.strip()
    assert out == ACCOUNT


def test_boto3_explicit_endpoint_and_per_service_variables_win(server, other_server, tmp_path):
    explicit, per_service = unique("explicit"), unique("per-service")
    program = textwrap.dedent(f"""\
        import boto3
        boto3.client('iam', endpoint_url='{other_server.url}').create_role(RoleName='{explicit}',
            AssumeRolePolicyDocument='{TRUST}')
        boto3.client('iam').create_role(RoleName='{per_service}', AssumeRolePolicyDocument='{TRUST}')
        print(boto3.client('sts').meta.endpoint_url)
        print(boto3.client('iam').meta.endpoint_url)
        """)
    (tmp_path / "prog.py").write_text(program)
    script = (env_line(server.port, tmp_path / "shims") +
              f"export AWS_ENDPOINT_URL_IAM={other_server.url}\n/usr/bin/python3 prog.py")
    out = shell(script, tmp_path).stdout.splitlines()
    assert out == [f"http://127.0.0.1:{server.port}", other_server.url]
    assert {explicit, per_service} <= roles(other_server.url)
    assert not {explicit, per_service} & roles(server.url)


def test_aws_ignore_configured_endpoint_urls_turns_the_python_shim_off(server, tmp_path):
    out = shell(env_line(server.port, tmp_path / "shims") + "export AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true\n"
                "/usr/bin/python3 -c \"import boto3; print(boto3.client('sts').meta.endpoint_url)\"",
                tmp_path).stdout.strip()
    assert "127.0.0.1" not in out and out.startswith("https://")
