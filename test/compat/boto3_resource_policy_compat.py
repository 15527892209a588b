#!/usr/bin/env python3
"""boto3: resource-based policies on a table (put/get/replace/delete with revision ids) and the
errors DynamoDB gives for a stale revision and a malformed document."""
import json

import boto3

from compat_common import check, check_equal, endpoint, expect_client_error, region, run_main, step, unique_table


def policy(account, action):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                       "Action": action, "Resource": "*"}],
    }, indent=2)


def main():
    ddb = boto3.client("dynamodb", endpoint_url=endpoint(), region_name=region())
    table = unique_table("policy")
    arn = ddb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]["TableArn"]
    account = arn.split(":")[4]

    step("get_resource_policy without a policy")
    expect_client_error(lambda: ddb.get_resource_policy(ResourceArn=arn), "PolicyNotFoundException",
                        "Resource-based policy not found for the provided ResourceArn: " + arn)

    step("put_resource_policy + get_resource_policy")
    first = ddb.put_resource_policy(ResourceArn=arn, Policy=policy(account, "dynamodb:GetItem"))["RevisionId"]
    read = ddb.get_resource_policy(ResourceArn=arn)
    check_equal(first, read["RevisionId"], "RevisionId")
    check_equal(json.loads(policy(account, "dynamodb:GetItem")), json.loads(read["Policy"]), "policy document")
    check("\n" not in read["Policy"], "policy should come back minified")

    step("stale ExpectedRevisionId")
    expect_client_error(
        lambda: ddb.put_resource_policy(ResourceArn=arn, Policy=policy(account, "dynamodb:Query"), ExpectedRevisionId="1"),
        "PolicyNotFoundException",
        f"Resource-based policy not found for the provided ResourceArn: Requested update for policy with revision id 1, "
        f"but the policy associated to target table {table} has revision id {first}.")

    step("replace with the current revision, then delete")
    second = ddb.put_resource_policy(ResourceArn=arn, Policy=policy(account, "dynamodb:Query"),
                                     ExpectedRevisionId=first)["RevisionId"]
    check(int(second) > int(first), "a replacement gets a later revision id")
    check_equal(second, ddb.delete_resource_policy(ResourceArn=arn)["RevisionId"], "deleted RevisionId")
    expect_client_error(lambda: ddb.get_resource_policy(ResourceArn=arn), "PolicyNotFoundException")

    step("malformed document")
    expect_client_error(lambda: ddb.put_resource_policy(ResourceArn=arn, Policy="{"), "ValidationException",
                        "One or more parameter values were invalid: Invalid policy document: This policy contains invalid Json")
    ddb.delete_table(TableName=table)


if __name__ == "__main__":
    run_main(main)
