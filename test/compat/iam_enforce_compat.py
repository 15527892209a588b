#!/usr/bin/env python3
"""IAM enforcement with boto3 as IAM users: a table-scoped CRUD policy, the product catalog with
dynamodb:LeadingKeys (ForAllValues numeric) and dynamodb:Attributes (ForAllValues StringLike) for
two users, ${aws:username} in LeadingKeys, a NotAction deny, an IpAddress condition, a resource
policy, batch calls per item, IAM's own AccessDenied, and an IAM change applying on the next call."""
import json
import time
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from compat_common import check, check_equal, endpoint, expect_client_error, fail, region, run_main, step, unique_table

CFG = Config(retries={"max_attempts": 1})


def client(service, key=None, secret=None):
    kwargs = {}
    if key is not None:
        kwargs = {"aws_access_key_id": key, "aws_secret_access_key": secret}
    return boto3.client(service, endpoint_url=endpoint(), region_name="us-east-1" if service == "iam" else region(), config=CFG, **kwargs)


def denied(call, arn, action, resource, reason=None):
    reason = reason or f"because no identity-based policy allows the {action} action"
    expect_client_error(call, "AccessDeniedException",
                        f"User: {arn} is not authorized to perform: {action} on resource: {resource} {reason}")


def new_user(iam, run, name, policy=None):
    user = iam.create_user(UserName=f"{name}-{run}")["User"]
    if policy is not None:
        iam.put_user_policy(UserName=user["UserName"], PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user["UserName"])["AccessKey"]
    return user, client("dynamodb", key["AccessKeyId"], key["SecretAccessKey"]), key


