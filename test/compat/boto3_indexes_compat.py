#!/usr/bin/env python3
"""boto3 against secondary indexes: GSIs and LSIs at CreateTable, projections, sparse indexes,
Query/Scan on indexes (paginators, parallel scan), UpdateTable adding a GSI with backfill and
deleting it, and DynamoDB's validation errors."""
import boto3
from botocore.config import Config

from compat_common import check, check_equal, endpoint, expect_client_error, region, run_main, step, unique_table

FAST_WAIT = {"Delay": 1, "MaxAttempts": 120}


def make_client():
    return boto3.client("dynamodb", endpoint_url=endpoint(), region_name=region(),
                        config=Config(retries={"max_attempts": 2, "mode": "standard"}))


def create_indexed_table(ddb, name):
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "user", "AttributeType": "S"},
            {"AttributeName": "ts", "AttributeType": "N"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "score", "AttributeType": "N"},
        ],
        KeySchema=[{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "ts", "KeyType": "RANGE"}],
        LocalSecondaryIndexes=[{
            "IndexName": "by-score",
            "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "score", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }],
        GlobalSecondaryIndexes=[{
            "IndexName": "by-status",
            "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}, {"AttributeName": "ts", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]},
        }],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig=FAST_WAIT)


def put_items(ddb, name):
    """ann's items with put_item, bob's with batch_write_item: both paths keep the indexes."""
    for user in ("ann", "bob"):
        batch = []
        for ts in range(1, 31):
            item = {"user": {"S": user}, "ts": {"N": str(ts)}, "title": {"S": f"{user}-{ts}"},
                    "body": {"S": "x" * 50}, "score": {"N": str(100 - ts)}}
            if ts % 3 != 0:  # every third item has no status: the GSI is sparse
                item["status"] = {"S": "open" if ts % 2 else "done"}
            if user == "ann":
                ddb.put_item(TableName=name, Item=item)
            else:
                batch.append({"PutRequest": {"Item": item}})
        for start in range(0, len(batch), 25):
            response = ddb.batch_write_item(RequestItems={name: batch[start:start + 25]})
            check_equal({}, response["UnprocessedItems"], "batch_write_item UnprocessedItems")


def main():
    ddb = make_client()
    name = unique_table("indexes")
    step("create a table with an LSI and a GSI")
    create_indexed_table(ddb, name)
    description = ddb.describe_table(TableName=name)["Table"]
    gsi = description["GlobalSecondaryIndexes"][0]
    check_equal("by-status", gsi["IndexName"], "GSI name")
    check_equal("ACTIVE", gsi["IndexStatus"], "GSI status")
    check(gsi["IndexArn"].endswith(f":table/{name}/index/by-status"), "GSI ARN: " + gsi["IndexArn"])
    check_equal({"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]}, gsi["Projection"], "GSI projection")
    check_equal("by-score", description["LocalSecondaryIndexes"][0]["IndexName"], "LSI name")

    step("write items; the GSI holds only items with a status")
    put_items(ddb, name)
    paginator = ddb.get_paginator("query")
    pages = paginator.paginate(TableName=name, IndexName="by-status", KeyConditionExpression="#s = :s",
                               ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "open"}},
                               PaginationConfig={"PageSize": 4})
    items = [i for page in pages for i in page["Items"]]
    expected = sorted([(u, ts) for u in ("ann", "bob") for ts in range(1, 31) if ts % 3 != 0 and ts % 2])
    check_equal(len(expected), len(items), "open items via GSI")
    check_equal({"user", "ts", "status", "title"}, set(items[0].keys()), "INCLUDE projection attributes")
    timestamps = [int(i["ts"]["N"]) for i in items]
    check(all(timestamps[i] <= timestamps[i + 1] for i in range(len(timestamps) - 1)), "GSI sort key order")

    step("ReturnItemCollectionMetrics on a table with a local index")
    metrics = ddb.put_item(TableName=name, Item={"user": {"S": "ann"}, "ts": {"N": "99"}, "score": {"N": "1"}},
                           ReturnItemCollectionMetrics="SIZE")["ItemCollectionMetrics"]
    check_equal({"user": {"S": "ann"}}, metrics["ItemCollectionKey"], "ItemCollectionKey")
    check_equal([0.0, 1.0], metrics["SizeEstimateRangeGB"], "SizeEstimateRangeGB")
    ddb.delete_item(TableName=name, Key={"user": {"S": "ann"}, "ts": {"N": "99"}})

    step("Select ALL_ATTRIBUTES on a GSI that does not project ALL is refused")
    expect_client_error(lambda: ddb.query(TableName=name, IndexName="by-status", Select="ALL_ATTRIBUTES",
                                          KeyConditionExpression="#s = :s", ExpressionAttributeNames={"#s": "status"},
                                          ExpressionAttributeValues={":s": {"S": "open"}}),
                        "ValidationException",
                        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index by-status because its projection type is not ALL")
    expect_client_error(lambda: ddb.query(TableName=name, IndexName="by-status", ConsistentRead=True,
                                          KeyConditionExpression="#s = :s", ExpressionAttributeNames={"#s": "status"},
                                          ExpressionAttributeValues={":s": {"S": "open"}}),
                        "ValidationException", "Consistent reads are not supported on global secondary indexes")
    expect_client_error(lambda: ddb.query(TableName=name, IndexName="nope", KeyConditionExpression="#u = :u",
                                          ExpressionAttributeNames={"#u": "user"}, ExpressionAttributeValues={":u": {"S": "ann"}}),
                        "ValidationException", "The table does not have the specified index: nope")

    step("LSI: query in score order, KEYS_ONLY projection, ALL_ATTRIBUTES fetches from the table")
    response = ddb.query(TableName=name, IndexName="by-score", KeyConditionExpression="#u = :u AND score < :max",
                         ExpressionAttributeNames={"#u": "user"},
                         ExpressionAttributeValues={":u": {"S": "ann"}, ":max": {"N": "75"}})
    scores = [int(i["score"]["N"]) for i in response["Items"]]
    check_equal(list(range(70, 75)), scores, "LSI range and order")
    check_equal({"user", "ts", "score"}, set(response["Items"][0].keys()), "KEYS_ONLY projection")
    full = ddb.query(TableName=name, IndexName="by-score", Select="ALL_ATTRIBUTES", ConsistentRead=True,
                     KeyConditionExpression="#u = :u", ExpressionAttributeNames={"#u": "user"},
                     ExpressionAttributeValues={":u": {"S": "bob"}}, Limit=1, ScanIndexForward=False)
    check_equal("bob-1", full["Items"][0]["title"]["S"], "LSI descending first item, all attributes")
    check_equal({"user", "ts", "score"}, set(full["LastEvaluatedKey"].keys()), "LSI LastEvaluatedKey has table and index keys")

    step("an update moves an item within the GSI; a delete removes it")
    ddb.update_item(TableName=name, Key={"user": {"S": "ann"}, "ts": {"N": "1"}},
                    UpdateExpression="SET #s = :d", ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":d": {"S": "done"}})
    ddb.delete_item(TableName=name, Key={"user": {"S": "bob"}, "ts": {"N": "1"}})
    open_now = ddb.query(TableName=name, IndexName="by-status", KeyConditionExpression="#s = :s AND ts = :t",
                         ExpressionAttributeNames={"#s": "status"},
                         ExpressionAttributeValues={":s": {"S": "open"}, ":t": {"N": "1"}})
    check_equal(0, open_now["Count"], "ts=1 no longer open")
    done_now = ddb.query(TableName=name, IndexName="by-status", KeyConditionExpression="#s = :s AND ts = :t",
                         ExpressionAttributeNames={"#s": "status"},
                         ExpressionAttributeValues={":s": {"S": "done"}, ":t": {"N": "1"}})
    check_equal([("ann", "1")], [(i["user"]["S"], i["ts"]["N"]) for i in done_now["Items"]], "moved to done")

    step("a wrongly typed index key is refused and nothing is written")
    expect_client_error(lambda: ddb.put_item(TableName=name, Item={"user": {"S": "cy"}, "ts": {"N": "1"}, "status": {"N": "5"}}),
                        "ValidationException",
                        "One or more parameter values were invalid: Type mismatch for Index Key status Expected: S Actual: N IndexName: by-status")
    check("Item" not in ddb.get_item(TableName=name, Key={"user": {"S": "cy"}, "ts": {"N": "1"}}), "refused item not stored")

    step("parallel scan of the GSI covers every indexed item exactly once")
    seen = []
    for segment in range(3):
        for page in ddb.get_paginator("scan").paginate(TableName=name, IndexName="by-status", Segment=segment,
                                                       TotalSegments=3, PaginationConfig={"PageSize": 7}):
            seen.extend((i["user"]["S"], i["ts"]["N"]) for i in page["Items"])
    indexed = [(u, str(ts)) for u in ("ann", "bob") for ts in range(1, 31) if ts % 3 != 0 and not (u == "bob" and ts == 1)]
    check_equal(sorted(indexed), sorted(seen), "parallel GSI scan")

    step("UpdateTable adds a GSI: CREATING with backfill, then ACTIVE and complete")
    ddb.update_table(TableName=name,
                     AttributeDefinitions=[{"AttributeName": "title", "AttributeType": "S"}],
                     GlobalSecondaryIndexUpdates=[{"Create": {
                         "IndexName": "by-title",
                         "KeySchema": [{"AttributeName": "title", "KeyType": "HASH"}],
                         "Projection": {"ProjectionType": "ALL"}}}])
    for _ in range(120):
        index = [i for i in ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"] if i["IndexName"] == "by-title"][0]
        if index["IndexStatus"] == "ACTIVE":
            break
        check(index.get("Backfilling") is True, "Backfilling while CREATING")
        __import__("time").sleep(0.5)
    check_equal("ACTIVE", index["IndexStatus"], "new GSI becomes ACTIVE")
    check_equal(59, index["ItemCount"], "backfilled item count")
    found = ddb.query(TableName=name, IndexName="by-title", KeyConditionExpression="title = :t",
                      ExpressionAttributeValues={":t": {"S": "bob-17"}})
    check_equal("x" * 50, found["Items"][0]["body"]["S"], "ALL projection via backfilled GSI")

    step("UpdateTable deletes the GSI; its attribute definition goes with it")
    ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-title"}}])
    table = ddb.describe_table(TableName=name)["Table"]
    check_equal(["by-status"], [i["IndexName"] for i in table["GlobalSecondaryIndexes"]], "GSI list after delete")
    check("title" not in [a["AttributeName"] for a in table["AttributeDefinitions"]], "title definition pruned")
    expect_client_error(lambda: ddb.query(TableName=name, IndexName="by-title", KeyConditionExpression="title = :t",
                                          ExpressionAttributeValues={":t": {"S": "bob-17"}}),
                        "ValidationException", "The table does not have the specified index: by-title")

    step("a restored backup has its own indexes; the source's are unchanged")
    backup_arn = ddb.create_backup(TableName=name, BackupName="with-indexes")["BackupDetails"]["BackupArn"]
    restored = unique_table("restored")
    ddb.restore_table_from_backup(TargetTableName=restored, BackupArn=backup_arn,
                                  GlobalSecondaryIndexOverride=[{
                                      "IndexName": "by-status",
                                      "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}, {"AttributeName": "ts", "KeyType": "RANGE"}],
                                      "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]}}])
    ddb.get_waiter("table_exists").wait(TableName=restored, WaiterConfig=FAST_WAIT)
    for _ in range(120):
        if ddb.describe_table(TableName=restored)["Table"]["TableStatus"] == "ACTIVE":
            break
        __import__("time").sleep(0.5)
    ddb.put_item(TableName=restored, Item={"user": {"S": "zed"}, "ts": {"N": "500"}, "status": {"S": "open"}})
    def open_users(table):
        pages = ddb.get_paginator("query").paginate(TableName=table, IndexName="by-status", KeyConditionExpression="#s = :s",
                                                    ExpressionAttributeNames={"#s": "status"},
                                                    ExpressionAttributeValues={":s": {"S": "open"}})
        return sorted((i["user"]["S"], i["ts"]["N"]) for page in pages for i in page["Items"])
    source_open = open_users(name)
    check(("zed", "500") not in source_open, "an item written to the restored table must not show in the source's index")
    check_equal(source_open + [("zed", "500")], sorted(open_users(restored)), "restored index = source index + its own write")
    ddb.delete_table(TableName=restored)

    step("CreateTable index validation")
    expect_client_error(lambda: ddb.create_table(
        TableName=unique_table("bad"), BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}],
        LocalSecondaryIndexes=[{"IndexName": "lsi", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "ALL"}}]),
        "ValidationException",
        "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
    expect_client_error(lambda: ddb.create_table(
        TableName=unique_table("bad"), BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"},
                              {"AttributeName": "c", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{"IndexName": "gsi", "KeySchema": [{"AttributeName": "b", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}]),
        "ValidationException",
        "One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [a, b, c], keys used: [a, b]")

    ddb.delete_table(TableName=name)


if __name__ == "__main__":
    run_main(main)
