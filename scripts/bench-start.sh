#!/usr/bin/env bash
# Start-up time of `yanglao serve` (issue 2 budget: first start with the region import
# < 10 s; start on an existing database < 1 s). For each run it measures, from the moment
# the process is started:
#   addr   until serve prints its http:// address (it is listening)
#   ready  until GET /readyz answers 200
# and stops the server with SIGTERM. Nothing is sent anywhere but 127.0.0.1.
#
#   scripts/bench-start.sh [--first N] [--warm N] [--pg]
#
#   --first N  runs on a new, empty database each time (default 3)
#   --warm N   runs on the database the first run made (default 10)
#   --pg       PostgreSQL instead of SQLite: each first run creates a fresh database on
#              $YANGLAO_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432/postgres)
#              and drops it at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

first=3 warm=10 pg=false
while [ $# -gt 0 ]; do
  case $1 in
    --first) first=$2; shift 2 ;;
    --warm) warm=$2; shift 2 ;;
    --pg) pg=true; shift ;;
    *) echo "usage: $0 [--first N] [--warm N] [--pg]" >&2; exit 2 ;;
  esac
done
: "${YANGLAO_BENCH_POSTGRES:=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"

go build -o bin/yanglao ./cmd/yanglao
bin=$PWD/bin/yanglao
work=$(mktemp -d)
dbs=()
cleanup() {
  local d
  for d in "${dbs[@]}"; do psql -q "$YANGLAO_BENCH_POSTGRES" -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# run_once DATADIR [DBURL]: prints "ADDR_MS READY_MS"
run_once() {
  local dir=$1 db=${2:-} log=$work/serve.log args=(serve --data "$1" --addr 127.0.0.1:0)
  [ -n "$db" ] && args+=(--db "$db")
  : > "$log"
  local t0; t0=$(now_ms)
  "$bin" "${args[@]}" > "$log" 2>&1 &
  local pid=$! url= t1 t2
  until url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -1) && [ -n "$url" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "serve exited early:" >&2; cat "$log" >&2; exit 1; fi
    sleep 0.005
  done
  t1=$(now_ms)
  until curl -fsS -o /dev/null "$url/readyz" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "serve exited early:" >&2; cat "$log" >&2; exit 1; fi
    sleep 0.005
  done
  t2=$(now_ms)
  kill -TERM "$pid"
  wait "$pid" || true
  echo "$((t1 - t0)) $((t2 - t0))"
}

# stats LABEL VALUES...: min / median / max in ms
stats() {
  local label=$1; shift
  sort -n <<<"$(printf '%s\n' "$@")" | awk -v l="$label" '{v[NR]=$1} END {
    printf "  %-28s n=%d  min %d ms  median %d ms  max %d ms\n", l, NR, v[1], v[int((NR+1)/2)], v[NR] }'
}

echo "yanglao serve start-up: $(nproc) cores, $(go version | cut -d' ' -f3), $([ $pg = true ] && echo PostgreSQL || echo SQLite)"
fa=() fr=() wa=() wr=()
keep_dir= keep_db=
for i in $(seq 1 "$first"); do
  dir=$work/first-$i db=
  mkdir -p "$dir"
  if [ $pg = true ]; then
    name=yanglao_bench_start_$$_$i
    psql -q "$YANGLAO_BENCH_POSTGRES" -c "CREATE DATABASE $name" >/dev/null
    dbs+=("$name")
    db=$(sed -E "s#/[^/?]*(\?|$)#/$name\1#" <<<"${YANGLAO_BENCH_POSTGRES#postgres://}")
    db=postgres://$db
  fi
  out=$(run_once "$dir" "$db"); read -r a r <<<"$out"
  echo "  first start $i: listening after $a ms, ready after $r ms"
  fa+=("$a") fr+=("$r")
  keep_dir=$dir keep_db=$db
done
for i in $(seq 1 "$warm"); do
  out=$(run_once "$keep_dir" "$keep_db"); read -r a r <<<"$out"
  wa+=("$a") wr+=("$r")
done
echo
stats "first start: listening" "${fa[@]}"
stats "first start: /readyz 200" "${fr[@]}"
if [ "$warm" -gt 0 ]; then
  stats "existing db: listening" "${wa[@]}"
  stats "existing db: /readyz 200" "${wr[@]}"
fi
