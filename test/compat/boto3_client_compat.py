#!/usr/bin/env python3
"""boto3 low-level client against a DynamoDB-compatible endpoint: tables, waiters, items with
conditions, query/scan paginators, batch operations and error codes."""
import re

import boto3
from botocore.config import Config

from compat_common import (check, check_equal, endpoint, expect_client_error, fail, region, run_main, step,
                           unique_table)

FAST_WAIT = {"Delay": 1, "MaxAttempts": 90}


def make_client():
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint(),
        region_name=region(),
        config=Config(retries={"max_attempts": 2, "mode": "standard"}),
    )


def write_all(ddb, table, requests):
    for start in range(0, len(requests), 25):
        pending = {table: requests[start:start + 25]}
        for _ in range(20):
            response = ddb.batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                break
        check(not pending, "batch_write_item left unprocessed items")


def main():
    ddb = make_client()
    table = unique_table("client")

    step("create_table + waiter table_exists")
    created = ddb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    check(created["TableDescription"]["TableStatus"] in ("CREATING", "ACTIVE"), "unexpected status after create")
    ddb.get_waiter("table_exists").wait(TableName=table, WaiterConfig=FAST_WAIT)
    description = ddb.describe_table(TableName=table)["Table"]
    check_equal("ACTIVE", description["TableStatus"], "TableStatus")
    check(re.fullmatch(r"arn:aws:dynamodb:us-east-1:\d{12}:table/" + re.escape(table), description["TableArn"]),
          f"TableArn {description['TableArn']}")
    check_equal("PAY_PER_REQUEST", description["BillingModeSummary"]["BillingMode"], "BillingMode")

    step("list_tables paginator")
    names = [n for page in ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2})
             for n in page["TableNames"]]
    check(table in names, "created table missing from list_tables")
    check_equal(sorted(names), names, "list_tables order")

    step("put_item with condition")
    item = {
        "pk": {"S": "user#1"}, "sk": {"N": "1"},
        "name": {"S": "Ada"}, "big": {"N": "12345678901234567890123456789012345678"},
        "bin": {"B": b"\x00\x01\xff"}, "flag": {"BOOL": True}, "nothing": {"NULL": True},
        "tags": {"SS": ["a", "b"]}, "nums": {"NS": ["1", "2"]}, "blobs": {"BS": [b"x", b"y"]},
        "doc": {"M": {"list": {"L": [{"S": "x"}, {"N": "2"}]}}},
    }
    ddb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
    expect_client_error(
        lambda: ddb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)"),
        "ConditionalCheckFailedException", "The conditional request failed")

    step("get_item")
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "user#1"}, "sk": {"N": "1"}}, ConsistentRead=True)["Item"]
    check_equal("12345678901234567890123456789012345678", got["big"]["N"], "38-digit number")
    check_equal(b"\x00\x01\xff", got["bin"]["B"], "binary")
    check_equal(["a", "b"], sorted(got["tags"]["SS"]), "string set")
    check_equal([b"x", b"y"], sorted(got["blobs"]["BS"]), "binary set")
    check_equal(item["doc"], got["doc"], "nested map")
    check_equal(True, got["nothing"]["NULL"], "NULL")
    missing = ddb.get_item(TableName=table, Key={"pk": {"S": "none"}, "sk": {"N": "0"}})
    check("Item" not in missing, "get_item of a missing key returned an Item")

    step("update_item")
    updated = ddb.update_item(
        TableName=table, Key={"pk": {"S": "user#1"}, "sk": {"N": "1"}},
        UpdateExpression="SET #n = :n, visits = if_not_exists(visits, :zero) + :one ADD tags :t REMOVE nothing",
        ConditionExpression="flag = :true",
        ExpressionAttributeNames={"#n": "name"},
        ExpressionAttributeValues={":n": {"S": "Grace"}, ":zero": {"N": "0"}, ":one": {"N": "1"},
                                   ":t": {"SS": ["c"]}, ":true": {"BOOL": True}},
        ReturnValues="UPDATED_NEW",
    )["Attributes"]
    check_equal({"S": "Grace"}, updated["name"], "updated name")
    check_equal({"N": "1"}, updated["visits"], "visits")
    check_equal(["a", "b", "c"], sorted(updated["tags"]["SS"]), "tags after ADD")
    failed = expect_client_error(
        lambda: ddb.update_item(
            TableName=table, Key={"pk": {"S": "user#1"}, "sk": {"N": "1"}},
            UpdateExpression="SET visits = :x", ConditionExpression="visits > :big",
            ExpressionAttributeValues={":x": {"N": "0"}, ":big": {"N": "100"}}),
        "ConditionalCheckFailedException", "The conditional request failed")
    check("Item" not in failed.response, "Item returned without ReturnValuesOnConditionCheckFailure")

    step("delete_item with condition")
    expect_client_error(
        lambda: ddb.delete_item(TableName=table, Key={"pk": {"S": "user#1"}, "sk": {"N": "1"}},
                                ConditionExpression="visits = :two", ExpressionAttributeValues={":two": {"N": "2"}}),
        "ConditionalCheckFailedException", "The conditional request failed")
    old = ddb.delete_item(TableName=table, Key={"pk": {"S": "user#1"}, "sk": {"N": "1"}},
                          ConditionExpression="visits = :one", ExpressionAttributeValues={":one": {"N": "1"}},
                          ReturnValues="ALL_OLD")["Attributes"]
    check_equal({"S": "Grace"}, old["name"], "ALL_OLD name")

    step("batch_write_item (60 items)")
    write_all(ddb, table, [
        {"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"N": str(i)}, "even": {"BOOL": i % 2 == 0}}}}
        for i in range(60)
    ])

    step("query paginator across pages")
    pages = list(ddb.get_paginator("query").paginate(
        TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
        PaginationConfig={"PageSize": 7}))
    check(len(pages) >= 9, f"expected at least 9 query pages, got {len(pages)}")
    keys = [int(i["sk"]["N"]) for page in pages for i in page["Items"]]
    check_equal(list(range(60)), keys, "query results in sort-key order")
    check(all("LastEvaluatedKey" in p for p in pages[:-1]), "non-final page without LastEvaluatedKey")

    backwards = ddb.query(TableName=table, KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
                          ExpressionAttributeValues={":p": {"S": "p"}, ":a": {"N": "10"}, ":b": {"N": "14"}},
                          ScanIndexForward=False)
    check_equal([14, 13, 12, 11, 10], [int(i["sk"]["N"]) for i in backwards["Items"]], "descending query")

    counted = ddb.query(TableName=table, KeyConditionExpression="pk = :p", FilterExpression="even = :t",
                        ExpressionAttributeValues={":p": {"S": "p"}, ":t": {"BOOL": True}}, Select="COUNT")
    check_equal(30, counted["Count"], "filtered count")
    check_equal(60, counted["ScannedCount"], "scanned count")

    step("scan paginator across pages")
    scan_pages = list(ddb.get_paginator("scan").paginate(TableName=table, PaginationConfig={"PageSize": 10}))
    check(len(scan_pages) >= 6, f"expected at least 6 scan pages, got {len(scan_pages)}")
    check_equal(60, sum(p["Count"] for p in scan_pages), "scanned items")
    segments = set()
    for segment in range(3):
        for page in ddb.get_paginator("scan").paginate(TableName=table, Segment=segment, TotalSegments=3,
                                                       PaginationConfig={"PageSize": 9}):
            for i in page["Items"]:
                key = int(i["sk"]["N"])
                check(key not in segments, f"item {key} returned by two segments")
                segments.add(key)
    check_equal(set(range(60)), segments, "parallel scan coverage")

    step("batch_get_item")
    keys = [{"pk": {"S": "p"}, "sk": {"N": str(i)}} for i in range(0, 60, 2)]
    found = []
    request = {table: {"Keys": keys, "ProjectionExpression": "sk"}}
    for _ in range(20):
        response = ddb.batch_get_item(RequestItems=request)
        found.extend(response["Responses"].get(table, []))
        request = response.get("UnprocessedKeys") or {}
        if not request:
            break
    check_equal(sorted(range(0, 60, 2)), sorted(int(i["sk"]["N"]) for i in found), "batch_get_item keys")
    check(all(set(i) == {"sk"} for i in found), "projection not applied in batch_get_item")
    expect_client_error(
        lambda: ddb.batch_get_item(RequestItems={table: {"Keys": [keys[0], keys[0]]}}),
        "ValidationException", "Provided list of item keys contains duplicates")

    step("error codes")
    missing_table = unique_table("missing")
    expect_client_error(lambda: ddb.get_item(TableName=missing_table, Key={"pk": {"S": "x"}}),
                        "ResourceNotFoundException", "Requested resource not found")
    expect_client_error(lambda: ddb.describe_table(TableName=missing_table),
                        "ResourceNotFoundException", f"Requested resource not found: Table: {missing_table} not found")
    expect_client_error(lambda: ddb.put_item(TableName=table, Item={"pk": {"N": "1"}, "sk": {"N": "1"}}),
                        "ValidationException",
                        "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N")
    expect_client_error(lambda: ddb.get_item(TableName=table, Key={"pk": {"S": "x"}}),
                        "ValidationException", "The provided key element does not match the schema")
    try:
        ddb.get_item(TableName=missing_table, Key={"pk": {"S": "x"}})
        fail("expected ResourceNotFoundException")
    except ddb.exceptions.ResourceNotFoundException:
        pass  # modelled exception class resolved from the error code

    step("tags: tag_resource, list_tags_of_resource paginator, untag_resource")
    arn = description["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i:02d}", "Value": f"v{i}"} for i in range(23)])
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "k00", "Value": "replaced"}])
    pages = list(ddb.get_paginator("list_tags_of_resource").paginate(ResourceArn=arn))
    check(len(pages) > 1, "list_tags_of_resource did not page")
    tags = {t["Key"]: t["Value"] for page in pages for t in page["Tags"]}
    check_equal(23, len(tags), "tag count")
    check_equal("replaced", tags["k00"], "replaced tag value")
    ddb.untag_resource(ResourceArn=arn, TagKeys=["k00", "k01"])
    tags = [t for page in ddb.get_paginator("list_tags_of_resource").paginate(ResourceArn=arn) for t in page["Tags"]]
    check_equal(21, len(tags), "tag count after untag")
    expect_client_error(lambda: ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "aws:x", "Value": "y"}]),
                        "ValidationException",
                        "One or more parameter values were invalid: Tag keys starting with 'aws:' are reserved for system use")
    missing_arn = arn.rsplit("/", 1)[0] + "/" + missing_table
    expect_client_error(lambda: ddb.list_tags_of_resource(ResourceArn=missing_arn), "ResourceNotFoundException",
                        f"Requested resource not found: ResourcArn: {missing_arn} not found")

    step("describe_endpoints, describe_limits")
    endpoints = ddb.describe_endpoints()["Endpoints"]
    check_equal(1, len(endpoints), "endpoint count")
    check_equal(1440, endpoints[0]["CachePeriodInMinutes"], "CachePeriodInMinutes")
    check_equal(endpoint().split("://", 1)[1].rstrip("/"), endpoints[0]["Address"], "endpoint address")
    limits = ddb.describe_limits()
    check_equal(40000, limits["TableMaxWriteCapacityUnits"], "TableMaxWriteCapacityUnits")

    step("table class, deletion protection, SSE")
    updated = ddb.update_table(TableName=table, TableClass="STANDARD_INFREQUENT_ACCESS", DeletionProtectionEnabled=True)
    check_equal("STANDARD_INFREQUENT_ACCESS", updated["TableDescription"]["TableClassSummary"]["TableClass"], "TableClass")
    expect_client_error(lambda: ddb.delete_table(TableName=table), "ValidationException",
                        "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
    updated = ddb.update_table(TableName=table, DeletionProtectionEnabled=False, SSESpecification={"Enabled": True, "SSEType": "KMS"})
    check_equal("ENABLED", updated["TableDescription"]["SSEDescription"]["Status"], "SSE status")
    check(updated["TableDescription"]["SSEDescription"]["KMSMasterKeyArn"].startswith("arn:aws:kms:us-east-1:"), "KMS key ARN")

    step("return_consumed_capacity")
    put = ddb.put_item(TableName=table, Item={"pk": {"S": "cap"}, "sk": {"N": "1"}, "v": {"S": "x" * 2000}},
                       ReturnConsumedCapacity="INDEXES")
    check_equal(2.0, put["ConsumedCapacity"]["CapacityUnits"], "2 KB put costs 2 write units")
    check_equal(2.0, put["ConsumedCapacity"]["Table"]["CapacityUnits"], "table part")
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "cap"}, "sk": {"N": "1"}}, ReturnConsumedCapacity="TOTAL")
    check_equal(0.5, got["ConsumedCapacity"]["CapacityUnits"], "eventually consistent get costs half a unit")

    step("delete_table + waiter table_not_exists")
    deleted = ddb.delete_table(TableName=table)
    check_equal(table, deleted["TableDescription"]["TableName"], "deleted table name")
    ddb.get_waiter("table_not_exists").wait(TableName=table, WaiterConfig=FAST_WAIT)
    expect_client_error(lambda: ddb.describe_table(TableName=table), "ResourceNotFoundException")


if __name__ == "__main__":
    run_main(main)
