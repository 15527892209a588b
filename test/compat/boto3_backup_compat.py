#!/usr/bin/env python3
"""boto3 low-level client: on-demand backups (create, describe, list with filters and paging,
delete, restore with overrides), point-in-time recovery (enable, describe, restore to a moment),
the restored table's RestoreSummary and CREATING -> ACTIVE, and the backup error codes."""
import re
import time
from datetime import datetime, timedelta, timezone

import boto3
from botocore.config import Config

from compat_common import check, check_equal, endpoint, expect_client_error, region, run_main, step, unique_table

FAST_WAIT = {"Delay": 1, "MaxAttempts": 90}
BACKUP_ARN = re.compile(r"arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table/(?P<table>[A-Za-z0-9_.-]+)/backup/\d{14}-[0-9a-f]{8}")


def make_client():
    return boto3.client("dynamodb", endpoint_url=endpoint(), region_name=region(),
                        config=Config(retries={"max_attempts": 2, "mode": "standard"}))


def items_of(ddb, table):
    found = {}
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            found[item["pk"]["S"]] = item["v"]["N"]
    return found


def main():
    ddb = make_client()
    table = unique_table("backup")
    ddb.create_table(TableName=table, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    ddb.get_waiter("table_exists").wait(TableName=table, WaiterConfig=FAST_WAIT)
    for i in range(40):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"k{i:02}"}, "v": {"N": str(i)}})

    step("create_backup / describe_backup")
    details = ddb.create_backup(TableName=table, BackupName="nightly")["BackupDetails"]
    arn = details["BackupArn"]
    match = BACKUP_ARN.fullmatch(arn)
    check(match is not None and match.group("table") == table, f"bad backup ARN {arn}")
    check_equal("USER", details["BackupType"], "BackupType")
    check(details["BackupStatus"] in ("CREATING", "AVAILABLE"), "BackupStatus after create")
    check(isinstance(details["BackupCreationDateTime"], datetime), "BackupCreationDateTime is not a timestamp")
    for _ in range(30):
        description = ddb.describe_backup(BackupArn=arn)["BackupDescription"]
        if description["BackupDetails"]["BackupStatus"] == "AVAILABLE":
            break
        time.sleep(1)
    check_equal("AVAILABLE", description["BackupDetails"]["BackupStatus"], "BackupStatus")
    source = description["SourceTableDetails"]
    check_equal(table, source["TableName"], "SourceTableDetails.TableName")
    check_equal(40, source["ItemCount"], "SourceTableDetails.ItemCount")
    check(source["TableSizeBytes"] > 0 and description["BackupDetails"]["BackupSizeBytes"] == source["TableSizeBytes"],
          "backup size")
    check_equal("PAY_PER_REQUEST", source["BillingMode"], "SourceTableDetails.BillingMode")
    check("SourceTableFeatureDetails" in description, "SourceTableFeatureDetails missing")

    step("list_backups: filters and paging")
    second = ddb.create_backup(TableName=table, BackupName="second")["BackupDetails"]["BackupArn"]
    listed = ddb.list_backups(TableName=table)["BackupSummaries"]
    check_equal([arn, second], [b["BackupArn"] for b in listed], "listed backups")
    page = ddb.list_backups(TableName=table, Limit=1)
    check_equal(arn, page["LastEvaluatedBackupArn"], "LastEvaluatedBackupArn")
    rest = ddb.list_backups(TableName=table, Limit=1, ExclusiveStartBackupArn=page["LastEvaluatedBackupArn"])
    check_equal([second], [b["BackupArn"] for b in rest["BackupSummaries"]], "second page")
    paginated = [b["BackupArn"] for p in ddb.get_paginator("list_backups").paginate(TableName=table, PaginationConfig={"PageSize": 1})
                 for b in p["BackupSummaries"]]
    check_equal([arn, second], paginated, "paginator")
    future = datetime.now(timezone.utc) + timedelta(days=1)
    check_equal([], ddb.list_backups(TableName=table, TimeRangeLowerBound=future)["BackupSummaries"], "lower bound")
    check_equal([], ddb.list_backups(TableName=table, BackupType="SYSTEM")["BackupSummaries"], "SYSTEM filter")
    check_equal(2, len(ddb.list_backups(TableName=table, BackupType="ALL")["BackupSummaries"]), "ALL filter")

    step("restore_table_from_backup with a billing override")
    ddb.put_item(TableName=table, Item={"pk": {"S": "later"}, "v": {"N": "99"}})
    target = table + "-restored"
    restored = ddb.restore_table_from_backup(TargetTableName=target, BackupArn=arn, BillingModeOverride="PROVISIONED",
                                             ProvisionedThroughputOverride={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4})
    check_equal(target, restored["TableDescription"]["TableName"], "restored TableName")
    check_equal("CREATING", restored["TableDescription"]["TableStatus"], "restored status")
    ddb.get_waiter("table_exists").wait(TableName=target, WaiterConfig=FAST_WAIT)
    described = ddb.describe_table(TableName=target)["Table"]
    check_equal("PROVISIONED", described["BillingModeSummary"]["BillingMode"], "restored billing mode")
    check_equal(3, described["ProvisionedThroughput"]["ReadCapacityUnits"], "restored RCU")
    summary = described["RestoreSummary"]
    check_equal(arn, summary["SourceBackupArn"], "RestoreSummary.SourceBackupArn")
    check_equal(False, summary["RestoreInProgress"], "RestoreSummary.RestoreInProgress")
    check_equal({f"k{i:02}": str(i) for i in range(40)}, items_of(ddb, target), "restored items")

    step("backup errors")
    missing = arn[:-8] + "00000000"
    expect_client_error(lambda: ddb.describe_backup(BackupArn=missing), "BackupNotFoundException")
    expect_client_error(lambda: ddb.restore_table_from_backup(TargetTableName=target, BackupArn=arn),
                        "TableAlreadyExistsException")
    expect_client_error(lambda: ddb.create_backup(TableName=table + "-none", BackupName="x1x"), "TableNotFoundException")

    step("point-in-time recovery")
    status = ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    check_equal("ENABLED", status["ContinuousBackupsStatus"], "ContinuousBackupsStatus")
    check_equal("DISABLED", status["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"], "PITR before")
    expect_client_error(lambda: ddb.restore_table_to_point_in_time(SourceTableName=table, TargetTableName=table + "-pitr",
                                                                    UseLatestRestorableTime=True),
                        "PointInTimeRecoveryUnavailableException")
    enabled = ddb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    pitr = enabled["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    check_equal("ENABLED", pitr["PointInTimeRecoveryStatus"], "PITR status")
    check_equal(35, pitr["RecoveryPeriodInDays"], "RecoveryPeriodInDays")
    time.sleep(1.2)
    ddb.put_item(TableName=table, Item={"pk": {"S": "k00"}, "v": {"N": "1000"}})
    time.sleep(1.2)
    moment = datetime.now(timezone.utc)
    time.sleep(1.2)
    ddb.delete_item(TableName=table, Key={"pk": {"S": "k01"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "newest"}, "v": {"N": "7"}})
    time.sleep(2.5)
    expect_client_error(lambda: ddb.restore_table_to_point_in_time(
        SourceTableName=table, TargetTableName=table + "-x", RestoreDateTime=datetime.now(timezone.utc) + timedelta(hours=1)),
        "InvalidRestoreTimeException")
    pitr_target = table + "-pitr"
    ddb.restore_table_to_point_in_time(SourceTableName=table, TargetTableName=pitr_target, RestoreDateTime=moment)
    ddb.get_waiter("table_exists").wait(TableName=pitr_target, WaiterConfig=FAST_WAIT)
    expected = {f"k{i:02}": str(i) for i in range(40)}
    expected.update({"k00": "1000", "later": "99"})
    check_equal(expected, items_of(ddb, pitr_target), "items at the restore time")
    summary = ddb.describe_table(TableName=pitr_target)["Table"]["RestoreSummary"]
    check(summary["SourceTableArn"].endswith(":table/" + table), "RestoreSummary.SourceTableArn")
    latest_target = table + "-latest"
    ddb.restore_table_to_point_in_time(SourceTableName=table, TargetTableName=latest_target, UseLatestRestorableTime=True)
    ddb.get_waiter("table_exists").wait(TableName=latest_target, WaiterConfig=FAST_WAIT)
    check_equal(items_of(ddb, table), items_of(ddb, latest_target), "items at the latest restorable time")

    step("delete_backup; backups outlive their table")
    ddb.delete_table(TableName=table)
    kept = ddb.describe_backup(BackupArn=second)["BackupDescription"]
    check_equal("AVAILABLE", kept["BackupDetails"]["BackupStatus"], "backup of a deleted table")
    deleted = ddb.delete_backup(BackupArn=second)["BackupDescription"]["BackupDetails"]
    check_equal("DELETED", deleted["BackupStatus"], "status after delete_backup")
    expect_client_error(lambda: ddb.delete_backup(BackupArn=second), "BackupNotFoundException")
    ddb.delete_backup(BackupArn=arn)
    for name in (target, pitr_target, latest_target):
        ddb.delete_table(TableName=name)


if __name__ == "__main__":
    run_main(main)
