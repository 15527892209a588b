#!/usr/bin/env python3
"""Instance credentials are renewed before they expire, and a running boto3 workload keeps working
across several credential lifetimes. Run against a server started with
--instance-credential-seconds 8 --instance-credential-refresh-seconds 4 (see Ec2CredentialRenewalTests).
Needs LOCKBOX_CLI_DLL."""
import json
import os
import subprocess
import sys
import uuid

import boto3

from compat_common import check, check_equal, env, fail, run_main, step

SUFFIX = uuid.uuid4().hex[:8]

WORKLOAD = r"""
import json, os, time, urllib.request
import boto3
from botocore.exceptions import ClientError
base = os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"]
def credentials():
    role = urllib.request.urlopen(base + "/latest/meta-data/iam/security-credentials/", timeout=5).read().decode()
    return json.loads(urllib.request.urlopen(base + "/latest/meta-data/iam/security-credentials/" + role, timeout=5).read())
def list_tables(c):
    client = boto3.client("dynamodb", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["Token"])
    try:
        client.list_tables()
        return "ok"
    except ClientError as e:
        return e.response["Error"]["Code"]
first = credentials()
again = credentials()
time.sleep(4.5)
renewed = credentials()
renewed_call = list_tables(renewed)
time.sleep(4)
expired_call = list_tables(first)
fresh_sdk = len(boto3.client("dynamodb").list_tables()["TableNames"]) >= 0
print(json.dumps({"first": first, "again": again, "renewed": renewed, "renewed_call": renewed_call, "expired_call": expired_call,
                  "fresh_sdk": fresh_sdk}))
"""


def main():
    iam = boto3.client("iam")
    ec2 = boto3.client("ec2")
    role = f"renew-{SUFFIX}"
    step("an instance with a profile")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName=role, PolicyName="list", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*"}]}))
    iam.create_instance_profile(InstanceProfileName=role)
    iam.add_role_to_instance_profile(InstanceProfileName=role, RoleName=role)
    instance = ec2.run_instances(MinCount=1, MaxCount=1, IamInstanceProfile={"Name": role})["Instances"][0]
    check_equal(role, instance["IamInstanceProfile"]["Arn"].split("/")[-1], "profile in the RunInstances answer")

    step("credentials are renewed before expiry while the workload runs")
    result = subprocess.run(["dotnet", env("LOCKBOX_CLI_DLL"), "exec", "--instance", instance["InstanceId"], "--", sys.executable, "-c", WORKLOAD],
                            capture_output=True, text=True, timeout=120, env=dict(os.environ))
    if result.returncode != 0:
        fail(f"workload exited {result.returncode}: {result.stderr}")
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    check_equal(answer["first"]["AccessKeyId"], answer["again"]["AccessKeyId"], "credentials with time left are served again")
    check(answer["renewed"]["AccessKeyId"] != answer["first"]["AccessKeyId"], "credentials near expiry are renewed")
    check(answer["renewed"]["Expiration"] > answer["first"]["Expiration"], "renewed credentials expire later")
    check_equal("ok", answer["renewed_call"], "the renewed credentials work")
    check_equal("ExpiredTokenException", answer["expired_call"], "the first credentials expired")
    check(answer["fresh_sdk"], "the SDK's own IMDS lookup gets working credentials")


if __name__ == "__main__":
    run_main(main)
