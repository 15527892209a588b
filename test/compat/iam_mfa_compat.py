#!/usr/bin/env python3
"""boto3 and AWS CLI: the account password policy, login profiles (policy violations, no password
in answers, DeleteUser conflict) and virtual MFA devices: create (seed and QR code), enable with
two consecutive TOTP codes computed here (RFC 6238 with hmac/hashlib), list, paging, deactivate,
delete, and IAM's errors (code, HTTP status, message)."""
import base64
import hashlib
import hmac
import json
import os
import struct
import subprocess
import tempfile
import time
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from compat_common import check, check_equal, endpoint, fail, run_main, step

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def totp(seed, counter):
    """RFC 6238 TOTP (HMAC-SHA1, 6 digits) of raw seed bytes at time step `counter`."""
    digest = hmac.new(seed, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


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


def check_png(data, what):
    check(data.startswith(PNG_SIGNATURE), f"{what} must be a PNG, starts with {data[:8]!r}")
    check_equal(b"IHDR", data[12:16], f"{what} IHDR chunk")
    width, height = struct.unpack(">II", data[16:24])
    check(width == height and width >= 21 * 5, f"{what} must be a square QR code image, is {width}x{height}")


def aws(*args):
    command = ["aws", "iam", *args, "--endpoint-url", endpoint(), "--region", "us-east-1", "--output", "json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env={**os.environ, "AWS_PAGER": ""})
    if result.returncode != 0:
        fail(f"`aws iam {' '.join(args)}` exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}")
    return result.stdout


def main():
    iam = boto3.client("iam", endpoint_url=endpoint(), region_name="us-east-1", config=Config(retries={"max_attempts": 1}))
    # Without the SDK's own parameter checks, to see the server's ValidationError.
    unchecked = boto3.client("iam", endpoint_url=endpoint(), region_name="us-east-1",
                             config=Config(retries={"max_attempts": 1}, parameter_validation=False))
    run = uuid.uuid4().hex[:8]
    user = "mfa-" + run

    step("TOTP implementation of this script matches RFC 6238")
    check_equal("287082", totp(b"12345678901234567890", 59 // 30), "RFC 6238 vector at T=59")
    check_equal("005924", totp(b"12345678901234567890", 1234567890 // 30), "RFC 6238 vector at T=1234567890")

    step("account password policy: none, set, read back")
    try:
        iam.delete_account_password_policy()
    except ClientError:
        pass
    expect_error(iam.get_account_password_policy, "NoSuchEntity", 404, "The Password Policy with domain name ACCOUNT cannot be found.")
    iam.update_account_password_policy(MinimumPasswordLength=12, RequireSymbols=True, RequireNumbers=True, MaxPasswordAge=90)
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    check_equal(12, policy["MinimumPasswordLength"], "MinimumPasswordLength")
    check_equal(True, policy["RequireSymbols"], "RequireSymbols")
    check_equal(False, policy["RequireUppercaseCharacters"], "RequireUppercaseCharacters")
    check_equal(True, policy["ExpirePasswords"], "ExpirePasswords")
    check_equal(90, policy["MaxPasswordAge"], "MaxPasswordAge")
    expect_error(lambda: iam.update_account_password_policy(MinimumPasswordLength=200), "ValidationError", 400)

    step("login profile: policy violation, create, read, update, DeleteUser conflict, delete")
    iam.create_user(UserName=user)
    expect_error(lambda: iam.create_login_profile(UserName=user, Password="short1!"), "PasswordPolicyViolation", 400,
                 "Password should have a minimum length of 12")
    expect_error(lambda: iam.create_login_profile(UserName=user, Password="no symbols here 1"), "PasswordPolicyViolation", 400,
                 "Password should have at least one symbol")
    expect_error(lambda: iam.get_login_profile(UserName=user), "NoSuchEntity", 404, f"Login Profile for User {user} cannot be found.")
    created = iam.create_login_profile(UserName=user, Password="Correct-horse-42", PasswordResetRequired=True)["LoginProfile"]
    check_equal(user, created["UserName"], "LoginProfile.UserName")
    check_equal(True, created["PasswordResetRequired"], "PasswordResetRequired")
    check("Password" not in created, "the password must never be returned")
    expect_error(lambda: iam.create_login_profile(UserName=user, Password="Correct-horse-42"), "EntityAlreadyExists", 409)
    iam.update_login_profile(UserName=user, Password="Battery-staple-43", PasswordResetRequired=False)
    check_equal(False, iam.get_login_profile(UserName=user)["LoginProfile"]["PasswordResetRequired"], "after update")
    expect_error(lambda: iam.update_login_profile(UserName=user, Password="weak"), "PasswordPolicyViolation", 400)
    expect_error(lambda: iam.delete_user(UserName=user), "DeleteConflict", 409, "Cannot delete entity, must delete login profile first.")
    iam.delete_login_profile(UserName=user)
    expect_error(lambda: iam.delete_login_profile(UserName=user), "NoSuchEntity", 404)

    step("virtual MFA device: create with seed and QR code")
    path = f"/mfa{run}/"
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="phone", Path=path)["VirtualMFADevice"]
    serial = device["SerialNumber"]
    account = iam.get_user(UserName=user)["User"]["Arn"].split(":")[4]
    check_equal(f"arn:aws:iam::{account}:mfa{path}phone", serial, "SerialNumber")
    seed_text = device["Base32StringSeed"].decode("ascii")
    check(len(seed_text) == 64 and set(seed_text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), f"base32 seed {seed_text!r}")
    check_png(device["QRCodePNG"], "QRCodePNG")
    expect_error(lambda: iam.create_virtual_mfa_device(VirtualMFADeviceName="phone", Path=path), "EntityAlreadyExists", 409,
                 "MFADevice entity at the same path and name already exists.")
    seed = base64.b32decode(seed_text)

    step("enable: wrong codes refused, two consecutive codes accepted")
    now = int(time.time()) // 30
    expect_error(lambda: iam.enable_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1=totp(seed, now),
                                               AuthenticationCode2=totp(seed, now - 1)),
                 "InvalidAuthenticationCode", 403, "Authentication code for device is not valid.")
    expect_error(lambda: unchecked.enable_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1="000000", AuthenticationCode2="12345"),
                 "ValidationError", 400, "1 validation error detected: Value '12345' at 'authenticationCode2' failed to satisfy constraint: "
                 "Member must have length greater than or equal to 6")
    iam.enable_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1=totp(seed, now - 1), AuthenticationCode2=totp(seed, now))
    devices = iam.list_mfa_devices(UserName=user)["MFADevices"]
    check_equal([serial], [d["SerialNumber"] for d in devices], "list_mfa_devices")
    check_equal(user, devices[0]["UserName"], "MFADevice.UserName")
    check("EnableDate" in devices[0], "EnableDate")

    step("list virtual MFA devices by assignment status, with paging")
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    mine = [d for d in assigned if d["SerialNumber"] == serial]
    check_equal(1, len(mine), "assigned device listed")
    check_equal(user, mine[0]["User"]["UserName"], "VirtualMFADevice.User")
    check("Base32StringSeed" not in mine[0] and "QRCodePNG" not in mine[0], "the seed is only returned at creation")
    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    check(serial not in [d["SerialNumber"] for d in unassigned], "assigned device must not be listed as Unassigned")
    extra = [iam.create_virtual_mfa_device(VirtualMFADeviceName=f"spare{i}", Path=path)["VirtualMFADevice"]["SerialNumber"] for i in range(3)]
    paged = [d["SerialNumber"] for page in iam.get_paginator("list_virtual_mfa_devices").paginate(PaginationConfig={"PageSize": 2})
             for d in page["VirtualMFADevices"]]
    for s in [serial, *extra]:
        check(s in paged, f"{s} missing from the paginated list")
    check_equal(len(paged), len(set(paged)), "no device listed twice")

    step("delete while assigned is refused; deactivate; delete")
    expect_error(lambda: iam.delete_virtual_mfa_device(SerialNumber=serial), "DeleteConflict", 409)
    expect_error(lambda: iam.delete_user(UserName=user), "DeleteConflict", 409, "Cannot delete entity, must delete MFA device first.")
    iam.deactivate_mfa_device(UserName=user, SerialNumber=serial)
    check_equal([], iam.list_mfa_devices(UserName=user)["MFADevices"], "no devices after deactivation")
    check(serial in [d["SerialNumber"] for d in iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]],
          "deactivated device is Unassigned")
    for s in [serial, *extra]:
        iam.delete_virtual_mfa_device(SerialNumber=s)
    expect_error(lambda: iam.delete_virtual_mfa_device(SerialNumber=serial), "NoSuchEntity", 404,
                 f"VirtualMFADevice with serial number {serial} doesn't exist.")

    step("AWS CLI: create-virtual-mfa-device writes the QR code PNG and the seed to --outfile")
    with tempfile.TemporaryDirectory() as directory:
        png_file = os.path.join(directory, "qr.png")
        created = json.loads(aws("create-virtual-mfa-device", "--virtual-mfa-device-name", "cli" + run,
                                 "--outfile", png_file, "--bootstrap-method", "QRCodePNG"))
        with open(png_file, "rb") as f:
            check_png(f.read(), "CLI --outfile QRCodePNG")
        seed_file = os.path.join(directory, "seed.txt")
        aws("delete-virtual-mfa-device", "--serial-number", created["VirtualMFADevice"]["SerialNumber"])
        created = json.loads(aws("create-virtual-mfa-device", "--virtual-mfa-device-name", "cli" + run,
                                 "--outfile", seed_file, "--bootstrap-method", "Base32StringSeed"))
        with open(seed_file, "rb") as f:
            cli_seed = f.read().decode("ascii")
        check(len(cli_seed) == 64, f"CLI seed file {cli_seed!r}")
        now = int(time.time()) // 30
        cli_serial = created["VirtualMFADevice"]["SerialNumber"]
        aws("enable-mfa-device", "--user-name", user, "--serial-number", cli_serial,
            "--authentication-code1", totp(base64.b32decode(cli_seed), now - 1), "--authentication-code2", totp(base64.b32decode(cli_seed), now))
        listed = json.loads(aws("list-mfa-devices", "--user-name", user))["MFADevices"]
        check_equal([cli_serial], [d["SerialNumber"] for d in listed], "CLI list-mfa-devices")
        aws("deactivate-mfa-device", "--user-name", user, "--serial-number", cli_serial)
        aws("delete-virtual-mfa-device", "--serial-number", cli_serial)

    step("clean up: user, password policy")
    iam.delete_user(UserName=user)
    iam.delete_account_password_policy()
    expect_error(iam.get_account_password_policy, "NoSuchEntity", 404)


if __name__ == "__main__":
    run_main(main)
