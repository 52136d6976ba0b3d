#!/usr/bin/env bash
# Everything CI checks; `make test` runs it with no arguments, .ci/run runs `make test`.
#
#   scripts/test-all.sh [STEP...]     STEP: deps lint go pg e2e (default: all, in that order)
#
#   deps  Debian chromium + fonts-noto-cjk when missing, `npm ci` in e2e/, PostgreSQL started
#   lint  gofmt -l, go vet, staticcheck (pinned), go mod tidy -diff
#   go    go test -race ./... on embedded SQLite
#   pg    the store tests (sqldb, testkit) on PostgreSQL at $YANGLAO_TEST_POSTGRES
#   e2e   browser tests: bin/yanglao demo + serve, headless chromium, axe-core
#
# Every step runs even when an earlier one failed, so one run shows every problem; the
# script exits non-zero when anything failed. The last line counts tests and checks:
# "N passed, M failed" (each lint check counts as one; a step that fails without a
# failing test, such as a build error, counts as one failure).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

: "${STATICCHECK_VERSION:=v0.8.2}"
: "${YANGLAO_TEST_POSTGRES:=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
: "${GO_TEST_TIMEOUT:=20m}"
export YANGLAO_TEST_POSTGRES

steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(deps lint go pg e2e)
want() { local s; for s in "${steps[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
for s in "${steps[@]}"; do
  case $s in deps|lint|go|pg|e2e) ;; *) echo "unknown step: $s (use deps lint go pg e2e)" >&2; exit 2 ;; esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

passed=0 failed=0 skipped=0
report=()
start_all=$SECONDS

# run CMD...: runs CMD in a subshell with `set -e` in force and sets rc to its status
# (bash ignores `set -e` inside a function called as `f || ...`, so no `||` here).
run() { set +e; ( set -e; "$@" ) </dev/null; rc=$?; set -e; }

banner() { printf '\n==> %s\n' "$*"; }

# record NAME STATUS SECONDS [DETAIL]
record() { report+=("$(printf '  %-34s %-5s %4ss  %s' "$1" "$2" "$3" "${4:-}")"); }

# check NAME CMD...: a check that passes or fails as a whole.
check() {
  local name=$1; shift
  banner "$name"
  local t0=$SECONDS rc=0
  run "$@"
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1)); record "$name" ok $((SECONDS - t0))
  else
    failed=$((failed + 1)); record "$name" FAIL $((SECONDS - t0)) "exit $rc"
  fi
}

# counted NAME SUMMARY_FILE CMD...: a test run that writes "PASSED FAILED SKIPPED" to SUMMARY_FILE.
counted() {
  local name=$1 summary=$2; shift 2
  banner "$name"
  local t0=$SECONDS rc=0 p=0 f=0 s=0
  rm -f "$summary"
  run "$@"
  [ -s "$summary" ] && read -r p f s < "$summary"
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # failed with no failing test: count the step
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  local status=ok; [ $rc -ne 0 ] && status=FAIL
  record "$name" "$status" $((SECONDS - t0)) "$p passed, $f failed, $s skipped"
}

# --- steps -------------------------------------------------------------------------

install_browser() {
  local missing=() sudo=
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
  if [ ${#missing[@]} -eq 0 ]; then
    echo "chromium and fonts-noto-cjk are installed: $(chromium --version 2>/dev/null | head -1)"
    return 0
  fi
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "installing ${missing[*]} from Debian"
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
}

install_npm() {
  # npm ci when e2e/node_modules is missing or older than the lock file (always on a clean clone).
  if [ -f e2e/node_modules/.package-lock.json ] && [ e2e/node_modules/.package-lock.json -nt e2e/package-lock.json ] \
     && [ "${CI:-}" != true ]; then
    echo "e2e/node_modules is up to date"
    return 0
  fi
  (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
}

pg_ready() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h 127.0.0.1 -p 5432
  else
    (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
  fi
}

start_postgres() {
  if pg_ready; then echo "PostgreSQL is accepting connections on 127.0.0.1:5432"; return 0; fi
  if [ ! -d /etc/postgresql ] || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    echo "PostgreSQL is not installed here; the 'pg' step needs a server at $YANGLAO_TEST_POSTGRES" >&2
    return 1
  fi
  local v; v=$(ls /etc/postgresql | sort -V | tail -1)
  echo "starting PostgreSQL $v"
  pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
  local i
  for i in $(seq 1 30); do pg_ready && { echo "PostgreSQL is up"; return 0; }; sleep 1; done
  echo "PostgreSQL did not start within 30 s" >&2
  return 1
}

gofmt_check() {
  local files
  files=$(find . -name '*.go' -not -path './.git/*' -not -path '*/node_modules/*' -print0 | xargs -0 gofmt -l)
  if [ -n "$files" ]; then
    echo "gofmt would change these files (run: gofmt -w <file>):"
    echo "$files"
    return 1
  fi
}

staticcheck_check() {
  echo "staticcheck $STATICCHECK_VERSION (honnef.co/go/tools)"
  go run "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" ./...
}

tidy_check() {
  # -diff prints what tidy would change and exits non-zero, without touching the files.
  go mod tidy -diff
}

go_tests() {
  SUMMARY_FILE=$work/go.sum.txt
  export SUMMARY_FILE
  go test -race -timeout "$GO_TEST_TIMEOUT" -json ./... | node scripts/gotest-summary.mjs "go test -race (SQLite)"
}

pg_tests() {
  SUMMARY_FILE=$work/pg.sum.txt
  export SUMMARY_FILE
  go test -count=1 -timeout "$GO_TEST_TIMEOUT" -json ./sqldb/... ./testkit/... \
    | node scripts/gotest-summary.mjs "go test (PostgreSQL)"
}

e2e_tests() {
  local tap=$work/e2e.tap rc=0
  (cd e2e && timeout 900 node --test \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$tap" \
      tests/) || rc=$?
  local p f s
  p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" 2>/dev/null | tail -1)
  f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" 2>/dev/null | tail -1)
  s=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$tap" 2>/dev/null | tail -1)
  echo "${p:-0} ${f:-0} ${s:-0}" > "$work/e2e.sum.txt"
  echo "screenshots: $root/e2e/screenshots/"
  return $rc
}

# --- run -----------------------------------------------------------------------------

echo "yanglao checks: ${steps[*]}  ($(go version | cut -d' ' -f3), node $(node --version 2>/dev/null || echo missing), $(nproc) cores)"

if want deps; then
  check "install chromium + fonts" install_browser
  check "npm ci (e2e)" install_npm
  check "start PostgreSQL" start_postgres
fi
if want lint; then
  check "gofmt -l" gofmt_check
  check "go vet ./..." go vet ./...
  check "staticcheck $STATICCHECK_VERSION" staticcheck_check
  check "go mod tidy -diff" tidy_check
fi
if want go; then
  counted "go test -race ./... (SQLite)" "$work/go.sum.txt" go_tests
fi
if want pg; then
  if ! want deps; then check "start PostgreSQL" start_postgres; fi
  counted "store tests on PostgreSQL" "$work/pg.sum.txt" pg_tests
fi
if want e2e; then
  if ! want deps; then
    check "install chromium + fonts" install_browser
    check "npm ci (e2e)" install_npm
  fi
  counted "browser tests (chromium)" "$work/e2e.sum.txt" e2e_tests
fi

echo
echo "summary ($((SECONDS - start_all)) s):"
printf '%s\n' "${report[@]}"
echo
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
