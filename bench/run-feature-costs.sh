#!/usr/bin/env bash
# What DynamoDB features cost a write, measured on one Lockbox server in one run: PutItem on a
# plain table, on a table with a global secondary index (--gsi), on a table with a
# NEW_AND_OLD_IMAGES stream (--stream), and TransactWriteItems of 10 puts. The variants
# alternate within each round so machine noise spreads over all of them; compare medians.
#
# Usage: bench/run-feature-costs.sh        env: ROUNDS=3 DURATION=6 WARMUP=2 CONNECTIONS=16 PORT=8311
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
ROUNDS="${ROUNDS:-3}" DURATION="${DURATION:-6}" WARMUP="${WARMUP:-2}" CONNECTIONS="${CONNECTIONS:-16}" PORT="${PORT:-8311}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Lockbox.Cli -c Release -nologo -v q >/dev/null
dotnet build bench/Lockbox.Bench.Load -c Release -nologo -v q >/dev/null
DATA="$(mktemp -d)"
export LOCKBOX_ROOT_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE LOCKBOX_ROOT_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
dotnet src/Lockbox.Cli/bin/Release/net10.0/lockbox.dll serve --listen "127.0.0.1:$PORT" --data "$DATA" >"$DATA.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA" "$DATA.log"' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.5; done
run() {
  dotnet bench/Lockbox.Bench.Load/bin/Release/net10.0/Lockbox.Bench.Load.dll --endpoint "http://127.0.0.1:$PORT" --label "$1" \
    --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" --items 10000 \
    --access-key "$LOCKBOX_ROOT_ACCESS_KEY_ID" --secret-key "$LOCKBOX_ROOT_SECRET_ACCESS_KEY" "${@:2}" 2>&1 | grep -E "round 1 "
}
# One discarded pass first, so the JIT warm-up of a fresh server does not land on whichever
# variant happens to run first.
run warmup --ops put,transact10 --duration 2 --warmup 1 >/dev/null || true
run warmup --ops put --gsi --stream NEW_AND_OLD_IMAGES --duration 2 --warmup 1 >/dev/null || true
for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r"
  run plain --ops put,transact10
  run gsi --ops put --gsi
  run stream --ops put --stream NEW_AND_OLD_IMAGES
done
