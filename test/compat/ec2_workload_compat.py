#!/usr/bin/env python3
"""The credential-free workload story with the AWS CLI, boto3 and `lockbox exec` (issue 5):
- a workload on an instance without a profile fails with "Unable to locate credentials";
- create-role (EC2 trust) -> create-instance-profile -> add-role-to-instance-profile ->
  ec2 associate-iam-instance-profile, as AWS documents it;
- with a role policy allowing only ListTables and CreateTable the workload creates a table but is
  denied DescribeTable; each action added as a new default policy version works on the next call
  of the same running workload;
- the workload's environment and AWS files hold no credentials;
- unknown instances get EC2's errors; iam:PassRole is required; IMDSv2-only mode;
- `lockbox instances` and `lockbox exec --role`.
Needs LOCKBOX_CLI_DLL (the lockbox.dll to run)."""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import boto3
from botocore.exceptions import ClientError

from compat_common import check, check_equal, endpoint, env, fail, run_main, step

HERE = os.path.dirname(os.path.abspath(__file__))
SUFFIX = uuid.uuid4().hex[:8]
ROOT_KEY = os.environ.get("AWS_ACCESS_KEY_ID", "")
ROOT_SECRET = os.environ.get("AWS_SECRET_ACCESS_KEY", "")


def aws(*args, check_ok=True, extra_env=None):
    command = ["aws", *args, "--endpoint-url", endpoint(), "--region", "us-east-1", "--output", "json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "AWS_PAGER": "", **(extra_env or {})})
    if check_ok and result.returncode != 0:
        fail(f"`aws {' '.join(args)}` exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}")
    return result


def aws_json(*args):
    out = aws(*args).stdout
    return json.loads(out) if out.strip() else {}


def lockbox(*args, stdin=None, timeout=120, extra_env=None):
    return subprocess.run(["dotnet", env("LOCKBOX_CLI_DLL"), *args], capture_output=True, text=True, timeout=timeout,
                          input=stdin, env={**os.environ, "AWS_PAGER": "", **(extra_env or {})})


class Workload:
    """`lockbox exec --instance NAME -- python3 ec2_workload.py`, kept running between calls."""

    def __init__(self, instance):
        self.process = subprocess.Popen(
            ["dotnet", env("LOCKBOX_CLI_DLL"), "exec", "--instance", instance, "--", sys.executable, os.path.join(HERE, "ec2_workload.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))

    def ask(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            fail(f"the workload exited ({self.process.poll()}): {self.process.stderr.read()}")
        return json.loads(answer)

    def call(self, service, operation, **params):
        return self.ask(f"call {service} {operation} {json.dumps(params)}")

    def close(self):
        self.process.stdin.close()
        code = self.process.wait(timeout=60)
        check_equal(0, code, "workload exit code")


def expect_client_error(call, code, status=None):
    try:
        call()
    except ClientError as e:
        check_equal(code, e.response["Error"]["Code"], "error code")
        if status is not None:
            check_equal(status, e.response["ResponseMetadata"]["HTTPStatusCode"], f"{code} HTTP status")
        return e.response["Error"].get("Message", "")
    fail(f"expected {code}, but the call succeeded")


def main():
    ec2 = boto3.client("ec2")
    iam = boto3.client("iam")
    name = f"app-{SUFFIX}"
    role = f"app-role-{SUFFIX}"
    profile = f"app-profile-{SUFFIX}"
    table = f"ec2-compat-{SUFFIX}"

    step("run-instances with a Name tag (AWS CLI)")
    launched = aws_json("ec2", "run-instances", "--image-id", "ami-0abcdef1234567890", "--instance-type", "t3.micro", "--count", "1",
                        "--tag-specifications", f"ResourceType=instance,Tags=[{{Key=Name,Value={name}}},{{Key=team,Value=data}}]")
    instance = launched["Instances"][0]
    instance_id = instance["InstanceId"]
    check(instance_id.startswith("i-") and len(instance_id) == 19, f"instance id {instance_id}")
    check_equal("pending", instance["State"]["Name"], "state in the RunInstances answer")
    time.sleep(1.2)
    described = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": [name]}])
    check_equal(1, len(described["Reservations"]), "reservations for the Name tag")
    check_equal("running", described["Reservations"][0]["Instances"][0]["State"]["Name"], "state after launch")
    check_equal(instance_id, ec2.describe_instances(Filters=[{"Name": "tag-key", "Values": ["team"]},
                                                             {"Name": "instance-id", "Values": [instance_id]}])
                ["Reservations"][0]["Instances"][0]["InstanceId"], "tag-key filter")

    step("lockbox instances lists it")
    listed = lockbox("instances")
    check_equal(0, listed.returncode, f"lockbox instances exit code ({listed.stderr})")
    line = next((l for l in listed.stdout.splitlines() if l.startswith(instance_id)), None)
    check(line is not None and name in line and "running" in line and "http://127.0.0.1:" in line, f"lockbox instances: {listed.stdout}")

    step("a workload on an instance without a profile finds no credentials")
    no_creds = lockbox("exec", "--instance", name, "--", "aws", "dynamodb", "list-tables")
    check(no_creds.returncode != 0, "aws without credentials must fail")
    check("Unable to locate credentials" in no_creds.stderr, f"AWS CLI error: {no_creds.stderr}")
    boto_no_creds = lockbox("exec", "--instance", instance_id, "--", sys.executable, "-c",
                            "import boto3; boto3.client('dynamodb').list_tables()")
    check(boto_no_creds.returncode != 0, "boto3 without credentials must fail")
    check("Unable to locate credentials" in boto_no_creds.stderr, f"boto3 error: {boto_no_creds.stderr}")
    exit_code = lockbox("exec", "--instance", name, "--", sys.executable, "-c", "import sys; sys.exit(42)")
    check_equal(42, exit_code.returncode, "exit code passes through")

    step("unknown instances get EC2's errors")
    missing = aws("ec2", "describe-instances", "--instance-ids", "i-0123456789abcdef0", check_ok=False)
    check("InvalidInstanceID.NotFound" in missing.stderr and "The instance ID 'i-0123456789abcdef0' does not exist" in missing.stderr,
          f"describe unknown: {missing.stderr}")
    expect_client_error(lambda: ec2.describe_instances(InstanceIds=["i-nothex"]), "InvalidInstanceID.Malformed", 400)
    expect_client_error(lambda: ec2.terminate_instances(InstanceIds=["i-0123456789abcdef0"]), "InvalidInstanceID.NotFound", 400)
    expect_client_error(lambda: ec2.associate_iam_instance_profile(InstanceId="i-0123456789abcdef0", IamInstanceProfile={"Name": "x"}),
                        "InvalidInstanceID.NotFound", 400)
    expect_client_error(lambda: ec2.associate_iam_instance_profile(InstanceId=instance_id, IamInstanceProfile={"Name": "no-such-profile"}),
                        "InvalidParameterValue", 400)
    expect_client_error(lambda: ec2.disassociate_iam_instance_profile(AssociationId="iip-assoc-0123456789abcdef0"),
                        "InvalidAssociationID.NotFound", 400)
    unknown = lockbox("exec", "--instance", "i-0123456789abcdef0", "--", "true")
    check_equal(125, unknown.returncode, "lockbox exec on an unknown instance")
    check("InvalidInstanceID.NotFound" in unknown.stderr, f"lockbox exec stderr: {unknown.stderr}")

    step("create-role (EC2 trust) -> create-instance-profile -> add-role-to-instance-profile (AWS CLI)")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role_arn = aws_json("iam", "create-role", "--role-name", role, "--assume-role-policy-document", json.dumps(trust))["Role"]["Arn"]

    def policy(*actions):
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": [f"dynamodb:{a}" for a in actions], "Resource": "*"}]})

    policy_arn = aws_json("iam", "create-policy", "--policy-name", f"app-policy-{SUFFIX}",
                          "--policy-document", policy("ListTables", "CreateTable"))["Policy"]["Arn"]
    aws("iam", "attach-role-policy", "--role-name", role, "--policy-arn", policy_arn)
    profile_arn = aws_json("iam", "create-instance-profile", "--instance-profile-name", profile)["InstanceProfile"]["Arn"]
    aws("iam", "add-role-to-instance-profile", "--instance-profile-name", profile, "--role-name", role)

    step("a user without iam:PassRole cannot attach the profile")
    user = f"ops-{SUFFIX}"
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="ec2-only", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["ec2:AssociateIamInstanceProfile", "ec2:DescribeInstances"], "Resource": "*"}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    user_env = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    denied = None
    for _ in range(20):  # the new key is usable at once; retry only guards a slow machine
        denied = aws("ec2", "associate-iam-instance-profile", "--instance-id", instance_id, "--iam-instance-profile", f"Name={profile}",
                     check_ok=False, extra_env=user_env)
        if "InvalidClientTokenId" not in denied.stderr and "AuthFailure" not in denied.stderr:
            break
        time.sleep(0.5)
    check("UnauthorizedOperation" in denied.stderr, f"PassRole refusal: {denied.stderr}")
    check("You are not authorized to perform this operation." in denied.stderr and "iam:PassRole" in denied.stderr
          and role_arn in denied.stderr and "Encoded authorization failure message:" in denied.stderr, f"PassRole message: {denied.stderr}")
    user_ec2 = boto3.client("ec2", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    message = expect_client_error(lambda: user_ec2.terminate_instances(InstanceIds=[instance_id]), "UnauthorizedOperation", 403)
    check("ec2:TerminateInstances" in message and f"instance/{instance_id}" in message, f"TerminateInstances refusal: {message}")
    check_equal(1, len(ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]), "the refused terminate changed nothing")

    step("ec2 associate-iam-instance-profile (AWS CLI)")
    association = aws_json("ec2", "associate-iam-instance-profile", "--instance-id", instance_id,
                           "--iam-instance-profile", f"Name={profile}")["IamInstanceProfileAssociation"]
    check(association["AssociationId"].startswith("iip-assoc-"), f"association id {association['AssociationId']}")
    check_equal(profile_arn, association["IamInstanceProfile"]["Arn"], "associated profile")
    listed = ec2.describe_iam_instance_profile_associations(Filters=[{"Name": "instance-id", "Values": [instance_id]}])
    check_equal("associated", listed["IamInstanceProfileAssociations"][0]["State"], "association state")
    expect_client_error(lambda: ec2.associate_iam_instance_profile(InstanceId=instance_id, IamInstanceProfile={"Name": profile}),
                        "IncorrectState", 400)

    step("the workload creates a table but is denied DescribeTable")
    workload = Workload(name)
    identity = workload.call("sts", "get_caller_identity")
    check_equal(f"arn:aws:sts::{identity['ok']['Account']}:assumed-role/{role}/{instance_id}", identity["ok"]["Arn"], "workload identity")
    created = workload.call("dynamodb", "create_table", TableName=table, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    check("ok" in created, f"CreateTable: {created}")
    check(table in workload.call("dynamodb", "list_tables")["ok"]["TableNames"], "ListTables shows the table")
    refused = workload.call("dynamodb", "describe_table", TableName=table)
    check_equal("AccessDeniedException", refused.get("error"), f"DescribeTable before it is allowed: {refused}")
    check(f"assumed-role/{role}/{instance_id} is not authorized to perform: dynamodb:DescribeTable" in refused["message"],
          f"DescribeTable message: {refused['message']}")
    check_equal("AccessDeniedException", workload.call("dynamodb", "put_item", TableName=table, Item={"pk": {"S": "a"}}).get("error"),
                "PutItem before it is allowed")

    step("each action added as a new default policy version works on the next call")
    aws("iam", "create-policy-version", "--policy-arn", policy_arn, "--set-as-default",
        "--policy-document", policy("ListTables", "CreateTable", "DescribeTable"))
    described = workload.call("dynamodb", "describe_table", TableName=table)
    check("ok" in described and described["ok"]["Table"]["TableName"] == table, f"DescribeTable once allowed: {described}")
    check_equal("AccessDeniedException", workload.call("dynamodb", "put_item", TableName=table, Item={"pk": {"S": "a"}}).get("error"),
                "PutItem still refused")
    aws("iam", "create-policy-version", "--policy-arn", policy_arn, "--set-as-default",
        "--policy-document", policy("ListTables", "CreateTable", "DescribeTable", "PutItem", "GetItem"))
    check("ok" in workload.call("dynamodb", "put_item", TableName=table, Item={"pk": {"S": "a"}}), "PutItem once allowed")
    got = workload.call("dynamodb", "get_item", TableName=table, Key={"pk": {"S": "a"}})
    check_equal({"pk": {"S": "a"}}, got["ok"].get("Item"), "GetItem once allowed")

    step("the workload's environment and files hold no credentials")
    environment = workload.ask("env")["env"]
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
                     "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN"):
        check(variable not in environment, f"{variable} must not be in the workload's environment")
    check(not [v for v in environment if v.startswith("LOCKBOX_")], f"no LOCKBOX_* variables: {sorted(environment)}")
    check_equal(endpoint().rstrip("/"), environment.get("AWS_ENDPOINT_URL"), "AWS_ENDPOINT_URL")
    check_equal("us-east-1", environment.get("AWS_REGION"), "AWS_REGION")
    check_equal("us-east-1", environment.get("AWS_DEFAULT_REGION"), "AWS_DEFAULT_REGION")
    metadata = environment.get("AWS_EC2_METADATA_SERVICE_ENDPOINT", "")
    check(metadata.startswith("http://127.0.0.1:"), f"AWS_EC2_METADATA_SERVICE_ENDPOINT: {metadata}")
    everything = json.dumps(environment)
    check(ROOT_SECRET not in everything and ROOT_KEY not in everything, "the caller's key appears in the workload's environment")
    check("ASIA" not in everything, "no temporary key in the environment")
    files = workload.ask("files")["files"]
    check_equal({"AWS_CONFIG_FILE": "", "AWS_SHARED_CREDENTIALS_FILE": ""}, files, "AWS config and credentials files are empty")
    workload.close()

    step("the metadata service in EC2's shapes")
    with urllib.request.urlopen(metadata + "/latest/meta-data/iam/info", timeout=10) as r:
        info = json.loads(r.read())
    check_equal("Success", info["Code"], "iam/info Code")
    check_equal(profile_arn, info["InstanceProfileArn"], "iam/info InstanceProfileArn")
    with urllib.request.urlopen(metadata + "/latest/meta-data/iam/security-credentials/", timeout=10) as r:
        check_equal(role, r.read().decode(), "security-credentials/ lists the role")
    with urllib.request.urlopen(metadata + "/latest/meta-data/iam/security-credentials/" + role, timeout=10) as r:
        credentials = json.loads(r.read())
    check_equal(["AccessKeyId", "Code", "Expiration", "LastUpdated", "SecretAccessKey", "Token", "Type"], sorted(credentials),
                "credentials document members")
    check(credentials["AccessKeyId"].startswith("ASIA") and credentials["Type"] == "AWS-HMAC", f"credentials: {credentials['AccessKeyId']}")

    step("IMDSv2 required: token-less requests get 401, the SDK still works")
    aws("ec2", "modify-instance-metadata-options", "--instance-id", instance_id, "--http-tokens", "required")
    try:
        urllib.request.urlopen(metadata + "/latest/meta-data/instance-id", timeout=10)
        fail("an IMDSv1 request must be refused when HttpTokens=required")
    except urllib.error.HTTPError as e:
        check_equal(401, e.code, "IMDSv1 status in required mode")
    try:
        urllib.request.urlopen(urllib.request.Request(metadata + "/latest/api/token", method="PUT"), timeout=10)
        fail("a token request without a TTL must be refused")
    except urllib.error.HTTPError as e:
        check_equal(400, e.code, "token request without TTL")
    v2 = lockbox("exec", "--instance", name, "--", "aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text")
    check_equal(0, v2.returncode, f"AWS CLI over IMDSv2: {v2.stderr}")
    check(f"assumed-role/{role}/{instance_id}" in v2.stdout, f"IMDSv2 identity: {v2.stdout}")

    step("disassociating removes the credentials")
    aws("ec2", "disassociate-iam-instance-profile", "--association-id", association["AssociationId"])
    gone = lockbox("exec", "--instance", name, "--", "aws", "dynamodb", "list-tables")
    check(gone.returncode != 0 and "Unable to locate credentials" in gone.stderr, f"after disassociation: {gone.stderr}")

    step("lockbox exec --role serves an assumed-role session through the container credentials endpoint")
    account = boto3.client("sts").get_caller_identity()["Account"]
    cli_role = f"cli-role-{SUFFIX}"
    iam.create_role(RoleName=cli_role, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName=cli_role, PolicyName="list", PolicyDocument=policy("ListTables"))
    # Root may not assume roles (as in AWS): the IAM user ops assumes it, allowed by its own policy.
    iam.put_user_policy(UserName=user, PolicyName="assume", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{account}:role/{cli_role}"}]}))
    refused_root = lockbox("exec", "--role", cli_role, "--", "true")
    check_equal(125, refused_root.returncode, "exec --role with root keys")
    check("Roles may not be assumed by root accounts" in refused_root.stderr, f"exec --role as root: {refused_root.stderr}")
    with_role = lockbox("exec", "--role", cli_role, "--", sys.executable, "-c",
                        "import boto3, os, json; s=boto3.client('sts').get_caller_identity()['Arn']; "
                        "t=boto3.client('dynamodb').list_tables()['TableNames']; "
                        "print(json.dumps({'arn': s, 'tables': t, 'env': sorted(os.environ)}))", extra_env=user_env)
    check_equal(0, with_role.returncode, f"exec --role: {with_role.stderr}")
    result = json.loads(with_role.stdout.strip().splitlines()[-1])
    check(result["arn"].startswith(f"arn:aws:sts::{account}:assumed-role/{cli_role}/"), f"exec --role identity: {result['arn']}")
    check(table in result["tables"], "exec --role workload lists tables")
    check("AWS_CONTAINER_CREDENTIALS_FULL_URI" in result["env"] and "AWS_ACCESS_KEY_ID" not in result["env"]
          and "AWS_SESSION_TOKEN" not in result["env"], f"exec --role environment: {result['env']}")

    step("terminate-instances stops the metadata service; the instance stays listed")
    terminated = ec2.terminate_instances(InstanceIds=[instance_id])["TerminatingInstances"][0]
    check_equal("shutting-down", terminated["CurrentState"]["Name"], "state after TerminateInstances")
    check_equal("running", terminated["PreviousState"]["Name"], "previous state")
    try:
        urllib.request.urlopen(metadata + "/latest/meta-data/instance-id", timeout=5)
        fail("the metadata service must stop with the instance")
    except urllib.error.HTTPError as e:
        fail(f"the metadata service still answers ({e.code})")
    except (urllib.error.URLError, ConnectionError):
        pass
    time.sleep(1.2)
    state = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["State"]["Name"]
    check_equal("terminated", state, "state after shutting down")
    after = lockbox("exec", "--instance", instance_id, "--", "true")
    check_equal(125, after.returncode, "exec on a terminated instance")


if __name__ == "__main__":
    run_main(main)