def create_table(ddb, name, key, key_type):
    ddb.create_table(TableName=name, AttributeDefinitions=[{"AttributeName": key, "AttributeType": key_type}],
                     KeySchema=[{"AttributeName": key, "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    return ddb.describe_table(TableName=name)["Table"]["TableArn"]


def main():
    iam = client("iam")
    ddb = client("dynamodb")
    run = uuid.uuid4().hex[:8]

    step("a table-scoped CRUD policy: get/put/update/delete allowed; Scan and other tables denied")
    table = unique_table("iam-crud")
    other = unique_table("iam-other")
    arn = create_table(ddb, table, "pk", "S")
    other_arn = create_table(ddb, other, "pk", "S")
    crud = {"Version": "2012-10-17", "Statement": [{"Sid": "Crud", "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], "Resource": arn}]}
    user, u, _ = new_user(iam, run, "crud", crud)
    u.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    u.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="SET v = v + :one", ExpressionAttributeValues={":one": {"N": "1"}})
    check_equal("2", u.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"]["v"]["N"], "updated value")
    u.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    check("Item" not in u.get_item(TableName=table, Key={"pk": {"S": "a"}}), "deleted")
    denied(lambda: u.scan(TableName=table), user["Arn"], "dynamodb:Scan", arn)
    denied(lambda: u.get_item(TableName=other, Key={"pk": {"S": "a"}}), user["Arn"], "dynamodb:GetItem", other_arn)
    denied(lambda: u.put_item(TableName=other, Item={"pk": {"S": "a"}}), user["Arn"], "dynamodb:PutItem", other_arn)
    denied(lambda: u.list_tables(), user["Arn"], "dynamodb:ListTables", "*")

    step("IAM's own calls are refused with the query protocol's AccessDenied (403)")
    crud_key = iam.create_access_key(UserName=user["UserName"])["AccessKey"]
    user_iam = client("iam", crud_key["AccessKeyId"], crud_key["SecretAccessKey"])
    try:
        user_iam.list_users()
        fail("ListUsers should be denied")
    except ClientError as e:
        check_equal("AccessDenied", e.response["Error"]["Code"], "IAM error code")
        check_equal(403, e.response["ResponseMetadata"]["HTTPStatusCode"], "IAM status")
        account = user["Arn"].split(":")[4]
        check_equal(f"User: {user['Arn']} is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::{account}:user/ "
                    "because no identity-based policy allows the iam:ListUsers action", e.response["Error"]["Message"], "IAM message")

    step("the product catalog: LeadingKeys 100-199 and book attributes for one user, 200s and bicycle attributes for another")
    catalog = unique_table("iam-catalog")
    catalog_arn = create_table(ddb, catalog, "Id", "N")

    def catalog_policy(low, high, attributes):
        return {"Version": "2012-10-17", "Statement": [{
            "Sid": "Catalog", "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
                       "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
            "Resource": catalog_arn,
            "Condition": {
                "ForAllValues:NumericGreaterThanEquals": {"dynamodb:LeadingKeys": [str(low)]},
                "ForAllValues:NumericLessThanEquals": {"dynamodb:LeadingKeys": [str(high)]},
                "ForAllValues:StringLike": {"dynamodb:Attributes": attributes},
                "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES", "dynamodb:ReturnValues": ["NONE", "UPDATED_OLD", "UPDATED_NEW"]},
            }}]}

    books = ["Id", "Title", "ISBN", "Authors", "Price", "Dimensions", "PageCount", "inPublication", "ProductCategory"]
    bikes = ["Id", "Title", "Description", "BicycleType", "Brand", "Price", "Color", "ProductCategory"]
    reader, r, _ = new_user(iam, run, "books", catalog_policy(100, 199, books))
    cyclist, c, _ = new_user(iam, run, "bikes", catalog_policy(200, 299, bikes))
    ddb.put_item(TableName=catalog, Item={"Id": {"N": "101"}, "Title": {"S": "Book 101"}, "ISBN": {"S": "111"}, "Price": {"N": "2"}, "Secret": {"S": "x"}})
    ddb.put_item(TableName=catalog, Item={"Id": {"N": "201"}, "Title": {"S": "Bike 201"}, "Color": {"S": "red"}, "Price": {"N": "500"}})

    # Item by item.
    got = r.get_item(TableName=catalog, Key={"Id": {"N": "101"}}, ProjectionExpression="Id, Title, Price")["Item"]
    check_equal({"Id", "Title", "Price"}, set(got), "projected book attributes")
    denied(lambda: r.get_item(TableName=catalog, Key={"Id": {"N": "201"}}, ProjectionExpression="Id, Title"),
           reader["Arn"], "dynamodb:GetItem", catalog_arn)
    got = c.get_item(TableName=catalog, Key={"Id": {"N": "201"}}, ProjectionExpression="Id, Color")["Item"]
    check_equal("red", got["Color"]["S"], "bike colour")
    denied(lambda: c.get_item(TableName=catalog, Key={"Id": {"N": "101"}}, ProjectionExpression="Id, Title"),
           cyclist["Arn"], "dynamodb:GetItem", catalog_arn)
    # Attribute by attribute.
    denied(lambda: r.get_item(TableName=catalog, Key={"Id": {"N": "101"}}, ProjectionExpression="Id, Secret"),
           reader["Arn"], "dynamodb:GetItem", catalog_arn)
    denied(lambda: r.get_item(TableName=catalog, Key={"Id": {"N": "101"}}),  # all attributes: Select ALL_ATTRIBUTES
           reader["Arn"], "dynamodb:GetItem", catalog_arn)
    denied(lambda: r.get_item(TableName=catalog, Key={"Id": {"N": "101"}}, ProjectionExpression="Id, Color"),
           reader["Arn"], "dynamodb:GetItem", catalog_arn)
    r.put_item(TableName=catalog, Item={"Id": {"N": "150"}, "Title": {"S": "New book"}, "PageCount": {"N": "300"}, "inPublication": {"BOOL": True}})
    denied(lambda: r.put_item(TableName=catalog, Item={"Id": {"N": "151"}, "Title": {"S": "x"}, "Color": {"S": "blue"}}),
           reader["Arn"], "dynamodb:PutItem", catalog_arn)
    denied(lambda: r.put_item(TableName=catalog, Item={"Id": {"N": "250"}, "Title": {"S": "x"}}),
           reader["Arn"], "dynamodb:PutItem", catalog_arn)
    c.put_item(TableName=catalog, Item={"Id": {"N": "250"}, "Title": {"S": "Bike"}, "BicycleType": {"S": "Road"}, "Brand": {"S": "B"}})
    denied(lambda: c.put_item(TableName=catalog, Item={"Id": {"N": "251"}, "ISBN": {"S": "1"}}),
           cyclist["Arn"], "dynamodb:PutItem", catalog_arn)
    r.update_item(TableName=catalog, Key={"Id": {"N": "150"}}, UpdateExpression="SET Price = :p", ExpressionAttributeValues={":p": {"N": "9"}})
    denied(lambda: r.update_item(TableName=catalog, Key={"Id": {"N": "150"}}, UpdateExpression="SET Brand = :b",
                                 ExpressionAttributeValues={":b": {"S": "x"}}), reader["Arn"], "dynamodb:UpdateItem", catalog_arn)
    denied(lambda: r.update_item(TableName=catalog, Key={"Id": {"N": "150"}}, UpdateExpression="SET Price = :p",
                                 ExpressionAttributeValues={":p": {"N": "9"}}, ReturnValues="ALL_NEW"), reader["Arn"], "dynamodb:UpdateItem", catalog_arn)
    check_equal("9", ddb.get_item(TableName=catalog, Key={"Id": {"N": "150"}})["Item"]["Price"]["N"], "update applied once")
    check("Brand" not in ddb.get_item(TableName=catalog, Key={"Id": {"N": "150"}})["Item"], "refused update changed nothing")
    check("Item" not in ddb.get_item(TableName=catalog, Key={"Id": {"N": "151"}}), "refused put changed nothing")
    # Query: the key condition's partition value.
    q = r.query(TableName=catalog, KeyConditionExpression="Id = :id", ExpressionAttributeValues={":id": {"N": "101"}}, ProjectionExpression="Id, Title")
    check_equal(1, q["Count"], "query own partition")
    denied(lambda: r.query(TableName=catalog, KeyConditionExpression="Id = :id", ExpressionAttributeValues={":id": {"N": "201"}},
                           ProjectionExpression="Id, Title"), reader["Arn"], "dynamodb:Query", catalog_arn)
    # Batch calls: every key of the table counts.
    got = r.batch_get_item(RequestItems={catalog: {"Keys": [{"Id": {"N": "101"}}, {"Id": {"N": "150"}}], "ProjectionExpression": "Id, Title"}})
    check_equal(2, len(got["Responses"][catalog]), "batch get of own items")
    denied(lambda: r.batch_get_item(RequestItems={catalog: {"Keys": [{"Id": {"N": "101"}}, {"Id": {"N": "201"}}], "ProjectionExpression": "Id, Title"}}),
           reader["Arn"], "dynamodb:BatchGetItem", catalog_arn)
    denied(lambda: r.batch_write_item(RequestItems={catalog: [{"PutRequest": {"Item": {"Id": {"N": "160"}, "Title": {"S": "ok"}}}},
                                                              {"PutRequest": {"Item": {"Id": {"N": "260"}, "Title": {"S": "no"}}}}]}),
           reader["Arn"], "dynamodb:BatchWriteItem", catalog_arn)
    check("Item" not in ddb.get_item(TableName=catalog, Key={"Id": {"N": "160"}}), "refused batch wrote nothing")
    r.batch_write_item(RequestItems={catalog: [{"PutRequest": {"Item": {"Id": {"N": "160"}, "Title": {"S": "ok"}}}}, {"DeleteRequest": {"Key": {"Id": {"N": "150"}}}}]})
    check_equal("ok", ddb.get_item(TableName=catalog, Key={"Id": {"N": "160"}})["Item"]["Title"]["S"], "batch write of own items")

    step("${aws:username} in dynamodb:LeadingKeys confines each user to their own items")
    own = unique_table("iam-own")
    own_arn = create_table(ddb, own, "UserId", "S")
    mine = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
            "Resource": own_arn, "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:username}"]}}}]}
    alice, a, _ = new_user(iam, run, "alice", mine)
    bob, b, _ = new_user(iam, run, "bob", mine)
    a.put_item(TableName=own, Item={"UserId": {"S": alice["UserName"]}, "note": {"S": "a"}})
    b.put_item(TableName=own, Item={"UserId": {"S": bob["UserName"]}, "note": {"S": "b"}})
    check_equal("a", a.get_item(TableName=own, Key={"UserId": {"S": alice["UserName"]}})["Item"]["note"]["S"], "alice reads her item")
    denied(lambda: a.get_item(TableName=own, Key={"UserId": {"S": bob["UserName"]}}), alice["Arn"], "dynamodb:GetItem", own_arn)
    denied(lambda: b.put_item(TableName=own, Item={"UserId": {"S": alice["UserName"]}}), bob["Arn"], "dynamodb:PutItem", own_arn)
    check_equal(1, b.query(TableName=own, KeyConditionExpression="UserId = :u", ExpressionAttributeValues={":u": {"S": bob["UserName"]}})["Count"], "bob queries his partition")
    denied(lambda: b.query(TableName=own, KeyConditionExpression="UserId = :u", ExpressionAttributeValues={":u": {"S": alice["UserName"]}}),
           bob["Arn"], "dynamodb:Query", own_arn)

    step("a NotAction deny (managed policy: its ARN is named) wins over an allow")
    nd, n, _ = new_user(iam, run, "notaction", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]})
    deny_policy = iam.create_policy(PolicyName=f"readonly-{run}", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "OnlyReads", "Effect": "Deny", "NotAction": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:DescribeTable"], "Resource": "*"}]}))["Policy"]["Arn"]
    iam.attach_user_policy(UserName=nd["UserName"], PolicyArn=deny_policy)
    n.get_item(TableName=table, Key={"pk": {"S": "zz"}})
    denied(lambda: n.put_item(TableName=table, Item={"pk": {"S": "zz"}}), nd["Arn"], "dynamodb:PutItem", arn,
           f"with an explicit deny in an identity-based policy, with policy ARN: {deny_policy}")
    denied(lambda: n.list_tables(), nd["Arn"], "dynamodb:ListTables", "*",
           f"with an explicit deny in an identity-based policy, with policy ARN: {deny_policy}")

    step("an IpAddress condition on aws:SourceIp")
    local = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": arn,
             "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}}]}
    remote = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": arn,
              "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    _, lo, _ = new_user(iam, run, "local", local)
    far, fa, _ = new_user(iam, run, "remote", remote)
    lo.get_item(TableName=table, Key={"pk": {"S": "a"}})
    denied(lambda: fa.get_item(TableName=table, Key={"pk": {"S": "a"}}), far["Arn"], "dynamodb:GetItem", arn)

    step("an IAM change applies to the next call (no restart, no stale cache)")
    late, la, _ = new_user(iam, run, "late")
    denied(lambda: la.describe_table(TableName=table), late["Arn"], "dynamodb:DescribeTable", arn)
    iam.put_user_policy(UserName=late["UserName"], PolicyName="describe", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:DescribeTable", "Resource": arn}]}))
    check_equal(table, la.describe_table(TableName=table)["Table"]["TableName"], "allowed right after the policy was put")
    group = iam.create_group(GroupName=f"deny-{run}")["Group"]["GroupName"]
    iam.put_group_policy(GroupName=group, PolicyName="deny", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Sid": "NoDescribe", "Effect": "Deny", "Action": "dynamodb:Describe*", "Resource": "*"}]}))
    iam.add_user_to_group(GroupName=group, UserName=late["UserName"])
    denied(lambda: la.describe_table(TableName=table), late["Arn"], "dynamodb:DescribeTable", arn,
           "with an explicit deny in an identity-based policy")
    iam.remove_user_from_group(GroupName=group, UserName=late["UserName"])
    la.describe_table(TableName=table)
    iam.delete_user_policy(UserName=late["UserName"], PolicyName="describe")
    denied(lambda: la.describe_table(TableName=table), late["Arn"], "dynamodb:DescribeTable", arn)

    step("a table's resource-based policy grants a user without identity policies")
    guest, g, _ = new_user(iam, run, "guest")
    denied(lambda: g.get_item(TableName=other, Key={"pk": {"S": "a"}}), guest["Arn"], "dynamodb:GetItem", other_arn)
    ddb.put_resource_policy(ResourceArn=other_arn, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": guest["Arn"]}, "Action": "dynamodb:GetItem", "Resource": other_arn},
        {"Effect": "Deny", "Principal": {"AWS": guest["Arn"]}, "Action": "dynamodb:PutItem", "Resource": other_arn}]}))
    g.get_item(TableName=other, Key={"pk": {"S": "a"}})
    denied(lambda: g.put_item(TableName=other, Item={"pk": {"S": "a"}}), guest["Arn"], "dynamodb:PutItem", other_arn,
           "with an explicit deny in a resource-based policy")

    for name in (table, other, catalog, own):
        ddb.delete_table(TableName=name)


if __name__ == "__main__":
    run_main(main)
