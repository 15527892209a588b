#!/usr/bin/env python3
"""AWS CLI (`aws iam ...`): the IAM quick start. Root creates a user and an access key; the new
key signs requests (IAM and DynamoDB) and is authenticated but, until policies are enforced,
refused with AccessDenied/AccessDeniedException; deactivated and deleted keys are unknown."""
import json
import os
import subprocess
import uuid

from compat_common import check, check_equal, endpoint, fail, run_main, step


def aws(service, *args, key=None, expect_failure=False):
    command = ["aws", service, *args, "--endpoint-url", endpoint(), "--region", "us-east-1", "--output", "json"]
    environment = {**os.environ, "AWS_PAGER": ""}
    if key is not None:
        environment["AWS_ACCESS_KEY_ID"], environment["AWS_SECRET_ACCESS_KEY"] = key
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=environment)
    if expect_failure:
        if result.returncode == 0:
            fail(f"expected `aws {service} {args[0]}` to fail, but it succeeded: {result.stdout}")
        return result.stderr
    if result.returncode != 0:
        fail(f"`aws {service} {' '.join(args)}` exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}")
    return json.loads(result.stdout) if result.stdout.strip() else None


def main():
    user = "cli-" + uuid.uuid4().hex[:10]

    step("create-user")
    created = aws("iam", "create-user", "--user-name", user, "--path", "/dev/", "--tags", "Key=team,Value=db")["User"]
    check_equal(user, created["UserName"], "UserName")
    check(created["UserId"].startswith("AIDA") and len(created["UserId"]) == 21, f"UserId {created['UserId']}")
    check(created["Arn"].endswith(":user/dev/" + user), f"Arn {created['Arn']}")
    account = created["Arn"].split(":")[4]
    check(len(account) == 12 and account.isdigit(), f"account in {created['Arn']}")

    step("create-user again -> EntityAlreadyExists")
    err = aws("iam", "create-user", "--user-name", user.upper(), expect_failure=True)
    check("EntityAlreadyExists" in err and f"User with name {user.upper()} already exists." in err, err)

    step("get-user")
    got = aws("iam", "get-user", "--user-name", user)["User"]
    check_equal(created["UserId"], got["UserId"], "UserId")
    check_equal([{"Key": "team", "Value": "db"}], got["Tags"], "Tags")

    step("create-access-key")
    key = aws("iam", "create-access-key", "--user-name", user)["AccessKey"]
    check(key["AccessKeyId"].startswith("AKIA") and len(key["AccessKeyId"]) == 20, key["AccessKeyId"])
    check_equal(40, len(key["SecretAccessKey"]), "secret length")
    check_equal("Active", key["Status"], "Status")
    credentials = (key["AccessKeyId"], key["SecretAccessKey"])

    step("the new key signs a DynamoDB call: authenticated, not authorized")
    err = aws("dynamodb", "list-tables", key=credentials, expect_failure=True)
    check("AccessDeniedException" in err, err)
    check(f"User: arn:aws:iam::{account}:user/dev/{user} is not authorized to perform: dynamodb:ListTables" in err, err)

    step("the new key signs an IAM call: AccessDenied (403)")
    err = aws("iam", "list-users", key=credentials, expect_failure=True)
    check("(AccessDenied)" in err and "iam:ListUsers" in err, err)

    step("get-access-key-last-used")
    used = aws("iam", "get-access-key-last-used", "--access-key-id", key["AccessKeyId"])
    check_equal(user, used["UserName"], "UserName")
    check_equal("iam", used["AccessKeyLastUsed"].get("ServiceName"), "last used service (the IAM call came last)")
    check("LastUsedDate" in used["AccessKeyLastUsed"], f"LastUsedDate missing: {used}")

    step("put-user-policy applies to the next call; delete-user-policy too")
    aws("iam", "put-user-policy", "--user-name", user, "--policy-name", "list", "--policy-document",
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:ListTables","Resource":"*"}]}')
    check("TableNames" in aws("dynamodb", "list-tables", key=credentials), "list-tables allowed by the new policy")
    aws("iam", "delete-user-policy", "--user-name", user, "--policy-name", "list")
    err = aws("dynamodb", "list-tables", key=credentials, expect_failure=True)
    check("AccessDeniedException" in err and "because no identity-based policy allows the dynamodb:ListTables action" in err, err)

    step("list-access-keys")
    listed = aws("iam", "list-access-keys", "--user-name", user)["AccessKeyMetadata"]
    check_equal([key["AccessKeyId"]], [k["AccessKeyId"] for k in listed], "key ids")

    step("update-access-key Inactive -> key unknown")
    aws("iam", "update-access-key", "--user-name", user, "--access-key-id", key["AccessKeyId"], "--status", "Inactive")
    err = aws("dynamodb", "list-tables", key=credentials, expect_failure=True)
    check("UnrecognizedClientException" in err, err)
    err = aws("iam", "list-users", key=credentials, expect_failure=True)
    check("InvalidClientTokenId" in err, err)

    step("delete-user with a key -> DeleteConflict")
    err = aws("iam", "delete-user", "--user-name", user, expect_failure=True)
    check("DeleteConflict" in err and "must delete access keys first" in err, err)

    step("delete-access-key, delete-user")
    aws("iam", "delete-access-key", "--user-name", user, "--access-key-id", key["AccessKeyId"])
    aws("iam", "delete-user", "--user-name", user)
    err = aws("iam", "get-user", "--user-name", user, expect_failure=True)
    check("NoSuchEntity" in err and f"The user with name {user} cannot be found." in err, err)

    step("AWS managed policies are listed with --scope AWS")
    names = [p["PolicyName"] for p in aws("iam", "list-policies", "--scope", "AWS")["Policies"]]
    check("AdministratorAccess" in names and "AmazonDynamoDBReadOnlyAccess" in names, f"{names}")


if __name__ == "__main__":
    run_main(main)
