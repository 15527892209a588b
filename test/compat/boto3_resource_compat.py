#!/usr/bin/env python3
"""boto3 resource API (Table objects, type conversion, conditions, batch_writer) against a
DynamoDB-compatible endpoint."""
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError

from compat_common import check, check_equal, endpoint, fail, region, run_main, step, unique_table

FAST_WAIT = {"Delay": 1, "MaxAttempts": 90}


def main():
    dynamodb = boto3.resource("dynamodb", endpoint_url=endpoint(), region_name=region())
    name = unique_table("resource")

    step("create_table + wait_until_exists")
    table = dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    table.wait_until_exists(WaiterConfig=FAST_WAIT)
    table.reload()
    check_equal("ACTIVE", table.table_status, "table_status")
    check_equal(5, table.provisioned_throughput["ReadCapacityUnits"], "ReadCapacityUnits")
    check_equal([{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                table.key_schema, "key_schema")

    step("put_item / get_item type round trip")
    item = {
        "pk": "user", "sk": "profile",
        "name": "Ada", "age": Decimal("36"), "pi": Decimal("3.14159265358979323846264338327950288"),
        "big": Decimal("12345678901234567890123456789012345678"),
        "active": True, "nothing": None, "raw": Binary(b"\x00\xff"),
        "tags": {"x", "y"}, "scores": {Decimal(1), Decimal("2.5")},
        "history": [Decimal(1), "two", {"three": [True]}],
        "address": {"city": "London", "zip": "NW1"},
        "empty": "",
    }
    table.put_item(Item=item)
    got = table.get_item(Key={"pk": "user", "sk": "profile"}, ConsistentRead=True)["Item"]
    check_equal(item, got, "item round trip")
    check(isinstance(got["age"], Decimal), "numbers come back as Decimal")
    check(isinstance(got["tags"], set), "string sets come back as set")

    step("conditional put_item")
    try:
        table.put_item(Item={"pk": "user", "sk": "profile"}, ConditionExpression=Attr("pk").not_exists())
        fail("expected ConditionalCheckFailedException")
    except table.meta.client.exceptions.ConditionalCheckFailedException as e:
        check_equal("The conditional request failed", e.response["Error"]["Message"], "message")

    step("update_item with conditions")
    updated = table.update_item(
        Key={"pk": "user", "sk": "profile"},
        UpdateExpression="SET age = age + :one, address.city = :city REMOVE nothing ADD tags :t",
        ConditionExpression=Attr("active").eq(True) & Attr("age").between(Decimal(30), Decimal(40)),
        ExpressionAttributeValues={":one": Decimal(1), ":city": "Paris", ":t": {"z"}},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    check_equal(Decimal(37), updated["age"], "age")
    check_equal("Paris", updated["address"]["city"], "city")
    check_equal({"x", "y", "z"}, updated["tags"], "tags")
    check("nothing" not in updated, "REMOVE did not remove")
    try:
        table.update_item(Key={"pk": "user", "sk": "profile"}, UpdateExpression="SET age = :a",
                          ConditionExpression=Attr("age").lt(Decimal(10)),
                          ExpressionAttributeValues={":a": Decimal(0)})
        fail("expected ConditionalCheckFailedException")
    except ClientError as e:
        check_equal("ConditionalCheckFailedException", e.response["Error"]["Code"], "error code")

    step("batch_writer (120 items)")
    with table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
        for i in range(120):
            batch.put_item(Item={"pk": "order", "sk": f"{i:04d}", "n": Decimal(i), "odd": i % 2 == 1})
        batch.delete_item(Key={"pk": "order", "sk": "0000"})

    step("query with Key conditions and manual paging")
    seen = []
    kwargs = {"KeyConditionExpression": Key("pk").eq("order") & Key("sk").begins_with("00"), "Limit": 13}
    pages = 0
    while True:
        response = table.query(**kwargs)
        pages += 1
        seen.extend(i["sk"] for i in response["Items"])
        if "LastEvaluatedKey" not in response:
            break
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    check_equal([f"{i:04d}" for i in range(1, 100)], seen, "query sort keys")
    check(pages >= 8, f"expected several pages, got {pages}")
    between = table.query(KeyConditionExpression=Key("pk").eq("order") & Key("sk").between("0010", "0012"),
                          ScanIndexForward=False)
    check_equal(["0012", "0011", "0010"], [i["sk"] for i in between["Items"]], "between descending")

    step("scan with filter")
    matched = []
    kwargs = {"FilterExpression": Attr("odd").eq(True) & Attr("n").gte(Decimal(100))}
    while True:
        response = table.scan(**kwargs)
        matched.extend(i["sk"] for i in response["Items"])
        if "LastEvaluatedKey" not in response:
            break
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    check_equal(sorted(f"{i:04d}" for i in range(101, 120, 2)), sorted(matched), "scan filter")

    step("batch_get_item via resource")
    response = dynamodb.batch_get_item(RequestItems={
        name: {"Keys": [{"pk": "order", "sk": "0005"}, {"pk": "order", "sk": "0006"}, {"pk": "user", "sk": "profile"}]}
    })
    check_equal(3, len(response["Responses"][name]), "batch_get_item count")

    step("delete + wait_until_not_exists")
    table.delete_item(Key={"pk": "user", "sk": "profile"})
    check("Item" not in table.get_item(Key={"pk": "user", "sk": "profile"}), "deleted item still there")
    table.delete()
    table.wait_until_not_exists(WaiterConfig=FAST_WAIT)
    names = [t.name for t in dynamodb.tables.all()]
    check(name not in names, "deleted table still listed")


if __name__ == "__main__":
    run_main(main)
