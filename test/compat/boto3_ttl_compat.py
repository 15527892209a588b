#!/usr/bin/env python3
"""boto3 dynamodb client: UpdateTimeToLive / DescribeTimeToLive status transitions (ENABLING ->
ENABLED, DISABLING -> DISABLED), DynamoDB's validation errors and the change cooldown, and an
expired item swept through the expiry index.

Needs a server started with a short cooldown and sweep interval, e.g.
`--ttl-change-cooldown 3 --ttl-sweep-interval 0.5` (the xunit TimeToLiveProcessTests starts one)."""
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from compat_common import check, check_equal, endpoint, expect_client_error, region, run_main, step, unique_table

COOLDOWN = "Time to live has been modified multiple times within a fixed interval"


def describe(ddb, table):
    d = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    return d["TimeToLiveStatus"], d.get("AttributeName")


def wait_for(ddb, table, settled, passing):
    """Polls DescribeTimeToLive until `settled`; every status seen on the way must be in `passing`."""
    seen = []
    deadline = time.time() + 30
    while time.time() < deadline:
        status, _ = describe(ddb, table)
        seen.append(status)
        if status == settled:
            return seen
        check(status in passing, f"unexpected TTL status {status} while waiting for {settled}")
        time.sleep(0.1)
    raise AssertionError(f"TTL status never became {settled}: {seen[-5:]}")


def update(ddb, table, enabled, attribute="exp"):
    return ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": enabled, "AttributeName": attribute})


def main():
    ddb = boto3.client("dynamodb", endpoint_url=endpoint(), region_name=region(),
                       config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    table = unique_table("ttl")
    ddb.create_table(TableName=table, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    ddb.get_waiter("table_exists").wait(TableName=table)
    now = int(time.time())
    with ddb_batch(ddb, table) as put:
        for i in range(2000):
            put({"pk": {"S": f"keep{i}"}, "exp": {"N": str(now + 86400)}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "expired"}, "exp": {"N": str(now - 60)}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "text"}, "exp": {"S": str(now - 60)}})

    step("DISABLED at first; disabling again is refused")
    check_equal(("DISABLED", None), describe(ddb, table), "initial status")
    expect_client_error(lambda: update(ddb, table, False), "ValidationException", "TimeToLive is already disabled")

    step("enable: the answer echoes the specification; ENABLING until the expiry index is built, then ENABLED")
    answer = update(ddb, table, True)["TimeToLiveSpecification"]
    check_equal({"Enabled": True, "AttributeName": "exp"}, answer, "UpdateTimeToLive answer")
    check(describe(ddb, table) in (("ENABLING", "exp"), ("ENABLED", "exp")), "status right after enabling")

    step("content errors come before the cooldown")
    expect_client_error(lambda: update(ddb, table, True), "ValidationException", "TimeToLive is already enabled")
    expect_client_error(lambda: update(ddb, table, True, "other"), "ValidationException",
                        "TimeToLive is active on a different AttributeName: current AttributeName is exp")
    expect_client_error(lambda: update(ddb, table, False), "ValidationException", COOLDOWN)
    wait_for(ddb, table, "ENABLED", ("ENABLING",))
    check_equal(("ENABLED", "exp"), describe(ddb, table), "enabled status")

    step("the expired item is swept; items with a future or non-number TTL stay")
    deadline = time.time() + 30
    while time.time() < deadline and "Item" in ddb.get_item(TableName=table, Key={"pk": {"S": "expired"}}):
        time.sleep(0.2)
    check("Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "expired"}}), "expired item swept")
    check("Item" in ddb.get_item(TableName=table, Key={"pk": {"S": "text"}}), "string TTL ignored")
    check("Item" in ddb.get_item(TableName=table, Key={"pk": {"S": "keep7"}}), "future TTL kept")

    step("once the cooldown is over, disabling works: DISABLING then DISABLED")
    refused = retry_until_accepted(lambda: update(ddb, table, False))
    check(all(m == COOLDOWN for m in refused), f"only the cooldown refused the change: {refused}")
    wait_for(ddb, table, "DISABLED", ("DISABLING",))
    check_equal(("DISABLED", None), describe(ddb, table), "disabled status")
    expect_client_error(lambda: update(ddb, table, True, "other"), "ValidationException", COOLDOWN)

    step("and enabling another attribute after that")
    retry_until_accepted(lambda: update(ddb, table, True, "other"))
    wait_for(ddb, table, "ENABLED", ("ENABLING",))
    check_equal(("ENABLED", "other"), describe(ddb, table), "enabled on the new attribute")

    step("errors of a missing table")
    expect_client_error(lambda: ddb.describe_time_to_live(TableName=table + "-missing"), "ResourceNotFoundException",
                        f"Requested resource not found: Table: {table}-missing not found")
    ddb.delete_table(TableName=table)


def retry_until_accepted(call):
    """Retries call() while it fails with the cooldown; returns the messages of the refusals."""
    refused = []
    deadline = time.time() + 30
    while True:
        try:
            call()
            return refused
        except ClientError as e:
            refused.append(e.response["Error"]["Message"])
            check_equal("ValidationException", e.response["Error"]["Code"], "refusal code")
            check(time.time() < deadline, f"still refused after 30 s: {refused[-1]}")
            time.sleep(0.25)


class ddb_batch:
    """Writes items 25 at a time with batch_write_item (retrying unprocessed ones)."""

    def __init__(self, ddb, table):
        self.ddb, self.table, self.pending = ddb, table, []

    def __enter__(self):
        return self.add

    def add(self, item):
        self.pending.append({"PutRequest": {"Item": item}})
        if len(self.pending) == 25:
            self.flush()

    def flush(self):
        requests = {self.table: self.pending}
        while requests:
            requests = self.ddb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
        self.pending = []

    def __exit__(self, *exc):
        if self.pending and exc[0] is None:
            self.flush()


if __name__ == "__main__":
    run_main(main)
