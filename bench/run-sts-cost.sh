#!/usr/bin/env bash
# What temporary credentials cost GetItem: one Lockbox server, GetItem signed with an IAM user's
# long-term key and with an assumed-role session of the same policy (issue 5's target: the session
# reaches at least 95% of the long-term key's throughput — the token is decoded once, then cached,
# so a request pays no decryption and no storage lookup). Both principals have the same one-statement
# policy, so the difference is authentication (token resolution) plus the session's policy cache.
# The two passes alternate per round; compare the medians.
#
# Usage: bench/run-sts-cost.sh       env: ROUNDS=3 DURATION=6 WARMUP=2 CONNECTIONS=16 PORT=8314
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
ROUNDS="${ROUNDS:-3}" DURATION="${DURATION:-6}" WARMUP="${WARMUP:-2}" CONNECTIONS="${CONNECTIONS:-16}" PORT="${PORT:-8314}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Lockbox.Cli -c Release -nologo -v q >/dev/null
dotnet build bench/Lockbox.Bench.Load -c Release -nologo -v q >/dev/null
DATA="$(mktemp -d)"
export LOCKBOX_ROOT_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE LOCKBOX_ROOT_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
dotnet src/Lockbox.Cli/bin/Release/net10.0/lockbox.dll serve --listen "127.0.0.1:$PORT" --data "$DATA" >"$DATA.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA" "$DATA.log"' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.5; done
KEYS="$(python3 - "$PORT" <<'PY'
import json, sys, boto3
endpoint = f"http://127.0.0.1:{sys.argv[1]}"
root = {"endpoint_url": endpoint, "region_name": "us-east-1",
        "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
iam = boto3.client("iam", **root)
allow = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]})
iam.create_user(UserName="bench")
iam.put_user_policy(UserName="bench", PolicyName="all", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["dynamodb:*", "sts:AssumeRole"], "Resource": "*"}]}))
key = iam.create_access_key(UserName="bench")["AccessKey"]
trust = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": iam.get_user(UserName="bench")["User"]["Arn"]}, "Action": "sts:AssumeRole"}]})
role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=trust, MaxSessionDuration=43200)["Role"]
iam.put_role_policy(RoleName="bench", PolicyName="all", PolicyDocument=allow)
sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
c = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="bench", DurationSeconds=43200)["Credentials"]
print(key["AccessKeyId"], key["SecretAccessKey"], c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
PY
)"
read -r USER_KEY USER_SECRET SESSION_KEY SESSION_SECRET SESSION_TOKEN <<<"$KEYS"
bench() {
  dotnet bench/Lockbox.Bench.Load/bin/Release/net10.0/Lockbox.Bench.Load.dll --endpoint "http://127.0.0.1:$PORT" \
    --connections "$CONNECTIONS" --warmup "$WARMUP" --items 2000 --ops get --rounds 1 --duration "$DURATION" "$@" 2>&1
}
bench --label warmup --access-key "$LOCKBOX_ROOT_ACCESS_KEY_ID" --secret-key "$LOCKBOX_ROOT_SECRET_ACCESS_KEY" >/dev/null
# Server CPU per request (from /proc, Linux): what the server itself pays, apart from the load
# generator that shares the machine. Warmup requests are assumed to run at the measured rate.
server_cpu() { awk '{print $14+$15}' "/proc/$SERVER/stat" 2>/dev/null || echo 0; }
pass() {
  local label="$1"; shift
  local before after out ops
  before="$(server_cpu)"
  out="$(bench --label "$label" "$@" | grep -E "round [0-9]+ |Exception|HTTP [0-9]" | sed "s/round 1 /round $round /")"
  after="$(server_cpu)"
  ops="$(awk '{for (i = 1; i <= NF; i++) if ($i == "ops/s") print $(i - 1)}' <<<"$out" | head -1)"
  echo "$out"
  if [ -n "$ops" ] && [ "$before" != 0 ]; then
    awk -v t="$((after - before))" -v ops="$ops" -v d="$((DURATION + WARMUP))" -v hz="$(getconf CLK_TCK)" -v l="$label" \
      'BEGIN { printf "    %s: server cpu %.1f us/request\n", l, t / hz * 1e6 / (ops * d) }'
  fi
}
for round in $(seq 1 "$ROUNDS"); do
  pass long-term --access-key "$USER_KEY" --secret-key "$USER_SECRET"
  pass role-session --access-key "$SESSION_KEY" --secret-key "$SESSION_SECRET" --session-token "$SESSION_TOKEN"
done
