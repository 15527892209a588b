#!/usr/bin/env bash
# Two builds of the server side by side: the CPU each spends per request, interleaved per round
# (the bench alternates the endpoints), so a change's gain is measured in one run on a noisy,
# shared machine. Per round and as medians: ops/s and server CPU-µs per request (server CPU% of
# one core / ops/s). Build each variant with `dotnet build src/Lockbox.Cli -c Release` and copy
# src/Lockbox.Cli/bin/Release/net10.0 aside first.
#
# Usage: OLD=/tmp/old-build NEW=/tmp/new-build bench/run-build-ab.sh
#   env: OPS=batchwrite ROUNDS=7 DURATION=5 WARMUP=2 CONNECTIONS=16 PORT=8400 (uses PORT and PORT+1)
#        PERF=name: also `perf record -g` both servers into /tmp/name.data (run with perf maps on)
#        OLD_ENV="K=V ..." / NEW_ENV="K=V ...": extra environment for one server (OLD=NEW then
#        compares one build under two runtime settings)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
: "${OLD:?OLD=build directory}" "${NEW:?NEW=build directory}"
OPS="${OPS:-batchwrite}" ROUNDS="${ROUNDS:-7}" DURATION="${DURATION:-5}" WARMUP="${WARMUP:-2}" CONNECTIONS="${CONNECTIONS:-16}" PORT="${PORT:-8400}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export LOCKBOX_ROOT_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE LOCKBOX_ROOT_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
[ -n "${PERF:-}" ] && export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
dotnet build "$ROOT/bench/Lockbox.Bench.Load" -c Release -nologo -v q >/dev/null
WORK="$(mktemp -d)"
env ${OLD_ENV:-} dotnet "$OLD/lockbox.dll" serve --listen "127.0.0.1:$PORT" --data "$WORK/old" >"$WORK/old.log" 2>&1 & P_OLD=$!
env ${NEW_ENV:-} dotnet "$NEW/lockbox.dll" serve --listen "127.0.0.1:$((PORT + 1))" --data "$WORK/new" >"$WORK/new.log" 2>&1 & P_NEW=$!
trap 'kill $P_OLD $P_NEW 2>/dev/null; wait $P_OLD $P_NEW 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/" >/dev/null && curl -sf "http://127.0.0.1:$((PORT + 1))/" >/dev/null && break
  sleep 0.5
done
if [ -n "${PERF:-}" ]; then perf record -F 999 -g -p "$P_OLD,$P_NEW" -o "/tmp/$PERF.data" >/dev/null 2>&1 & P_PERF=$!; sleep 1; fi
dotnet "$ROOT/bench/Lockbox.Bench.Load/bin/Release/net10.0/Lockbox.Bench.Load.dll" \
  --endpoint "http://127.0.0.1:$PORT" --label old --pid "$P_OLD" \
  --endpoint "http://127.0.0.1:$((PORT + 1))" --label new --pid "$P_NEW" \
  --access-key "$LOCKBOX_ROOT_ACCESS_KEY_ID" --secret-key "$LOCKBOX_ROOT_SECRET_ACCESS_KEY" \
  --connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION" --ops "$OPS" --rounds "$ROUNDS" --items 10000 \
  >"$WORK/bench.txt" 2>&1 || true
grep -E "round [0-9]+ |Exception|HTTP [0-9]" "$WORK/bench.txt" || true
if [ -n "${PERF:-}" ]; then kill -INT "$P_PERF"; wait "$P_PERF" 2>/dev/null || true; echo "perf data: /tmp/$PERF.data (old pid $P_OLD, new pid $P_NEW)"; fi
python3 - "$WORK/bench.txt" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.search(r"round (\d+) (\S+)\s+c=\d+\s+(\S+)\s+(\d+) ops/s.*server (\d+)%", line)
    if m:
        _, label, op, ops, cpu = m.groups()
        rows.setdefault((op, label), []).append((int(ops), int(cpu) / 100 / max(int(ops), 1) * 1e6))
for (op, label), v in sorted(rows.items()):
    print(f"{op:11s} {label:4s} server cpu-us/request per round {[round(u) for _, u in v]} "
          f"median {statistics.median(u for _, u in v):.0f}; ops/s median {statistics.median(o for o, _ in v):.0f}")
PY
