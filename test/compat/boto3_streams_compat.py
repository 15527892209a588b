#!/usr/bin/env python3
"""boto3 dynamodb + dynamodbstreams clients: a table with a stream, records for INSERT/MODIFY/REMOVE
read back through describe_stream / get_shard_iterator / get_records, TTL settings, and errors."""
import time

import boto3
from botocore.config import Config

from compat_common import (check, check_equal, endpoint, expect_client_error, region, run_main, step,
                           unique_table)


def make(service):
    return boto3.client(service, endpoint_url=endpoint(), region_name=region(),
                        config=Config(retries={"max_attempts": 2, "mode": "standard"}))


def main():
    ddb = make("dynamodb")
    streams = make("dynamodbstreams")
    table = unique_table("streams")

    step("create_table with a NEW_AND_OLD_IMAGES stream")
    created = ddb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    arn = created["LatestStreamArn"]
    check(arn.endswith("/stream/" + created["LatestStreamLabel"]), "LatestStreamArn ends with the label")
    check(f":table/{table}/stream/" in arn, "stream ARN names the table")

    step("writes")
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    ddb.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="SET n = :n",
                    ExpressionAttributeValues={":n": {"N": "2"}})
    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    ddb.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": {"pk": {"S": "b"}, "n": {"N": "3"}, "tags": {"SS": ["x", "y"]}}}},
        {"PutRequest": {"Item": {"pk": {"S": "c"}, "n": {"N": "5"}}}},
    ]})
    ddb.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": {"pk": {"S": "b"}, "n": {"N": "4"}}}},
        {"DeleteRequest": {"Key": {"pk": {"S": "c"}}}},
    ]})

    step("list_streams / describe_stream")
    listed = streams.list_streams(TableName=table)["Streams"]
    check_equal([arn], [s["StreamArn"] for s in listed], "ListStreams")
    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    check_equal("ENABLED", description["StreamStatus"], "StreamStatus")
    check_equal("NEW_AND_OLD_IMAGES", description["StreamViewType"], "StreamViewType")
    shard = description["Shards"][0]

    step("get_shard_iterator + get_records")
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    for _ in range(10):
        page = streams.get_records(ShardIterator=iterator, Limit=2)
        records += page["Records"]
        iterator = page["NextShardIterator"]
        if len(records) >= 7:
            break
    check_equal(["INSERT", "MODIFY", "REMOVE", "INSERT", "INSERT", "MODIFY", "REMOVE"],
                [r["eventName"] for r in records], "event names")
    check_equal("1", records[1]["dynamodb"]["OldImage"]["n"]["N"], "MODIFY old image")
    check_equal("2", records[1]["dynamodb"]["NewImage"]["n"]["N"], "MODIFY new image")
    check("NewImage" not in records[2]["dynamodb"], "REMOVE has no new image")
    # batch_write_item puts are stored from their encoding; the records still carry full images.
    check_equal({"pk": {"S": "b"}, "n": {"N": "3"}, "tags": {"SS": ["x", "y"]}}, records[3]["dynamodb"]["NewImage"],
                "batch put INSERT new image")
    check_equal({"pk": {"S": "b"}}, records[3]["dynamodb"]["Keys"], "batch put keys")
    check_equal(("3", "4"), (records[5]["dynamodb"]["OldImage"]["n"]["N"], records[5]["dynamodb"]["NewImage"]["n"]["N"]),
                "batch put MODIFY images")
    check_equal({"pk": {"S": "c"}, "n": {"N": "5"}}, records[6]["dynamodb"]["OldImage"], "batch delete REMOVE old image")
    check(all(r["eventSource"] == "aws:dynamodb" for r in records), "eventSource")

    step("errors")
    expect_client_error(lambda: streams.describe_stream(StreamArn=arn + "-missing"), "ResourceNotFoundException")
    expect_client_error(lambda: streams.get_records(ShardIterator=iterator[:-4] + "AAAA"), "ValidationException")
    expect_client_error(lambda: ddb.update_table(
        TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}), "ValidationException")

    step("time to live")
    check_equal("DISABLED", ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]["TimeToLiveStatus"], "TTL status")
    ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    described = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    for _ in range(100):  # ENABLING while the expiry index is built
        if described["TimeToLiveStatus"] != "ENABLING":
            break
        time.sleep(0.05)
        described = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    check_equal(("ENABLED", "exp"), (described["TimeToLiveStatus"], described["AttributeName"]), "TTL enabled")
    expect_client_error(lambda: ddb.update_time_to_live(
        TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}), "ValidationException")

    step("disable stream")
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    check_equal("DISABLED", streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"], "disabled")
    ddb.delete_table(TableName=table)
    print("OK")


if __name__ == "__main__":
    run_main(main)
