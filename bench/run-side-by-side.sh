#!/usr/bin/env bash
# Side-by-side load benchmark: Lockbox, dynalite (in-memory DynamoDB emulator) and a bare
# Kestrel reference, measured by bench/Lockbox.Bench.Load in one run, interleaved per op.
#
# Usage: bench/run-side-by-side.sh [--no-lockbox] [--no-dynalite] [--no-bare] [--no-raw] [-- extra bench args]
#
# Knobs (environment):
#   CONNECTIONS=16,64  DURATION=10  WARMUP=3  ROUNDS=1  ITEMS=10000
#   OPS=get,put,query,batchwrite,scan   DYNALITE_VERSION=4.0.0
#   LOCKBOX_READY_TIMEOUT=300 (seconds to wait for ./lockbox to answer; it may build first)
#   OUT_DIR=.bench (text and JSON results; ignored by git)
#
# Everything listens on 127.0.0.1 only; every server started here is stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CONNECTIONS="${CONNECTIONS:-16,64}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-3}"
ROUNDS="${ROUNDS:-1}"
ITEMS="${ITEMS:-10000}"
OPS="${OPS:-get,put,query,batchwrite,scan}"
DYNALITE_VERSION="${DYNALITE_VERSION:-4.0.0}"
LOCKBOX_READY_TIMEOUT="${LOCKBOX_READY_TIMEOUT:-300}"
OUT_DIR="${OUT_DIR:-$ROOT/.bench}"

WITH_LOCKBOX=1 WITH_DYNALITE=1 WITH_BARE=1 WITH_RAW=1
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-lockbox) WITH_LOCKBOX=0 ;;
    --no-dynalite) WITH_DYNALITE=0 ;;
    --no-bare) WITH_BARE=0 ;;
    --no-raw) WITH_RAW=0 ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "[side-by-side] $*" >&2; }

