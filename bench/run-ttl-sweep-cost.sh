#!/usr/bin/env bash
# What a TTL sweep costs foreground reads: GetItem on one Lockbox server, first alone, then while
# the server sweeps EXPIRED (default 1,000,000) already-expired items of another table (sweep
# interval 5 s). Prints the per-round rates and how many expired items were still left at the end
# (so the sweep provably ran during the whole measurement). Compare the medians.
#
# EXPIRES_IN=86400 loads items that expire tomorrow instead: the sweep then finds nothing to delete,
# which shows what merely having a big TTL table costs.
#
# WAIT_ENABLED=1 waits until DescribeTimeToLive reports ENABLED (the expiry index of the loaded items
# built) before measuring, so the rounds see the deletions alone rather than the index build.
#
# Usage: bench/run-ttl-sweep-cost.sh       env: EXPIRED=1000000 EXPIRES_IN=-3600 WAIT_ENABLED= ROUNDS=3 DURATION=6 WARMUP=2 CONNECTIONS=16 PORT=8312
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
EXPIRED="${EXPIRED:-1000000}" EXPIRES_IN="${EXPIRES_IN:--3600}" ROUNDS="${ROUNDS:-3}" DURATION="${DURATION:-6}" WARMUP="${WARMUP:-2}" CONNECTIONS="${CONNECTIONS:-16}" PORT="${PORT:-8312}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Lockbox.Cli -c Release -nologo -v q >/dev/null
dotnet build bench/Lockbox.Bench.Load -c Release -nologo -v q >/dev/null
DATA="$(mktemp -d)"
export LOCKBOX_ROOT_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE LOCKBOX_ROOT_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
dotnet src/Lockbox.Cli/bin/Release/net10.0/lockbox.dll serve --listen "127.0.0.1:$PORT" --data "$DATA" --ttl-sweep-interval 5 >"$DATA.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA" "$DATA.log"' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.5; done
bench() {
  dotnet bench/Lockbox.Bench.Load/bin/Release/net10.0/Lockbox.Bench.Load.dll --endpoint "http://127.0.0.1:$PORT" \
    --connections "$CONNECTIONS" --warmup "$WARMUP" --items 10000 --ops get \
    --access-key "$LOCKBOX_ROOT_ACCESS_KEY_ID" --secret-key "$LOCKBOX_ROOT_SECRET_ACCESS_KEY" "$@" 2>&1
}
bench --label warmup --rounds 1 --duration 2 >/dev/null
echo "== GetItem alone"
bench --label alone --rounds "$ROUNDS" --duration "$DURATION" | grep -E "round [0-9]+ "
echo "== GetItem while $EXPIRED expired items are swept"
bench --label sweeping --rounds "$ROUNDS" --duration "$DURATION" --expired-items "$EXPIRED" --expires-in "$EXPIRES_IN" ${WAIT_ENABLED:+--wait-ttl-enabled} --keep-tables | grep -E "round [0-9]+ |setup"
python3 - "$PORT" <<'PY'
import sys, boto3
d = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                 aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
for name in d.list_tables()["TableNames"]:
    if name.endswith("_ttl"):
        print(f"{name}: {d.describe_table(TableName=name)['Table']['ItemCount']} expired items not yet swept at the end")
PY
