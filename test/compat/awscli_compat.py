#!/usr/bin/env python3
"""AWS CLI (`aws dynamodb ...`, with --endpoint-url) against a DynamoDB-compatible endpoint."""
import json
import os
import subprocess

from compat_common import check, check_equal, endpoint, fail, region, run_main, step, unique_table


def aws(*args, expect_failure=False):
    command = ["aws", "dynamodb", *args, "--endpoint-url", endpoint(), "--region", region(), "--output", "json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "AWS_PAGER": ""})
    if expect_failure:
        if result.returncode == 0:
            fail(f"expected `{' '.join(args[:1])}` to fail, but it succeeded: {result.stdout}")
        return result
    if result.returncode != 0:
        fail(f"`aws dynamodb {' '.join(args)}` exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}")
    return json.loads(result.stdout) if result.stdout.strip() else None


def main():
    table = unique_table("cli")

    step("create-table")
    created = aws("create-table", "--table-name", table,
                  "--attribute-definitions", "AttributeName=pk,AttributeType=S", "AttributeName=sk,AttributeType=S",
                  "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE",
                  "--billing-mode", "PAY_PER_REQUEST")
    check_equal(table, created["TableDescription"]["TableName"], "TableName")

    step("wait table-exists")
    aws("wait", "table-exists", "--table-name", table)
    described = aws("describe-table", "--table-name", table)["Table"]
    check_equal("ACTIVE", described["TableStatus"], "TableStatus")
    check(described["TableArn"].endswith(":table/" + table), "TableArn")

    step("list-tables")
    check(table in aws("list-tables")["TableNames"], "table missing from list-tables")

    step("put-item")
    for i in range(7):
        aws("put-item", "--table-name", table,
            "--item", json.dumps({"pk": {"S": "cli"}, "sk": {"S": f"item{i}"}, "n": {"N": str(i)},
                                  "tags": {"SS": ["a", "b"]}}),
            "--condition-expression", "attribute_not_exists(pk)")
    failed = aws("put-item", "--table-name", table,
                 "--item", json.dumps({"pk": {"S": "cli"}, "sk": {"S": "item0"}}),
                 "--condition-expression", "attribute_not_exists(pk)", expect_failure=True)
    check("ConditionalCheckFailedException" in failed.stderr, f"stderr: {failed.stderr}")

    step("get-item")
    item = aws("get-item", "--table-name", table, "--consistent-read",
               "--key", json.dumps({"pk": {"S": "cli"}, "sk": {"S": "item3"}}))["Item"]
    check_equal({"N": "3"}, item["n"], "n")
    check_equal(["a", "b"], sorted(item["tags"]["SS"]), "tags")

    step("update-item")
    updated = aws("update-item", "--table-name", table,
                  "--key", json.dumps({"pk": {"S": "cli"}, "sk": {"S": "item3"}}),
                  "--update-expression", "SET n = n + :d",
                  "--expression-attribute-values", json.dumps({":d": {"N": "10"}}),
                  "--return-values", "UPDATED_NEW")
    check_equal({"N": "13"}, updated["Attributes"]["n"], "updated n")

    step("query (CLI pagination with --page-size)")
    result = aws("query", "--table-name", table, "--key-condition-expression", "pk = :p",
                 "--expression-attribute-values", json.dumps({":p": {"S": "cli"}}), "--page-size", "2")
    check_equal([f"item{i}" for i in range(7)], [i["sk"]["S"] for i in result["Items"]], "query items")
    check_equal(7, result["Count"], "Count")
    limited = aws("query", "--table-name", table, "--key-condition-expression", "pk = :p AND sk > :s",
                  "--expression-attribute-values", json.dumps({":p": {"S": "cli"}, ":s": {"S": "item4"}}),
                  "--no-scan-index-forward")
    check_equal(["item6", "item5"], [i["sk"]["S"] for i in limited["Items"]], "descending query")

    step("scan")
    scanned = aws("scan", "--table-name", table, "--filter-expression", "n >= :m",
                  "--expression-attribute-values", json.dumps({":m": {"N": "5"}}), "--page-size", "3")
    check_equal(["item3", "item5", "item6"], sorted(i["sk"]["S"] for i in scanned["Items"]), "scan filter")
    check_equal(7, scanned["ScannedCount"], "ScannedCount")

    step("delete-item")
    aws("delete-item", "--table-name", table, "--key", json.dumps({"pk": {"S": "cli"}, "sk": {"S": "item0"}}))
    gone = aws("get-item", "--table-name", table, "--key", json.dumps({"pk": {"S": "cli"}, "sk": {"S": "item0"}}))
    check(gone is None or "Item" not in gone, "deleted item still returned")

    step("errors")
    missing = aws("describe-table", "--table-name", unique_table("missing"), expect_failure=True)
    check("ResourceNotFoundException" in missing.stderr, f"stderr: {missing.stderr}")

    step("delete-table + wait table-not-exists")
    deleted = aws("delete-table", "--table-name", table)
    check_equal(table, deleted["TableDescription"]["TableName"], "deleted TableName")
    aws("wait", "table-not-exists", "--table-name", table)
    check(table not in aws("list-tables")["TableNames"], "deleted table still listed")


if __name__ == "__main__":
    run_main(main)
