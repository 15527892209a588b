#!/usr/bin/env python3
"""boto3's batch_writer against a provisioned table loaded well beyond its write rate.

Run against a server started with `--dynamodb-burst-seconds 1` (the xunit ThrottlingTests does),
so the table keeps one second of burst capacity instead of DynamoDB's 300: the writer must be
throttled (UnprocessedItems and ProvisionedThroughputExceededException), botocore's retries and
batch_writer's resubmission must absorb it, and every item must arrive."""
import time

import boto3
from botocore.config import Config

from compat_common import check, check_equal, endpoint, region, run_main, step, unique_table

WRITE_UNITS = 100
ITEMS = 1500
BURST_SECONDS = 1


def main():
    counts = {"calls": 0, "unprocessed": 0, "throttled": 0}

    def after_call(parsed=None, **_):
        counts["calls"] += 1
        for requests in (parsed or {}).get("UnprocessedItems", {}).values():
            counts["unprocessed"] += len(requests)

    def needs_retry(response=None, **_):
        if response is not None and response[1].get("Error", {}).get("Code") == "ProvisionedThroughputExceededException":
            counts["throttled"] += 1

    session = boto3.session.Session()
    resource = session.resource("dynamodb", endpoint_url=endpoint(), region_name=region(),
                                config=Config(retries={"max_attempts": 10, "mode": "standard"}))
    client = resource.meta.client
    client.meta.events.register("after-call.dynamodb.BatchWriteItem", after_call)
    client.meta.events.register("needs-retry.dynamodb.BatchWriteItem", needs_retry)

    name = unique_table("throttle")
    step(f"create_table with WriteCapacityUnits {WRITE_UNITS}")
    table = resource.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        ProvisionedThroughput={"ReadCapacityUnits": 1000, "WriteCapacityUnits": WRITE_UNITS},
    )
    table.wait_until_exists()

    step(f"batch_writer puts {ITEMS} items (1 write unit each)")
    started = time.monotonic()
    with table.batch_writer() as writer:
        for i in range(ITEMS):
            writer.put_item(Item={"pk": f"item-{i:05d}", "data": "x" * 60})
    elapsed = time.monotonic() - started
    print(f"   {elapsed:.1f} s, {counts}", flush=True)

    step("the table throttled the writer")
    check(counts["unprocessed"] + counts["throttled"] > 0, f"no throttling seen: {counts}")
    # ITEMS units at WRITE_UNITS per second, less the burst the table started with.
    minimum = (ITEMS - WRITE_UNITS * BURST_SECONDS) / WRITE_UNITS
    check(elapsed >= minimum * 0.8, f"{ITEMS} writes took {elapsed:.1f} s, faster than the provisioned rate allows ({minimum:.1f} s)")

    step("every item arrived")
    paginator = client.get_paginator("scan")
    total = sum(page["Count"] for page in paginator.paginate(TableName=name, Select="COUNT", ConsistentRead=True))
    check_equal(ITEMS, total, "items in the table")
    got = table.get_item(Key={"pk": f"item-{ITEMS - 1:05d}"}, ConsistentRead=True).get("Item")
    check(got is not None and got["data"] == "x" * 60, "last item missing or changed")

    step("delete_table")
    table.delete()


if __name__ == "__main__":
    run_main(main)
