#!/usr/bin/env python3
"""The IAM policy simulator with boto3 and the AWS CLI: SimulatePrincipalPolicy agrees with the
real DynamoDB calls of the same user (allowed, implicit deny with a dynamodb:LeadingKeys condition
fed through ContextEntries, explicit deny with its MatchedStatements position), SimulateCustomPolicy
reports MissingContextValues, pages with MaxItems/Marker (and botocore's paginator), context-key
discovery, and IAM's errors for bad input; then `aws iam simulate-principal-policy` and
`aws iam simulate-custom-policy`."""
import json
import os
import subprocess
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from compat_common import check, check_equal, endpoint, fail, region, run_main, step, unique_table

CFG = Config(retries={"max_attempts": 1})


def client(service, key=None, secret=None):
    kwargs = {}
    if key is not None:
        kwargs = {"aws_access_key_id": key, "aws_secret_access_key": secret}
    return boto3.client(service, endpoint_url=endpoint(), region_name="us-east-1" if service == "iam" else region(), config=CFG, **kwargs)


def aws(*args, expect_failure=False):
    command = ["aws", "iam", *args, "--endpoint-url", endpoint(), "--region", "us-east-1", "--output", "json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env={**os.environ, "AWS_PAGER": ""})
    if expect_failure:
        if result.returncode == 0:
            fail(f"expected `aws iam {args[0]}` to fail: {result.stdout}")
        return result.stderr
    if result.returncode != 0:
        fail(f"`aws iam {' '.join(args)}` exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}")
    return json.loads(result.stdout)


def iam_error(call, code, status, message=None):
    """Calls call() and checks it fails with IAM's error code, HTTP status and (optionally) message."""
    try:
        call()
    except ClientError as e:
        check_equal(code, e.response["Error"]["Code"], "error code")
        check_equal(status, e.response["ResponseMetadata"]["HTTPStatusCode"], f"{code} HTTP status")
        if message is not None:
            check_equal(message, e.response["Error"]["Message"], f"{code} message")
        return
    fail(f"expected {code}, but the call succeeded")


def position(text, needle):
    """1-based (line, column) of the first character of needle in text."""
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return {"Line": line, "Column": column}


def leading_key(value):
    return [{"ContextKeyName": "dynamodb:LeadingKeys", "ContextKeyValues": [value], "ContextKeyType": "stringList"}]


def real(call):
    """The outcome of a real call as the simulator spells decisions."""
    try:
        call()
        return "allowed"
    except ClientError as e:
        check_equal("AccessDeniedException", e.response["Error"]["Code"], "error code of a refused call")
        return "explicitDeny" if "with an explicit deny" in e.response["Error"]["Message"] else "implicitDeny"


def main():
    iam = client("iam")
    ddb = client("dynamodb")
    run = uuid.uuid4().hex[:8]

    step("a user confined to its own partition (LeadingKeys = ${aws:username}) and a managed deny on DeleteItem")
    table = unique_table("sim")
    ddb.create_table(TableName=table, AttributeDefinitions=[{"AttributeName": "UserId", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "UserId", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    table_arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    user = iam.create_user(UserName=f"sim-{run}")["User"]
    name = user["UserName"]
    iam.put_user_policy(UserName=name, PolicyName="Own", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "OwnItems", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], "Resource": table_arn,
        "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:username}"]}}}]}))
    deny_text = ('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Sid": "NoDeletes",\n      "Effect": "Deny",\n'
                 '      "Action": "dynamodb:DeleteItem",\n      "Resource": "*"\n    }\n  ]\n}')
    deny_arn = iam.create_policy(PolicyName=f"NoDeletes-{run}", PolicyDocument=deny_text)["Policy"]["Arn"]
    iam.attach_user_policy(UserName=name, PolicyArn=deny_arn)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    u = client("dynamodb", key["AccessKeyId"], key["SecretAccessKey"])

    step("a simulation and the real call of the same user agree")
    cases = [
        ("dynamodb:PutItem", name, lambda: u.put_item(TableName=table, Item={"UserId": {"S": name}})),
        ("dynamodb:GetItem", name, lambda: u.get_item(TableName=table, Key={"UserId": {"S": name}})),
        ("dynamodb:GetItem", "someone-else", lambda: u.get_item(TableName=table, Key={"UserId": {"S": "someone-else"}})),
        ("dynamodb:PutItem", "someone-else", lambda: u.put_item(TableName=table, Item={"UserId": {"S": "someone-else"}})),
        ("dynamodb:DeleteItem", name, lambda: u.delete_item(TableName=table, Key={"UserId": {"S": name}})),
        ("dynamodb:Scan", name, lambda: u.scan(TableName=table)),
    ]
    expected = ["allowed", "allowed", "implicitDeny", "implicitDeny", "explicitDeny", "implicitDeny"]
    for (action, value, call), want in zip(cases, expected):
        result = iam.simulate_principal_policy(PolicySourceArn=user["Arn"], ActionNames=[action], ResourceArns=[table_arn],
                                               ContextEntries=leading_key(value))["EvaluationResults"]
        check_equal(1, len(result), "one result")
        simulated = result[0]["EvalDecision"]
        check_equal(want, simulated, f"simulated {action} on {value}")
        check_equal(simulated, real(call), f"real {action} on {value}")
    check("Item" in ddb.get_item(TableName=table, Key={"UserId": {"S": name}}), "the denied delete changed nothing")

    step("an explicit deny names its statement: policy, type and position in the policy text")
    result = iam.simulate_principal_policy(PolicySourceArn=user["Arn"], ActionNames=["dynamodb:DeleteItem"], ResourceArns=[table_arn],
                                           ContextEntries=leading_key(name))["EvaluationResults"][0]
    check_equal("explicitDeny", result["EvalDecision"], "decision")
    statement = result["MatchedStatements"]
    check_equal(1, len(statement), "only the deny statement is reported")
    check_equal(f"NoDeletes-{run}", statement[0]["SourcePolicyId"], "SourcePolicyId")
    check_equal("user-managed", statement[0]["SourcePolicyType"], "SourcePolicyType")
    check_equal(position(deny_text, '{\n      "Sid"'), statement[0]["StartPosition"], "StartPosition")
    check_equal(position(deny_text, '}\n  ]'), statement[0]["EndPosition"], "EndPosition")
    check_equal(table_arn, result["ResourceSpecificResults"][0]["EvalResourceName"], "per-resource result")
    allowed = iam.simulate_principal_policy(PolicySourceArn=user["Arn"], ActionNames=["dynamodb:GetItem"], ResourceArns=[table_arn],
                                            ContextEntries=leading_key(name))["EvaluationResults"][0]
    check_equal([("Own", "user")], [(s["SourcePolicyId"], s["SourcePolicyType"]) for s in allowed["MatchedStatements"]], "allow statement")

    step("MissingContextValues: keys the conditions need that the simulation did not supply")
    conditional = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*",
                              "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "StringEquals": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}}}]})
    result = iam.simulate_custom_policy(PolicyInputList=[conditional], ActionNames=["dynamodb:GetItem"])["EvaluationResults"][0]
    check_equal("implicitDeny", result["EvalDecision"], "decision without context")
    check_equal(["aws:SourceIp", "dynamodb:Select"], result["MissingContextValues"], "MissingContextValues")
    result = iam.simulate_custom_policy(PolicyInputList=[conditional], ActionNames=["dynamodb:GetItem"], ContextEntries=[
        {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["10.1.2.3"], "ContextKeyType": "ip"},
        {"ContextKeyName": "dynamodb:Select", "ContextKeyValues": ["SPECIFIC_ATTRIBUTES"], "ContextKeyType": "string"}])["EvaluationResults"][0]
    check_equal("allowed", result["EvalDecision"], "decision with context")
    check_equal([], result["MissingContextValues"], "nothing missing")

    step("a permissions boundary input limits the allow and is reported")
    boundary = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]})
    results = iam.simulate_principal_policy(PolicySourceArn=user["Arn"], ActionNames=["dynamodb:GetItem", "dynamodb:PutItem"], ResourceArns=[table_arn],
                                            ContextEntries=leading_key(name), PermissionsBoundaryPolicyInputList=[boundary])["EvaluationResults"]
    check_equal(["allowed", "implicitDeny"], [r["EvalDecision"] for r in results], "decisions under the boundary")
    check_equal([True, False], [r["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"] for r in results], "boundary detail")

    step("pagination: MaxItems and Marker, and botocore's paginator")
    actions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:DeleteItem"]
    wide = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": "*"}]})
    page = iam.simulate_custom_policy(PolicyInputList=[wide], ActionNames=actions, MaxItems=2)
    check(page["IsTruncated"], "first page truncated")
    seen = [r["EvalActionName"] for r in page["EvaluationResults"]]
    while page.get("IsTruncated"):
        page = iam.simulate_custom_policy(PolicyInputList=[wide], ActionNames=actions, MaxItems=2, Marker=page["Marker"])
        seen += [r["EvalActionName"] for r in page["EvaluationResults"]]
    check_equal(actions, seen, "all actions across pages")
    pages = list(iam.get_paginator("simulate_custom_policy").paginate(PolicyInputList=[wide], ActionNames=actions, PaginationConfig={"PageSize": 2}))
    check_equal(3, len(pages), "paginator pages")
    decisions = [r["EvalDecision"] for p in pages for r in p["EvaluationResults"]]
    check_equal(["allowed", "implicitDeny", "allowed", "implicitDeny", "implicitDeny"], decisions, "paginated decisions")

    step("context-key discovery")
    keys = iam.get_context_keys_for_principal_policy(PolicySourceArn=user["Arn"])["ContextKeyNames"]
    check_equal(["dynamodb:LeadingKeys", "aws:username"], keys, "principal keys")
    keys = iam.get_context_keys_for_custom_policy(PolicyInputList=[conditional, boundary])["ContextKeyNames"]
    check_equal(["aws:SourceIp", "dynamodb:Select"], keys, "custom policy keys")

    step("bad inputs get IAM's errors")
    account = user["Arn"].split(":")[4]
    iam_error(lambda: iam.simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{account}:user/nobody-{run}", ActionNames=["s3:GetObject"]),
              "NoSuchEntity", 404, f"The user with name nobody-{run} cannot be found.")
    iam_error(lambda: iam.simulate_custom_policy(PolicyInputList=["{not json"], ActionNames=["s3:GetObject"]), "InvalidInput", 400)
    iam_error(lambda: iam.simulate_custom_policy(PolicyInputList=[wide], ActionNames=["dynamodb:*"]), "InvalidInput", 400)
    iam_error(lambda: iam.simulate_custom_policy(PolicyInputList=[wide], ActionNames=["s3:GetObject"], ContextEntries=[
        {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["not-an-address"], "ContextKeyType": "ip"}]), "InvalidInput", 400)
    iam_error(lambda: iam.simulate_custom_policy(PolicyInputList=[wide], ActionNames=["s3:GetObject"], Marker="bogus"), "InvalidInput", 400)

    step("a user without iam:SimulatePrincipalPolicy is refused")
    user_iam = client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    iam_error(lambda: user_iam.simulate_principal_policy(PolicySourceArn=user["Arn"], ActionNames=["dynamodb:GetItem"]), "AccessDenied", 403,
              f"User: {user['Arn']} is not authorized to perform: iam:SimulatePrincipalPolicy on resource: {user['Arn']} "
              "because no identity-based policy allows the iam:SimulatePrincipalPolicy action")

    step("aws iam simulate-principal-policy")
    out = aws("simulate-principal-policy", "--policy-source-arn", user["Arn"], "--action-names", "dynamodb:GetItem", "dynamodb:DeleteItem",
              "--resource-arns", table_arn, "--context-entries", f"ContextKeyName=dynamodb:LeadingKeys,ContextKeyValues={name},ContextKeyType=stringList")
    check_equal(["allowed", "explicitDeny"], [r["EvalDecision"] for r in out["EvaluationResults"]], "CLI decisions")
    check_equal(position(deny_text, '{\n      "Sid"'), out["EvaluationResults"][1]["MatchedStatements"][0]["StartPosition"], "CLI deny position")
    out = aws("simulate-principal-policy", "--policy-source-arn", user["Arn"], "--action-names", "dynamodb:GetItem",
              "--resource-arns", table_arn, "--context-entries", "ContextKeyName=dynamodb:LeadingKeys,ContextKeyValues=other,ContextKeyType=stringList")
    check_equal("implicitDeny", out["EvaluationResults"][0]["EvalDecision"], "CLI implicit deny")

    step("aws iam simulate-custom-policy")
    out = aws("simulate-custom-policy", "--policy-input-list", conditional, "--action-names", "dynamodb:GetItem", "dynamodb:PutItem")
    check_equal(["implicitDeny", "implicitDeny"], [r["EvalDecision"] for r in out["EvaluationResults"]], "CLI custom decisions")
    check_equal(["aws:SourceIp", "dynamodb:Select"], out["EvaluationResults"][0]["MissingContextValues"], "CLI missing keys")
    out = aws("simulate-custom-policy", "--policy-input-list", wide, "--action-names", *actions, "--max-items", "2")
    check_equal(2, len(out["EvaluationResults"]), "CLI --max-items")
    check("NextToken" in out, "CLI NextToken")
    err = aws("simulate-principal-policy", "--policy-source-arn", f"arn:aws:iam::{account}:role/nobody-{run}", "--action-names", "s3:GetObject",
              expect_failure=True)
    check("NoSuchEntity" in err, err)
    keys = aws("get-context-keys-for-principal-policy", "--policy-source-arn", user["Arn"])["ContextKeyNames"]
    check_equal(["dynamodb:LeadingKeys", "aws:username"], keys, "CLI context keys")


if __name__ == "__main__":
    run_main(main)
