#!/usr/bin/env python3
"""boto3 PartiQL transactions and index reads: execute_transaction (writes with EXISTS, reads,
CancellationReasons, ClientRequestToken idempotency) and execute_statement SELECT on a global
secondary index, against a DynamoDB-compatible endpoint."""
import uuid

import boto3
from botocore.config import Config

from compat_common import check, check_equal, endpoint, expect_client_error, region, run_main, step, unique_table


def main():
    ddb = boto3.client("dynamodb", endpoint_url=endpoint(), region_name=region(),
                       config=Config(retries={"max_attempts": 2, "mode": "standard"}))
    table = unique_table("pqltx")
    ddb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["n"]}}],
        BillingMode="PAY_PER_REQUEST")
    ddb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    quoted = '"' + table + '"'
    ddb.put_item(TableName=table, Item={"pk": {"S": "acct-a"}, "n": {"N": "100"}, "g": {"S": "accounts"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "acct-b"}, "n": {"N": "0"}, "g": {"S": "accounts"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "open"}, "state": {"S": "yes"}})

    step("execute_transaction: a transfer guarded by EXISTS")
    response = ddb.execute_transaction(TransactStatements=[
        {"Statement": f"UPDATE {quoted} SET n = n - ? WHERE pk = 'acct-a' AND n >= ?", "Parameters": [{"N": "30"}, {"N": "30"}]},
        {"Statement": f"UPDATE {quoted} SET n = n + ? WHERE pk = 'acct-b'", "Parameters": [{"N": "30"}]},
        {"Statement": f"EXISTS(SELECT * FROM {quoted} WHERE pk = 'open' AND state = 'yes')"},
        {"Statement": f"INSERT INTO {quoted} VALUE {{'pk': 'log-1', 'amount': 30}}"},
    ], ReturnConsumedCapacity="TOTAL")
    check_equal([{"TableName": table, "CapacityUnits": 8.0, "WriteCapacityUnits": 8.0}], response["ConsumedCapacity"],
                "transactional write capacity")
    check_equal({"N": "70"}, ddb.get_item(TableName=table, Key={"pk": {"S": "acct-a"}})["Item"]["n"], "debited")
    check_equal({"N": "30"}, ddb.get_item(TableName=table, Key={"pk": {"S": "acct-b"}})["Item"]["n"], "credited")

    step("execute_transaction: cancellation reasons in statement order, nothing written")
    error = expect_client_error(lambda: ddb.execute_transaction(TransactStatements=[
        {"Statement": f"UPDATE {quoted} SET n = n - 500 WHERE pk = 'acct-a' AND n >= 500", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
        {"Statement": f"UPDATE {quoted} SET n = n + 500 WHERE pk = 'acct-b'"},
        {"Statement": f"INSERT INTO {quoted} VALUE {{'pk': 'log-1', 'amount': 500}}"},
    ]), "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, DuplicateItem]")
    reasons = error.response["CancellationReasons"]
    check_equal(["ConditionalCheckFailed", "None", "DuplicateItem"], [r["Code"] for r in reasons], "reason codes")
    check_equal({"N": "70"}, reasons[0]["Item"]["n"], "ALL_OLD item in the reason")
    check_equal({"N": "30"}, ddb.get_item(TableName=table, Key={"pk": {"S": "acct-b"}})["Item"]["n"], "nothing credited")

    step("execute_transaction: ClientRequestToken makes a retry a no-op")
    token = str(uuid.uuid4())
    statements = [{"Statement": f"UPDATE {quoted} SET n = n + 1 WHERE pk = 'acct-b'"}]
    ddb.execute_transaction(TransactStatements=statements, ClientRequestToken=token)
    ddb.execute_transaction(TransactStatements=statements, ClientRequestToken=token)
    check_equal({"N": "31"}, ddb.get_item(TableName=table, Key={"pk": {"S": "acct-b"}})["Item"]["n"], "applied once")
    expect_client_error(lambda: ddb.execute_transaction(
        TransactStatements=[{"Statement": f"UPDATE {quoted} SET n = n + 2 WHERE pk = 'acct-b'"}], ClientRequestToken=token),
        "IdempotentParameterMismatchException")

    step("execute_transaction: reads")
    response = ddb.execute_transaction(TransactStatements=[
        {"Statement": f"SELECT n FROM {quoted} WHERE pk = ?", "Parameters": [{"S": "acct-a"}]},
        {"Statement": f"SELECT * FROM {quoted} WHERE pk = 'nobody'"},
    ])
    check_equal([{"Item": {"n": {"N": "70"}}}, {}], response["Responses"], "read responses")
    expect_client_error(lambda: ddb.execute_transaction(TransactStatements=[
        {"Statement": f"SELECT * FROM {quoted} WHERE pk = 'acct-a'"},
        {"Statement": f"DELETE FROM {quoted} WHERE pk = 'acct-b'"},
    ]), "ValidationException", "Transaction statements must be either all reads or all writes")

    step("execute_statement: SELECT on a global secondary index")
    response = ddb.execute_statement(Statement=f"SELECT * FROM {quoted}.\"by-g\" WHERE g = 'accounts'")
    items = sorted(response["Items"], key=lambda item: item["pk"]["S"])
    check_equal([{"pk": {"S": "acct-a"}, "g": {"S": "accounts"}, "n": {"N": "70"}},
                 {"pk": {"S": "acct-b"}, "g": {"S": "accounts"}, "n": {"N": "31"}}], items, "index items (INCLUDE projection)")
    response = ddb.execute_statement(Statement=f"SELECT pk FROM {quoted}.\"by-g\"", Limit=1)
    check("NextToken" in response, "a Limit-stopped index scan returns NextToken")
    check_equal({"g", "pk"}, set(response["LastEvaluatedKey"].keys()), "index LastEvaluatedKey")
    expect_client_error(lambda: ddb.execute_statement(Statement=f"SELECT * FROM {quoted}.\"missing\""),
                        "ValidationException", "The table does not have the specified index: missing")

    ddb.delete_table(TableName=table)


if __name__ == "__main__":
    run_main(main)
