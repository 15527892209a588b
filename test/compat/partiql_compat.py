#!/usr/bin/env python3
"""boto3 PartiQL: execute_statement (with parameters, paging through NextToken, errors) and
batch_execute_statement against a DynamoDB-compatible endpoint."""
import boto3
from botocore.config import Config

from compat_common import check, check_equal, endpoint, expect_client_error, region, run_main, step, unique_table


def main():
    ddb = boto3.client("dynamodb", endpoint_url=endpoint(), region_name=region(),
                       config=Config(retries={"max_attempts": 2, "mode": "standard"}))
    table = unique_table("partiql")
    ddb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST")
    ddb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    quoted = '"' + table + '"'

    step("execute_statement INSERT with parameters")
    for i in range(5):
        response = ddb.execute_statement(
            Statement=f"INSERT INTO {quoted} VALUE {{'pk': ?, 'sk': ?, 'name': ?, 'tags': <<'x'>>}}",
            Parameters=[{"S": "artist"}, {"N": str(i)}, {"S": f"song {i}"}])
        check_equal([], response.get("Items"), "INSERT response Items")

    step("execute_statement SELECT as a query, with a sort key range and projection")
    response = ddb.execute_statement(Statement=f"SELECT sk, name FROM {quoted} WHERE pk = 'artist' AND sk > 2")
    check_equal([{"sk": {"N": "3"}, "name": {"S": "song 3"}}, {"sk": {"N": "4"}, "name": {"S": "song 4"}}],
                response["Items"], "projected query items")

    step("execute_statement SELECT paged with Limit and NextToken")
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"Statement": f"SELECT * FROM {quoted}", "Limit": 2}
        if token:
            kwargs["NextToken"] = token
        page = ddb.execute_statement(**kwargs)
        seen.extend(int(item["sk"]["N"]) for item in page["Items"])
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    check_equal([0, 1, 2, 3, 4], sorted(seen), "items over all pages")
    check(pages >= 3, f"expected at least 3 pages, got {pages}")

    step("execute_statement UPDATE ... RETURNING ALL NEW *")
    response = ddb.execute_statement(
        Statement=f"UPDATE {quoted} SET plays = 1 SET tags = set_add(tags, <<'y'>>) WHERE pk = ? AND sk = ? RETURNING ALL NEW *",
        Parameters=[{"S": "artist"}, {"N": "0"}])
    check_equal({"N": "1"}, response["Items"][0]["plays"], "updated plays")
    check_equal(["x", "y"], sorted(response["Items"][0]["tags"]["SS"]), "updated tags")

    step("errors: duplicate insert, failed condition, malformed statement, missing key")
    expect_client_error(lambda: ddb.execute_statement(Statement=f"INSERT INTO {quoted} VALUE {{'pk': 'artist', 'sk': 1}}"),
                        "DuplicateItemException", "Duplicate primary key exists in table")
    expect_client_error(lambda: ddb.execute_statement(Statement=f"DELETE FROM {quoted} WHERE pk = 'artist' AND sk = 1 AND name = 'nope'"),
                        "ConditionalCheckFailedException", "The conditional request failed")
    expect_client_error(lambda: ddb.execute_statement(Statement="DROP TABLE x"),
                        "ValidationException", "Statement wasn't well formed, can't be processed: Expected data manipulation")
    expect_client_error(lambda: ddb.execute_statement(Statement=f"UPDATE {quoted} SET a = 1 WHERE pk = 'artist'"),
                        "ValidationException", "Where clause does not contain a mandatory equality on all key attributes")
    expect_client_error(lambda: ddb.execute_statement(Statement=f"SELECT * FROM {quoted} WHERE pk = ?"),
                        "ValidationException", "Number of parameters in request and statement don't match.")

    step("batch_execute_statement: writes then reads, per-statement errors")
    response = ddb.batch_execute_statement(Statements=[
        {"Statement": f"DELETE FROM {quoted} WHERE pk = 'artist' AND sk = 4"},
        {"Statement": f"INSERT INTO {quoted} VALUE {{'pk': 'artist', 'sk': 0}}"},
        {"Statement": f"UPDATE {quoted} SET name = 'new' WHERE pk = ? AND sk = ?", "Parameters": [{"S": "artist"}, {"N": "1"}]},
    ])
    responses = response["Responses"]
    check("Error" not in responses[0], f"delete should succeed: {responses[0]}")
    check_equal("DuplicateItem", responses[1]["Error"]["Code"], "duplicate insert in batch")
    check("Error" not in responses[2], f"update should succeed: {responses[2]}")

    response = ddb.batch_execute_statement(Statements=[
        {"Statement": f"SELECT name FROM {quoted} WHERE pk = 'artist' AND sk = 1"},
        {"Statement": f"SELECT * FROM {quoted} WHERE pk = 'artist' AND sk = 4"},
    ])
    check_equal({"name": {"S": "new"}}, response["Responses"][0]["Item"], "batch select item")
    check("Item" not in response["Responses"][1], "deleted item is absent")

    ddb.delete_table(TableName=table)


if __name__ == "__main__":
    run_main(main)
