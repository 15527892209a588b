#!/usr/bin/env python3
"""STS with boto3 and the AWS CLI: GetCallerIdentity for root, users and role sessions; AssumeRole
with AWS's same-account trust rules, sts:ExternalId, RoleSessionName/DurationSeconds errors, role
policies enforced on DynamoDB (a new default policy version applies on the next call), session
policies, session tags as aws:PrincipalTag, role chaining; the MFA scenario (a policy requiring
aws:MultiFactorAuthPresent denies long-term keys and allows GetSessionToken credentials obtained
with a valid TOTP code, computed here with hmac/hashlib); wrong TOTP codes, invalid tokens,
GetSessionToken credentials' limits, DecodeAuthorizationMessage's errors; and the AWS CLI's
assume-role flow with the session exported to the environment."""
import base64
import hashlib
import hmac
import json
import os
import struct
import subprocess
import time
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from compat_common import check, check_equal, endpoint, fail, region, run_main, step, unique_table

CFG = Config(retries={"max_attempts": 1})
UNCHECKED = Config(retries={"max_attempts": 1}, parameter_validation=False)
INVALID_TOKEN = "The security token included in the request is invalid"


def client(service, key=None, secret=None, token=None, config=CFG):
    kwargs = {}
    if key is not None:
        kwargs = {"aws_access_key_id": key, "aws_secret_access_key": secret, "aws_session_token": token}
    return boto3.client(service, endpoint_url=endpoint(), region_name="us-east-1" if service == "iam" else region(),
                        config=config, **kwargs)


