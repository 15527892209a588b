#!/usr/bin/env bash
# What IAM enforcement costs GetItem: one Lockbox server, GetItem as root and as an IAM user whose
# only policy has 10 statements with conditions (the issue's target: the user reaches at least 90%
# of root's throughput). Root and user passes alternate per round; compare the medians.
#
# Usage: bench/run-iam-cost.sh       env: ROUNDS=3 DURATION=6 WARMUP=2 CONNECTIONS=16 PORT=8313
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
ROUNDS="${ROUNDS:-3}" DURATION="${DURATION:-6}" WARMUP="${WARMUP:-2}" CONNECTIONS="${CONNECTIONS:-16}" PORT="${PORT:-8313}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Lockbox.Cli -c Release -nologo -v q >/dev/null
dotnet build bench/Lockbox.Bench.Load -c Release -nologo -v q >/dev/null
DATA="$(mktemp -d)"
export LOCKBOX_ROOT_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE LOCKBOX_ROOT_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
dotnet src/Lockbox.Cli/bin/Release/net10.0/lockbox.dll serve --listen "127.0.0.1:$PORT" --data "$DATA" >"$DATA.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA" "$DATA.log"' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.5; done
USER_KEYS="$(python3 - "$PORT" <<'PY'
import json, sys, boto3
iam = boto3.client("iam", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                   aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
iam.create_user(UserName="bench", Tags=[{"Key": "team", "Value": "bench"}])
s = lambda sid, effect, action, resource, condition: {"Sid": sid, "Effect": effect, "Action": action, "Resource": resource, "Condition": condition}
statements = [
    s("DenyInsecureOther", "Deny", "dynamodb:DeleteTable", "*", {"Bool": {"aws:SecureTransport": "true"}}),
    s("DenyFarAway", "Deny", "dynamodb:*", "*", {"NotIpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}),
    s("Orders", "Allow", ["dynamodb:Query", "dynamodb:Scan"], "arn:aws:dynamodb:*:*:table/orders", {"StringEquals": {"aws:PrincipalTag/team": "orders"}}),
    s("OwnItems", "Allow", ["dynamodb:GetItem", "dynamodb:PutItem"], "arn:aws:dynamodb:*:*:table/users",
      {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:username}"]}}),
    s("NoAllNew", "Deny", "dynamodb:UpdateItem", "*", {"StringEquals": {"dynamodb:ReturnValues": "ALL_NEW"}}),
    s("Window", "Allow", "dynamodb:DescribeTable", "*", {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
    s("Region", "Allow", "dynamodb:ListTables", "*", {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}),
    s("Capacity", "Deny", "dynamodb:*", "*", {"StringEquals": {"dynamodb:ReturnConsumedCapacity": "INDEXES"}}),
    s("Agent", "Allow", "dynamodb:BatchGetItem", "*", {"StringLike": {"aws:UserAgent": "*bench*"}}),
    s("Bench", "Allow", "dynamodb:*", "arn:aws:dynamodb:*:*:table/*", {"StringEquals": {"aws:PrincipalTag/team": "bench", "aws:PrincipalType": "User"}}),
]
iam.put_user_policy(UserName="bench", PolicyName="ten", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
key = iam.create_access_key(UserName="bench")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
PY
)"
read -r USER_KEY USER_SECRET <<<"$USER_KEYS"
bench() {
  dotnet bench/Lockbox.Bench.Load/bin/Release/net10.0/Lockbox.Bench.Load.dll --endpoint "http://127.0.0.1:$PORT" \
    --connections "$CONNECTIONS" --warmup "$WARMUP" --items 2000 --ops get --rounds 1 --duration "$DURATION" "$@" 2>&1
}
bench --label warmup --access-key "$LOCKBOX_ROOT_ACCESS_KEY_ID" --secret-key "$LOCKBOX_ROOT_SECRET_ACCESS_KEY" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  bench --label root --access-key "$LOCKBOX_ROOT_ACCESS_KEY_ID" --secret-key "$LOCKBOX_ROOT_SECRET_ACCESS_KEY" | grep -E "round [0-9]+ |Exception|HTTP [0-9]" | sed "s/round 1 /round $round /"
  bench --label iam-user --access-key "$USER_KEY" --secret-key "$USER_SECRET" | grep -E "round [0-9]+ |Exception|HTTP [0-9]" | sed "s/round 1 /round $round /"
done
