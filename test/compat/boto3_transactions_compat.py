#!/usr/bin/env python3
"""boto3 transactions: transact_write_items (all four actions, CancellationReasons, idempotency
tokens, validation) and transact_get_items, and the resource API's client through it."""
import uuid

import boto3
from botocore.config import Config

from compat_common import (check, check_equal, endpoint, expect_client_error, region, run_main, step,
                           unique_table)

FAST_WAIT = {"Delay": 1, "MaxAttempts": 90}


def main():
    ddb = boto3.client("dynamodb", endpoint_url=endpoint(), region_name=region(),
                       config=Config(retries={"max_attempts": 2, "mode": "standard"}))
    table = unique_table("txn")
    ddb.create_table(TableName=table, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    ddb.get_waiter("table_exists").wait(TableName=table, WaiterConfig=FAST_WAIT)
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]

    step("transact_write_items: put, update, delete, condition check")
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "gone"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "guard"}, "open": {"BOOL": True}})
    response = ddb.transact_write_items(
        ReturnConsumedCapacity="TOTAL",
        TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "b"}, "v": {"S": "new"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": arn, "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET n = n + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Delete": {"TableName": table, "Key": {"pk": {"S": "gone"}}}},
            {"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": "guard"}},
                                "ConditionExpression": "#o = :t", "ExpressionAttributeNames": {"#o": "open"},
                                "ExpressionAttributeValues": {":t": {"BOOL": True}}}},
        ])
    check_equal(8.0, response["ConsumedCapacity"][0]["CapacityUnits"], "transactional write units (4 items x 2)")
    check_equal("2", ddb.get_item(TableName=table, Key={"pk": {"S": "a"}}, ConsistentRead=True)["Item"]["n"]["N"], "updated n")
    check("Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "gone"}}, ConsistentRead=True), "deleted item")

    step("TransactionCanceledException with CancellationReasons")
    error = expect_client_error(
        lambda: ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "c"}}}},
            {"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": "a"}}, "ConditionExpression": "n = :zero",
                                "ExpressionAttributeValues": {":zero": {"N": "0"}},
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        ]),
        "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]")
    reasons = error.response["CancellationReasons"]
    check_equal(["None", "ConditionalCheckFailed"], [r["Code"] for r in reasons], "reason codes")
    check_equal({"pk": {"S": "a"}, "n": {"N": "2"}}, reasons[1]["Item"], "ALL_OLD item on the reason")
    check("Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "c"}}, ConsistentRead=True), "cancelled put")
    try:
        ddb.transact_write_items(TransactItems=[
            {"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": "a"}}, "ConditionExpression": "attribute_not_exists(pk)"}}])
        check(False, "expected TransactionCanceledException")
    except ddb.exceptions.TransactionCanceledException:
        pass  # modelled exception class resolved from the error code

    step("validation")
    expect_client_error(
        lambda: ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "x"}}}},
            {"Delete": {"TableName": table, "Key": {"pk": {"S": "x"}}}}]),
        "ValidationException", "Transaction request cannot include multiple operations on one item")
    expect_client_error(
        lambda: ddb.transact_get_items(TransactItems=[
            {"Get": {"TableName": table, "Key": {"pk": {"S": "x"}}}},
            {"Get": {"TableName": table, "Key": {"pk": {"S": "x"}}}}]),
        "ValidationException", "Transaction request cannot include multiple operations on one item")

    step("ClientRequestToken idempotency")
    token = str(uuid.uuid4())
    items = [{"Update": {"TableName": table, "Key": {"pk": {"S": "a"}}, "UpdateExpression": "ADD n :ten",
                         "ExpressionAttributeValues": {":ten": {"N": "10"}}}}]
    ddb.transact_write_items(ClientRequestToken=token, TransactItems=items)
    ddb.transact_write_items(ClientRequestToken=token, TransactItems=items)
    check_equal("12", ddb.get_item(TableName=table, Key={"pk": {"S": "a"}}, ConsistentRead=True)["Item"]["n"]["N"],
                "n after the same token twice")
    expect_client_error(
        lambda: ddb.transact_write_items(ClientRequestToken=token, TransactItems=[
            {"Delete": {"TableName": table, "Key": {"pk": {"S": "a"}}}}]),
        "IdempotentParameterMismatchException")

    step("transact_get_items with projection")
    got = ddb.transact_get_items(
        ReturnConsumedCapacity="TOTAL",
        TransactItems=[
            {"Get": {"TableName": table, "Key": {"pk": {"S": "b"}}, "ProjectionExpression": "v"}},
            {"Get": {"TableName": table, "Key": {"pk": {"S": "missing"}}}},
        ])
    check_equal([{"Item": {"v": {"S": "new"}}}, {}], got["Responses"], "responses")
    check_equal(4.0, got["ConsumedCapacity"][0]["CapacityUnits"], "transactional read units (2 items x 2)")

    step("resource API: client transact through the resource's meta client")
    resource = boto3.resource("dynamodb", endpoint_url=endpoint(), region_name=region())
    resource.meta.client.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": "from-resource", "n": 3}}}])
    check_equal(3, resource.Table(table).get_item(Key={"pk": "from-resource"}, ConsistentRead=True)["Item"]["n"],
                "item written through the resource client")

    ddb.delete_table(TableName=table)


if __name__ == "__main__":
    run_main(main)