command -v node >/dev/null || { log "node is required (dynalite and port picking)"; exit 1; }
command -v curl >/dev/null || { log "curl is required"; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lockbox-bench.XXXXXX")"
PGIDS=()

cleanup() {
  local rc=$?
  set +e
  for g in "${PGIDS[@]}"; do
    kill -TERM -- "-$g" 2>/dev/null
  done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    local alive=0
    for g in "${PGIDS[@]}"; do kill -0 -- "-$g" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  for g in "${PGIDS[@]}"; do kill -KILL -- "-$g" 2>/dev/null; done
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# start NAME LOGFILE CMD...: runs CMD in its own process group (so the whole tree can be
# stopped by group id) and records the group id.
start() {
  local name="$1" logfile="$2"; shift 2
  setsid bash -c 'echo $$ > "$0"; exec "$@"' "$WORK/$name.pgid" "$@" >"$logfile" 2>&1 < /dev/null &
  for _ in $(seq 1 50); do [ -s "$WORK/$name.pgid" ] && break; sleep 0.1; done
  PGIDS+=("$(cat "$WORK/$name.pgid")")
}

# wait_http NAME URL TIMEOUT [METHOD]: waits until URL answers 200.
wait_http() {
  local name="$1" url="$2" timeout="$3" method="${4:-GET}" deadline=$((SECONDS + $3))
  while [ $SECONDS -lt $deadline ]; do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' -X "$method" --max-time 2 "$url" || true)" = 200 ]; then
      log "$name is up at $url"
      return 0
    fi
    sleep 0.3
  done
  log "$name did not answer 200 at $url within ${timeout}s; its log:"
  tail -n 40 "$WORK/$name.log" >&2 || true
  return 1
}

# Pid of the process listening on 127.0.0.1:PORT (for the server CPU column); 0 if unknown.
listener_pid() {
  local p
  p="$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2 || true)"
  echo "${p:-0}"
}

log "building the benchmark"
dotnet build bench/Lockbox.Bench.Load -c Release -nologo -v q >/dev/null
BENCH_DLL="$ROOT/bench/Lockbox.Bench.Load/bin/Release/net10.0/Lockbox.Bench.Load.dll"

ENDPOINTS=() LABELS=() PIDS=()
add_endpoint() { ENDPOINTS+=(--endpoint "$1"); LABELS+=(--label "$2"); PIDS+=(--pid "$3"); }

ACCESS_KEY="AKIABENCH$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)"
SECRET_KEY="$(od -An -N30 -tx1 /dev/urandom | tr -d ' \n')"

if [ "$WITH_LOCKBOX" = 1 ]; then
  [ -x ./lockbox ] || { log "./lockbox launcher not found (use --no-lockbox to skip Lockbox)"; exit 1; }
  LP="$(free_port)"
  mkdir -p "$WORK/lockbox-data"
  log "starting Lockbox on 127.0.0.1:$LP (data $WORK/lockbox-data)"
  LOCKBOX_ROOT_ACCESS_KEY_ID="$ACCESS_KEY" LOCKBOX_ROOT_SECRET_ACCESS_KEY="$SECRET_KEY" \
    start lockbox "$WORK/lockbox.log" ./lockbox serve --listen "127.0.0.1:$LP" --data "$WORK/lockbox-data"
  wait_http lockbox "http://127.0.0.1:$LP/" "$LOCKBOX_READY_TIMEOUT"
  add_endpoint "http://127.0.0.1:$LP" lockbox "$(listener_pid "$LP")"
fi

if [ "$WITH_DYNALITE" = 1 ]; then
  if [ ! -e bench/.peer/node_modules/.bin/dynalite ]; then
    log "installing dynalite@$DYNALITE_VERSION into bench/.peer"
    mkdir -p bench/.peer
    npm install --no-save --no-audit --no-fund --loglevel=error "dynalite@$DYNALITE_VERSION" --prefix bench/.peer >&2
  fi
  DP="$(free_port)"
  log "starting dynalite (in memory) on 127.0.0.1:$DP"
  start dynalite "$WORK/dynalite.log" node bench/.peer/node_modules/.bin/dynalite --port "$DP" --host 127.0.0.1
  wait_http dynalite "http://127.0.0.1:$DP/" 30
  add_endpoint "http://127.0.0.1:$DP" dynalite "$(listener_pid "$DP")"
fi

if [ "$WITH_BARE" = 1 ]; then
  BP="$(free_port)"
  log "starting the bare Kestrel reference on 127.0.0.1:$BP"
  start bare "$WORK/bare.log" dotnet "$BENCH_DLL" --bare-server "$BP"
  wait_http bare "http://127.0.0.1:$BP/" 30 POST
  add_endpoint "http://127.0.0.1:$BP" bare-kestrel "$(listener_pid "$BP")"
fi

[ ${#ENDPOINTS[@]} -gt 0 ] || { log "nothing to measure"; exit 2; }

mkdir -p "$OUT_DIR"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
COMMON=(--connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" --rounds "$ROUNDS"
        --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" --region us-east-1)

if [ "$WITH_RAW" = 1 ]; then
  log "raw HTTP pass (GET /) -> $OUT_DIR/raw-$STAMP.{txt,json}"
  dotnet "$BENCH_DLL" --raw "${ENDPOINTS[@]}" "${LABELS[@]}" "${PIDS[@]}" "${COMMON[@]}" \
    --json "$OUT_DIR/raw-$STAMP.json" "${EXTRA[@]}" | tee "$OUT_DIR/raw-$STAMP.txt"
fi

log "DynamoDB ops pass ($OPS) -> $OUT_DIR/ops-$STAMP.{txt,json}"
dotnet "$BENCH_DLL" "${ENDPOINTS[@]}" "${LABELS[@]}" "${PIDS[@]}" "${COMMON[@]}" \
  --ops "$OPS" --items "$ITEMS" --json "$OUT_DIR/ops-$STAMP.json" "${EXTRA[@]}" | tee "$OUT_DIR/ops-$STAMP.txt"
