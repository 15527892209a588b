#!/usr/bin/env python3
"""boto3 IAM client: users and paging, groups, managed policies and versions, attachments,
inline policies, roles, permission boundaries, instance profiles, AWS managed policies,
GetAccountAuthorizationDetails and IAM's errors (code, HTTP status, message)."""
import json
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from compat_common import check, check_equal, endpoint, fail, run_main, step

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]}
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def expect_error(call, code, status, message=None):
    try:
        call()
    except ClientError as e:
        error = e.response.get("Error", {})
        check_equal(code, error.get("Code"), "error code")
        check_equal(status, e.response["ResponseMetadata"]["HTTPStatusCode"], f"{code} HTTP status")
        if message is not None:
            check_equal(message, error.get("Message"), f"{code} message")
        return error
    fail(f"expected {code}, but the call succeeded")


def main():
    iam = boto3.client("iam", endpoint_url=endpoint(), region_name="us-east-1", config=Config(retries={"max_attempts": 1}))
    # Without the SDK's own parameter checks, to see the server's ValidationError texts.
    unchecked = boto3.client("iam", endpoint_url=endpoint(), region_name="us-east-1",
                             config=Config(retries={"max_attempts": 1}, parameter_validation=False))
    run = uuid.uuid4().hex[:8]
    path = f"/boto{run}/"

    step("users with a path, paged with MaxItems/Marker and the paginator")
    names = [f"u{run}-{i}" for i in range(5)]
    for name in names:
        iam.create_user(UserName=name, Path=path)
    first = iam.list_users(PathPrefix=path, MaxItems=2)
    check_equal(2, len(first["Users"]), "page size")
    check(first["IsTruncated"] and "Marker" in first, "first page must be truncated with a Marker")
    second = iam.list_users(PathPrefix=path, MaxItems=2, Marker=first["Marker"])
    check_equal(names[2:4], [u["UserName"] for u in second["Users"]], "second page")
    paged = [u["UserName"] for page in iam.get_paginator("list_users").paginate(PathPrefix=path, PaginationConfig={"PageSize": 2}) for u in page["Users"]]
    check_equal(names, paged, "paginated users")

    step("validation and missing entities")
    expect_error(lambda: iam.create_user(UserName="bad/name"), "ValidationError", 400,
                 "1 validation error detected: Value 'bad/name' at 'userName' failed to satisfy constraint: "
                 "Member must satisfy regular expression pattern: [\\w+=,.@-]+")
    expect_error(lambda: iam.get_user(UserName="nobody" + run), "NoSuchEntity", 404, f"The user with name nobody{run} cannot be found.")
    expect_error(lambda: iam.create_user(UserName=names[0]), "EntityAlreadyExists", 409, f"User with name {names[0]} already exists.")

    step("update-user renames")
    iam.update_user(UserName=names[4], NewUserName=names[4] + "x")
    check_equal(names[4] + "x", iam.get_user(UserName=names[4] + "x")["User"]["UserName"], "renamed")

    step("tags")
    iam.tag_user(UserName=names[0], Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.untag_user(UserName=names[0], TagKeys=["a"])
    check_equal([{"Key": "b", "Value": "2"}], iam.list_user_tags(UserName=names[0])["Tags"], "tags after untag")

    step("groups and membership")
    group = f"g{run}"
    created = iam.create_group(GroupName=group)["Group"]
    check(created["GroupId"].startswith("AGPA") and len(created["GroupId"]) == 21, created["GroupId"])
    iam.add_user_to_group(GroupName=group, UserName=names[0])
    iam.add_user_to_group(GroupName=group, UserName=names[1])
    check_equal(sorted(names[:2]), sorted(u["UserName"] for u in iam.get_group(GroupName=group)["Users"]), "members")
    check_equal([group], [g["GroupName"] for g in iam.list_groups_for_user(UserName=names[0])["Groups"]], "groups for user")
    expect_error(lambda: iam.delete_group(GroupName=group), "DeleteConflict", 409)
    iam.remove_user_from_group(GroupName=group, UserName=names[1])

    step("managed policy with versions")
    policy = iam.create_policy(PolicyName=f"p{run}", PolicyDocument=json.dumps(POLICY), Description="test")["Policy"]
    arn = policy["Arn"]
    check(policy["PolicyId"].startswith("ANPA"), policy["PolicyId"])
    check_equal("v1", policy["DefaultVersionId"], "DefaultVersionId")
    check_equal(POLICY, iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"], "document round trip")
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(POLICY))
    expect_error(lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(POLICY)), "LimitExceeded", 409,
                 "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    check_equal(["v5", "v4", "v3", "v2", "v1"], [v["VersionId"] for v in versions], "versions newest first")
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v3")
    check_equal("v3", iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "default version")
    expect_error(lambda: iam.delete_policy_version(PolicyArn=arn, VersionId="v3"), "DeleteConflict", 409,
                 "Cannot delete the default version of a policy.")
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    expect_error(lambda: iam.get_policy_version(PolicyArn=arn, VersionId="v1"), "NoSuchEntity", 404)
    expect_error(lambda: iam.create_policy(PolicyName=f"p{run}", PolicyDocument=json.dumps(POLICY)), "EntityAlreadyExists", 409,
                 f"A policy called p{run} already exists. Duplicate names are not allowed.")
    expect_error(lambda: iam.create_policy(PolicyName=f"bad{run}", PolicyDocument="{not json"), "MalformedPolicyDocument", 400)
    # The policy engine's grammar: an identity policy names no principal; a managed one is 2012-10-17.
    with_principal = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "dynamodb:GetItem", "Resource": "*"}]}
    expect_error(lambda: iam.create_policy(PolicyName=f"bad{run}", PolicyDocument=json.dumps(with_principal)),
                 "MalformedPolicyDocument", 400, "Policy document should not specify a principal.")
    no_vendor = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "GetItem", "Resource": "*"}]}
    expect_error(lambda: iam.create_policy(PolicyName=f"bad{run}", PolicyDocument=json.dumps(no_vendor)),
                 "MalformedPolicyDocument", 400, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
    check(not any(p["PolicyName"] == f"bad{run}" for p in iam.list_policies(Scope="Local")["Policies"]), "a malformed policy must not be stored")

    step("attach managed policies (customer and AWS) and list them")
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    iam.attach_user_policy(UserName=names[0], PolicyArn=arn)
    iam.attach_group_policy(GroupName=group, PolicyArn=admin)
    attached = iam.list_attached_user_policies(UserName=names[0])["AttachedPolicies"]
    check_equal([arn], [p["PolicyArn"] for p in attached], "attached user policies")
    expect_error(lambda: iam.attach_user_policy(UserName=names[0], PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicy"), "NoSuchEntity", 404,
                 "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.")
    entities = iam.list_entities_for_policy(PolicyArn=arn)
    check_equal([names[0]], [u["UserName"] for u in entities["PolicyUsers"]], "entities for policy")
    check_equal(1, iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"], "AttachmentCount")
    attached_aws = [p["PolicyName"] for p in iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]]
    check("AdministratorAccess" in attached_aws, f"OnlyAttached AWS policies: {attached_aws}")
    expect_error(lambda: iam.delete_policy(PolicyArn=arn), "DeleteConflict", 409, "Cannot delete a policy attached to entities.")
    expect_error(lambda: iam.delete_policy(PolicyArn=admin), "AccessDenied", 403)
    expect_error(lambda: iam.create_policy_version(PolicyArn=admin, PolicyDocument=json.dumps(POLICY)), "AccessDenied", 403)
    expect_error(lambda: iam.delete_user(UserName=names[0]), "DeleteConflict", 409)

    step("inline policies")
    iam.put_user_policy(UserName=names[1], PolicyName="inline", PolicyDocument=json.dumps(POLICY))
    check_equal(["inline"], iam.list_user_policies(UserName=names[1])["PolicyNames"], "inline names")
    check_equal(POLICY, iam.get_user_policy(UserName=names[1], PolicyName="inline")["PolicyDocument"], "inline document")
    expect_error(lambda: iam.get_user_policy(UserName=names[1], PolicyName="other"), "NoSuchEntity", 404,
                 "The user policy with name other cannot be found.")

    step("roles, trust policy, MaxSessionDuration, boundary, tags")
    role = f"r{run}"
    created = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST), MaxSessionDuration=7200,
                              Tags=[{"Key": "env", "Value": "test"}])["Role"]
    check(created["RoleId"].startswith("AROA"), created["RoleId"])
    check_equal(TRUST, created["AssumeRolePolicyDocument"], "trust policy")
    expect_error(lambda: unchecked.update_role(RoleName=role, MaxSessionDuration=100), "ValidationError", 400,
                 "1 validation error detected: Value '100' at 'maxSessionDuration' failed to satisfy constraint: "
                 "Member must have value greater than or equal to 3600")
    iam.put_role_permissions_boundary(RoleName=role, PermissionsBoundary=arn)
    got = iam.get_role(RoleName=role)["Role"]
    check_equal(7200, got["MaxSessionDuration"], "MaxSessionDuration")
    check_equal(arn, got["PermissionsBoundary"]["PermissionsBoundaryArn"], "boundary")
    check_equal([{"Key": "env", "Value": "test"}], got["Tags"], "role tags")
    iam.delete_role_permissions_boundary(RoleName=role)
    check("PermissionsBoundary" not in iam.get_role(RoleName=role)["Role"], "boundary removed")
    iam.attach_role_policy(RoleName=role, PolicyArn=admin)
    check_equal([admin], [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]], "role attachments")

    step("instance profiles")
    profile = f"ip{run}"
    created = iam.create_instance_profile(InstanceProfileName=profile)["InstanceProfile"]
    check(created["InstanceProfileId"].startswith("AIPA"), created["InstanceProfileId"])
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
    expect_error(lambda: iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role), "LimitExceeded", 409)
    check_equal([role], [r["RoleName"] for r in iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"]], "profile roles")
    check_equal([profile], [p["InstanceProfileName"] for p in iam.list_instance_profiles_for_role(RoleName=role)["InstanceProfiles"]], "profiles for role")
    expect_error(lambda: iam.delete_role(RoleName=role), "DeleteConflict", 409)

    step("get-account-authorization-details")
    details = iam.get_account_authorization_details()
    user_detail = [u for u in details["UserDetailList"] if u["UserName"] == names[0]]
    check_equal(1, len(user_detail), "user in details")
    check_equal([group], user_detail[0]["GroupList"], "GroupList")
    check(any(p["Arn"] == arn for p in details["Policies"]), "customer policy in details")
    check(any(r["RoleName"] == role for r in details["RoleDetailList"]), "role in details")

    step("clean up in dependency order")
    iam.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=role)
    iam.delete_instance_profile(InstanceProfileName=profile)
    iam.detach_role_policy(RoleName=role, PolicyArn=admin)
    iam.delete_role(RoleName=role)
    iam.detach_user_policy(UserName=names[0], PolicyArn=arn)
    iam.detach_group_policy(GroupName=group, PolicyArn=admin)
    iam.remove_user_from_group(GroupName=group, UserName=names[0])
    iam.delete_group(GroupName=group)
    iam.delete_user_policy(UserName=names[1], PolicyName="inline")
    expect_error(lambda: iam.delete_policy(PolicyArn=arn), "DeleteConflict", 409)
    for version in ("v2", "v4", "v5"):
        iam.delete_policy_version(PolicyArn=arn, VersionId=version)
    iam.delete_policy(PolicyArn=arn)
    for name in names[:4] + [names[4] + "x"]:
        iam.delete_user(UserName=name)
    check_equal([], iam.list_users(PathPrefix=path)["Users"], "users left")


if __name__ == "__main__":
    run_main(main)