def session_client(service, credentials, config=CFG):
    return client(service, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"], config)


def expect_error(call, code, status, message=None, message_prefix=None):
    try:
        call()
    except ClientError as e:
        error = e.response.get("Error", {})
        check_equal(code, error.get("Code"), "error code")
        check_equal(status, e.response["ResponseMetadata"]["HTTPStatusCode"], f"{code} HTTP status")
        if message is not None:
            check_equal(message, error.get("Message"), f"{code} message")
        if message_prefix is not None:
            check(error.get("Message", "").startswith(message_prefix), f"{code} message {error.get('Message')!r} should start with {message_prefix!r}")
        return error
    fail(f"expected {code}, but the call succeeded")


def denied_ddb(call, arn, action, resource, reason=None):
    reason = reason or f"because no identity-based policy allows the {action} action"
    expect_error(call, "AccessDeniedException", 400, f"User: {arn} is not authorized to perform: {action} on resource: {resource} {reason}")


def totp(seed, counter):
    """RFC 6238 TOTP (HMAC-SHA1, 6 digits) of raw seed bytes at time step `counter`."""
    digest = hmac.new(seed, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resource="*", condition=None):
    statement = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def trust(principal, condition=None, actions="sts:AssumeRole"):
    statement = {"Effect": "Allow", "Principal": principal, "Action": actions}
    if condition is not None:
        statement["Condition"] = condition
    return policy(statement)


def aws(args, credentials, check_exit=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") or k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")}
    env.update({"AWS_ACCESS_KEY_ID": credentials[0], "AWS_SECRET_ACCESS_KEY": credentials[1], "AWS_PAGER": "",
                "AWS_DEFAULT_REGION": region(), "AWS_EC2_METADATA_DISABLED": "true"})
    if len(credentials) > 2 and credentials[2]:
        env["AWS_SESSION_TOKEN"] = credentials[2]
    command = ["aws", *args, "--endpoint-url", endpoint(), "--output", "json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    if check_exit and result.returncode != 0:
        fail(f"`aws {' '.join(args)}` exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}")
    return result


def main():
    run = uuid.uuid4().hex[:8]
    iam = client("iam")
    sts = client("sts")
    ddb = client("dynamodb")

    step("GetCallerIdentity as root")
    me = sts.get_caller_identity()
    account = me["Account"]
    check(len(account) == 12 and account.isdigit(), f"account {account!r}")
    check_equal(f"arn:aws:iam::{account}:root", me["Arn"], "root Arn")
    check_equal(account, me["UserId"], "root UserId")

    step("GetCallerIdentity as an IAM user (no permission needed)")
    user_name = f"sts-user-{run}"
    user = iam.create_user(UserName=user_name)["User"]
    key = iam.create_access_key(UserName=user_name)["AccessKey"]
    user_sts = client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    me = user_sts.get_caller_identity()
    check_equal(user["Arn"], me["Arn"], "user Arn")
    check_equal(user["UserId"], me["UserId"], "user UserId")

    step("roles may not be assumed by root")
    app_role = f"sts-app-{run}"
    app_arn = iam.create_role(RoleName=app_role, AssumeRolePolicyDocument=trust({"AWS": user["Arn"]}))["Role"]["Arn"]
    app_id = iam.get_role(RoleName=app_role)["Role"]["RoleId"]
    expect_error(lambda: sts.assume_role(RoleArn=app_arn, RoleSessionName="root"), "AccessDenied", 403,
                 "Roles may not be assumed by root accounts.")

    step("a trust policy naming the user allows AssumeRole without any identity policy")
    table = unique_table("sts")
    role_policy = iam.create_policy(PolicyName=f"sts-app-{run}", PolicyDocument=policy(allow(["dynamodb:ListTables", "dynamodb:CreateTable"])))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=app_role, PolicyArn=role_policy)
    answer = user_sts.assume_role(RoleArn=app_arn, RoleSessionName="app-session")
    session_arn = f"arn:aws:sts::{account}:assumed-role/{app_role}/app-session"
    check_equal(session_arn, answer["AssumedRoleUser"]["Arn"], "AssumedRoleUser.Arn")
    check_equal(f"{app_id}:app-session", answer["AssumedRoleUser"]["AssumedRoleId"], "AssumedRoleId")
    credentials = answer["Credentials"]
    check(credentials["AccessKeyId"].startswith("ASIA") and len(credentials["AccessKeyId"]) == 20, f"key id {credentials['AccessKeyId']}")
    check_equal(40, len(credentials["SecretAccessKey"]), "secret length")
    lifetime = (credentials["Expiration"].timestamp() - time.time())
    check(3500 < lifetime <= 3601, f"default duration is one hour, got {lifetime:.0f} s")
    check("PackedPolicySize" not in answer, "no PackedPolicySize without session policies or tags")
    me = session_client("sts", credentials).get_caller_identity()
    check_equal(session_arn, me["Arn"], "session Arn")
    check_equal(f"{app_id}:app-session", me["UserId"], "session UserId")
    check_equal(account, me["Account"], "session Account")

    step("the role's policy is enforced on DynamoDB; a new default version applies on the next call")
    session_ddb = session_client("dynamodb", credentials)
    session_ddb.list_tables()
    session_ddb.create_table(TableName=table, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    table_arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    denied_ddb(lambda: session_ddb.describe_table(TableName=table), session_arn, "dynamodb:DescribeTable", table_arn)
    iam.create_policy_version(PolicyArn=role_policy, SetAsDefault=True,
                              PolicyDocument=policy(allow(["dynamodb:ListTables", "dynamodb:CreateTable", "dynamodb:DescribeTable"])))
    check_equal(table, session_ddb.describe_table(TableName=table)["Table"]["TableName"], "DescribeTable after the new version")
    denied_ddb(lambda: session_ddb.put_item(TableName=table, Item={"pk": {"S": "a"}}), session_arn, "dynamodb:PutItem", table_arn)

    step("a trust policy naming the account needs the caller's identity allow")
    acct_role = f"sts-acct-{run}"
    acct_arn = iam.create_role(RoleName=acct_role, AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{account}:root"}))["Role"]["Arn"]
    expect_error(lambda: user_sts.assume_role(RoleArn=acct_arn, RoleSessionName="s1"), "AccessDenied", 403,
                 f"User: {user['Arn']} is not authorized to perform: sts:AssumeRole on resource: {acct_arn} because no identity-based policy allows the sts:AssumeRole action")
    iam.put_user_policy(UserName=user_name, PolicyName="assume", PolicyDocument=policy(allow("sts:AssumeRole", acct_arn)))
    user_sts.assume_role(RoleArn=acct_arn, RoleSessionName="s1")
    expect_error(lambda: user_sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/missing-{run}", RoleSessionName="s1"), "AccessDenied", 403,
                 message_prefix=f"User: {user['Arn']} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{account}:role/missing-{run}")

    step("sts:ExternalId in the trust policy")
    ext_role = f"sts-ext-{run}"
    ext_arn = iam.create_role(RoleName=ext_role, AssumeRolePolicyDocument=trust({"AWS": user["Arn"]}, {"StringEquals": {"sts:ExternalId": "open-sesame"}}))["Role"]["Arn"]
    expect_error(lambda: user_sts.assume_role(RoleArn=ext_arn, RoleSessionName="s1"), "AccessDenied", 403)
    expect_error(lambda: user_sts.assume_role(RoleArn=ext_arn, RoleSessionName="s1", ExternalId="wrong-id"), "AccessDenied", 403)
    user_sts.assume_role(RoleArn=ext_arn, RoleSessionName="s1", ExternalId="open-sesame")

    step("RoleSessionName and DurationSeconds errors")
    unchecked = client("sts", key["AccessKeyId"], key["SecretAccessKey"], config=UNCHECKED)
    expect_error(lambda: unchecked.assume_role(RoleArn=app_arn, RoleSessionName="bad name!"), "ValidationError", 400,
                 "1 validation error detected: Value 'bad name!' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
    expect_error(lambda: unchecked.assume_role(RoleArn=app_arn, RoleSessionName="a"), "ValidationError", 400,
                 "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2")
    expect_error(lambda: unchecked.assume_role(RoleArn=app_arn, RoleSessionName="s1", DurationSeconds=600), "ValidationError", 400,
                 "1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")
    expect_error(lambda: user_sts.assume_role(RoleArn=app_arn, RoleSessionName="s1", DurationSeconds=7200), "ValidationError", 400,
                 "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    iam.update_role(RoleName=app_role, MaxSessionDuration=7200)
    long_session = user_sts.assume_role(RoleArn=app_arn, RoleSessionName="long", DurationSeconds=7200)["Credentials"]
    lifetime = long_session["Expiration"].timestamp() - time.time()
    check(7100 < lifetime <= 7201, f"7200 s session, got {lifetime:.0f} s")

    step("a session policy narrows the role's permissions")
    narrowed = user_sts.assume_role(RoleArn=app_arn, RoleSessionName="narrow", Policy=policy(allow("dynamodb:ListTables")))
    check("PackedPolicySize" in narrowed and 0 < narrowed["PackedPolicySize"] <= 100, f"PackedPolicySize {narrowed.get('PackedPolicySize')}")
    narrow_ddb = session_client("dynamodb", narrowed["Credentials"])
    narrow_ddb.list_tables()
    denied_ddb(lambda: narrow_ddb.describe_table(TableName=table), f"arn:aws:sts::{account}:assumed-role/{app_role}/narrow",
               "dynamodb:DescribeTable", table_arn, "because no session policy allows the dynamodb:DescribeTable action")
    expect_error(lambda: user_sts.assume_role(RoleArn=app_arn, RoleSessionName="s1", Policy='{"Version":"2012-10-17","Statement":{"Effect":"Allow"'),
                 "MalformedPolicyDocument", 400)
    managed_narrow = user_sts.assume_role(RoleArn=app_arn, RoleSessionName="managed", PolicyArns=[{"arn": role_policy}])
    session_client("dynamodb", managed_narrow["Credentials"]).describe_table(TableName=table)

    step("session tags become aws:PrincipalTag (sts:TagSession needed), transitive tags pass to a chained session")
    tag_role = f"sts-tags-{run}"
    tag_arn = iam.create_role(RoleName=tag_role, AssumeRolePolicyDocument=trust({"AWS": user["Arn"]}, actions=["sts:AssumeRole", "sts:TagSession"]),
                              Tags=[{"Key": "team", "Value": "red"}])["Role"]["Arn"]
    iam.put_role_policy(RoleName=tag_role, PolicyName="by-team", PolicyDocument=policy(
        allow("dynamodb:ListTables", condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}),
        allow("sts:AssumeRole")))
    red = session_client("dynamodb", user_sts.assume_role(RoleArn=tag_arn, RoleSessionName="red")["Credentials"])
    denied_ddb(red.list_tables, f"arn:aws:sts::{account}:assumed-role/{tag_role}/red", "dynamodb:ListTables", "*")
    blue_answer = user_sts.assume_role(RoleArn=tag_arn, RoleSessionName="blue", Tags=[{"Key": "team", "Value": "blue"}], TransitiveTagKeys=["team"])
    check("PackedPolicySize" in blue_answer, "PackedPolicySize with session tags")
    session_client("dynamodb", blue_answer["Credentials"]).list_tables()
    expect_error(lambda: user_sts.assume_role(RoleArn=app_arn, RoleSessionName="s1", Tags=[{"Key": "team", "Value": "blue"}]), "AccessDenied", 403,
                 f"User: {user['Arn']} is not authorized to perform: sts:TagSession on resource: {app_arn} because no identity-based policy allows the sts:TagSession action")

    step("role chaining: the tagged session assumes another role, at most one hour")
    chain_role = f"sts-chain-{run}"
    chain_arn = iam.create_role(RoleName=chain_role, AssumeRolePolicyDocument=trust({"AWS": tag_arn}, actions=["sts:AssumeRole", "sts:TagSession"]))["Role"]["Arn"]
    iam.put_role_policy(RoleName=chain_role, PolicyName="by-team", PolicyDocument=policy(
        allow("dynamodb:ListTables", condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}})))
    blue_sts = session_client("sts", blue_answer["Credentials"])
    expect_error(lambda: blue_sts.assume_role(RoleArn=chain_arn, RoleSessionName="chained", DurationSeconds=7200), "ValidationError", 400,
                 "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
    chained = blue_sts.assume_role(RoleArn=chain_arn, RoleSessionName="chained")
    check_equal(f"arn:aws:sts::{account}:assumed-role/{chain_role}/chained", chained["AssumedRoleUser"]["Arn"], "chained Arn")
    session_client("dynamodb", chained["Credentials"]).list_tables()  # allowed only through the transitive tag

    step("MFA: a policy requiring aws:MultiFactorAuthPresent denies long-term keys")
    mfa_user = f"sts-mfa-{run}"
    mfa_user_arn = iam.create_user(UserName=mfa_user)["User"]["Arn"]
    iam.put_user_policy(UserName=mfa_user, PolicyName="mfa-only", PolicyDocument=policy(
        allow(["dynamodb:ListTables", "iam:GetUser"], condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})))
    mfa_key = iam.create_access_key(UserName=mfa_user)["AccessKey"]
    mfa_ddb = client("dynamodb", mfa_key["AccessKeyId"], mfa_key["SecretAccessKey"])
    denied_ddb(mfa_ddb.list_tables, mfa_user_arn, "dynamodb:ListTables", "*")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"phone-{run}")["VirtualMFADevice"]
    serial = device["SerialNumber"]
    seed = base64.b32decode(device["Base32StringSeed"].decode("ascii"))
    now = int(time.time()) // 30
    iam.enable_mfa_device(UserName=mfa_user, SerialNumber=serial, AuthenticationCode1=totp(seed, now - 1), AuthenticationCode2=totp(seed, now))

    step("MFA: a wrong TOTP code is refused")
    mfa_sts = client("sts", mfa_key["AccessKeyId"], mfa_key["SecretAccessKey"])
    wrong = "%06d" % ((int(totp(seed, now + 1)) + 1) % 1000000)
    expect_error(lambda: mfa_sts.get_session_token(SerialNumber=serial, TokenCode=wrong), "AccessDenied", 403,
                 "MultiFactorAuthentication failed with invalid MFA one time pass code.")
    expect_error(lambda: mfa_sts.get_session_token(SerialNumber=f"arn:aws:iam::{account}:mfa/nobody-{run}", TokenCode=totp(seed, now + 1)),
                 "AccessDenied", 403, "MultiFactorAuthentication failed with invalid MFA one time pass code.")

    step("MFA: GetSessionToken with a valid code gives credentials that pass the MFA condition")
    mfa_session = mfa_sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, now + 1), DurationSeconds=900)["Credentials"]
    check(mfa_session["AccessKeyId"].startswith("ASIA"), "GetSessionToken key id")
    lifetime = mfa_session["Expiration"].timestamp() - time.time()
    check(800 < lifetime <= 901, f"900 s session, got {lifetime:.0f} s")
    session_client("dynamodb", mfa_session).list_tables()
    check_equal(mfa_user_arn, session_client("sts", mfa_session).get_caller_identity()["Arn"], "GetSessionToken caller Arn")
    check_equal(mfa_user, session_client("iam", mfa_session).get_user()["User"]["UserName"], "IAM call with an MFA session")
    expect_error(lambda: mfa_sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, now + 1)), "AccessDenied", 403,
                 "MultiFactorAuthentication failed with invalid MFA one time pass code.")  # a code works once

    step("GetSessionToken without MFA: default 12 h, no MFA context, no IAM, limited STS")
    plain = mfa_sts.get_session_token()["Credentials"]
    lifetime = plain["Expiration"].timestamp() - time.time()
    check(43000 < lifetime <= 43201, f"default 43200 s, got {lifetime:.0f} s")
    denied_ddb(session_client("dynamodb", plain).list_tables, mfa_user_arn, "dynamodb:ListTables", "*")
    expect_error(session_client("iam", plain).get_user, "InvalidClientTokenId", 403, INVALID_TOKEN)
    expect_error(lambda: session_client("sts", plain).get_session_token(), "AccessDenied", 403,
                 "Cannot call GetSessionToken with session credentials")
    expect_error(lambda: session_client("sts", credentials).get_session_token(), "AccessDenied", 403,
                 "Cannot call GetSessionToken with session credentials")
    expect_error(lambda: session_client("sts", plain).decode_authorization_message(EncodedMessage="abc"), "AccessDenied", 403)
    unchecked_plain = client("sts", key["AccessKeyId"], key["SecretAccessKey"], config=UNCHECKED)
    expect_error(lambda: unchecked_plain.get_session_token(DurationSeconds=200000), "ValidationError", 400,
                 "1 validation error detected: Value '200000' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600")
    root_session = sts.get_session_token(DurationSeconds=7200)["Credentials"]
    lifetime = root_session["Expiration"].timestamp() - time.time()
    check(3500 < lifetime <= 3601, f"root sessions last at most one hour, got {lifetime:.0f} s")
    check_equal(f"arn:aws:iam::{account}:root", session_client("sts", root_session).get_caller_identity()["Arn"], "root session Arn")

    step("invalid tokens and keys")
    forged = dict(credentials, SessionToken=credentials["SessionToken"][:-8] + "AAAAAAA=")
    expect_error(session_client("dynamodb", forged).list_tables, "UnrecognizedClientException", 400, INVALID_TOKEN)
    expect_error(session_client("sts", forged).get_caller_identity, "InvalidClientTokenId", 403, INVALID_TOKEN)
    swapped = dict(credentials, SessionToken=narrowed["Credentials"]["SessionToken"])
    expect_error(session_client("dynamodb", swapped).list_tables, "UnrecognizedClientException", 400, INVALID_TOKEN)
    wrong_secret = dict(credentials, SecretAccessKey="x" * 40)
    expect_error(session_client("dynamodb", wrong_secret).list_tables, "InvalidSignatureException", 400,
                 message_prefix="The request signature we calculated does not match the signature you provided.")
    no_token = client("dynamodb", credentials["AccessKeyId"], credentials["SecretAccessKey"])
    expect_error(no_token.list_tables, "UnrecognizedClientException", 400, INVALID_TOKEN + ".")
    with_token = client("dynamodb", key["AccessKeyId"], key["SecretAccessKey"], credentials["SessionToken"])
    expect_error(with_token.list_tables, "UnrecognizedClientException", 400, INVALID_TOKEN)

    step("DecodeAuthorizationMessage needs sts:DecodeAuthorizationMessage and refuses garbage")
    expect_error(lambda: user_sts.decode_authorization_message(EncodedMessage="abc"), "AccessDenied", 403,
                 f"User: {user['Arn']} is not authorized to perform: sts:DecodeAuthorizationMessage on resource: * because no identity-based policy allows the sts:DecodeAuthorizationMessage action")
    expect_error(lambda: sts.decode_authorization_message(EncodedMessage="not-a-message"), "InvalidAuthorizationMessageException", 400)

    step("AWS CLI: assume-role, then DynamoDB with the session in the environment")
    result = aws(["sts", "assume-role", "--role-arn", app_arn, "--role-session-name", "cli-session"], (key["AccessKeyId"], key["SecretAccessKey"]))
    cli = json.loads(result.stdout)
    check_equal(f"arn:aws:sts::{account}:assumed-role/{app_role}/cli-session", cli["AssumedRoleUser"]["Arn"], "CLI AssumedRoleUser")
    c = cli["Credentials"]
    session = (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    identity = json.loads(aws(["sts", "get-caller-identity"], session).stdout)
    check_equal(f"{app_id}:cli-session", identity["UserId"], "CLI get-caller-identity UserId")
    check(table in json.loads(aws(["dynamodb", "list-tables"], session).stdout)["TableNames"], "CLI list-tables as the role")
    refused = aws(["dynamodb", "put-item", "--table-name", table, "--item", '{"pk":{"S":"x"}}'], session, check_exit=False)
    check(refused.returncode != 0, "CLI put-item must be refused")
    check(f"User: arn:aws:sts::{account}:assumed-role/{app_role}/cli-session is not authorized to perform: dynamodb:PutItem" in refused.stderr,
          f"CLI AccessDenied text: {refused.stderr}")
    bad = aws(["sts", "get-caller-identity"], (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"][:-8] + "AAAAAAA="), check_exit=False)
    check(bad.returncode != 0 and "InvalidClientTokenId" in bad.stderr, f"CLI with a forged token: {bad.stderr}")

    step("cleanup")
    ddb.delete_table(TableName=table)


if __name__ == "__main__":
    run_main(main)
