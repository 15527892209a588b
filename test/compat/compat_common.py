"""Shared helpers for the Lockbox compatibility scripts (standard library only).

Every script reads the endpoint and credentials from the environment:
AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.
A script exits 0 when every check passed and 1 with a "FAIL:" line otherwise.
"""
import os
import sys
import time
import traceback
import uuid

sys.dont_write_bytecode = True

_step = "start"


def fail(message):
    print(f"FAIL [{_step}]: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def check_equal(expected, actual, what):
    if expected != actual:
        fail(f"{what}: expected {expected!r}, got {actual!r}")


def step(name):
    """Names the current step for progress output and failure messages."""
    global _step
    _step = name
    print(f"-- {name}", flush=True)


def env(name):
    value = os.environ.get(name)
    if not value:
        fail(f"environment variable {name} is not set")
    return value


def endpoint():
    return env("AWS_ENDPOINT_URL")


def region():
    return os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def unique_table(hint):
    return f"compat-{hint}-{uuid.uuid4().hex[:10]}"


def run_main(main):
    """Runs main(); any unexpected exception is a failure with its traceback."""
    started = time.time()
    try:
        main()
    except SystemExit:
        raise
    except Exception:  # noqa: BLE001 - report everything as a test failure
        traceback.print_exc()
        fail("unexpected exception (traceback above)")
    print(f"OK ({time.time() - started:.1f} s)", flush=True)


def expect_client_error(call, code, message=None, message_prefix=None):
    """Calls call() and checks it raises botocore ClientError with this code (and message)."""
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as e:
        error = e.response.get("Error", {})
        check_equal(code, error.get("Code"), "error code")
        if message is not None:
            check_equal(message, error.get("Message"), f"{code} message")
        if message_prefix is not None:
            check(str(error.get("Message", "")).startswith(message_prefix),
                  f"{code} message {error.get('Message')!r} does not start with {message_prefix!r}")
        check_equal(400, e.response["ResponseMetadata"]["HTTPStatusCode"], f"{code} HTTP status")
        return e
    fail(f"expected {code}, but the call succeeded")
    return None
