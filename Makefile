# yanglao — common tasks. `make test` is what CI runs (.ci/run).
#
#   make run          start the platform on embedded SQLite in ./data (prints the address)
#   make demo         load the demo county 郴州市北湖区 (431002) with one account per role
#   make build        build bin/yanglao
#   make test         everything CI checks: deps, gofmt, vet, staticcheck, tidy, go test -race,
#                     store tests on PostgreSQL, browser tests (see scripts/test-all.sh)
#   make test-go      just `go test ./...` (fast, SQLite)
#   make test-pg      store tests on PostgreSQL at $(YANGLAO_TEST_POSTGRES)
#   make test-e2e     browser tests in headless Debian chromium
#   make lint         gofmt, go vet, staticcheck, go mod tidy
#   make bench        Go benchmarks (BENCH=regex, COUNT=n, PKG=./web/...)

GO ?= go
ARGS ?=

# staticcheck 2026.2.2 (honnef.co/go/tools v0.8.2): the newest release the module proxy here
# serves; the 2026.x releases are the ones made for Go 1.26. Run with `go run …@VERSION`, so it
# is not a dependency in go.mod.
STATICCHECK_VERSION ?= v0.8.2
YANGLAO_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
BENCH ?= .
COUNT ?= 1
PKG ?= ./...

export STATICCHECK_VERSION YANGLAO_TEST_POSTGRES

.PHONY: run demo build test test-go test-pg test-e2e lint bench clean

run:
	$(GO) run ./cmd/yanglao serve $(ARGS)

demo:
	$(GO) run ./cmd/yanglao demo $(ARGS)

build:
	$(GO) build -o bin/yanglao ./cmd/yanglao

test:
	bash scripts/test-all.sh

test-go:
	$(GO) test ./...

test-pg:
	bash scripts/test-all.sh pg

test-e2e:
	bash scripts/test-all.sh e2e

lint:
	bash scripts/test-all.sh lint

bench:
	$(GO) test -run='^$$' -bench='$(BENCH)' -benchmem -count=$(COUNT) $(PKG)

clean:
	rm -rf bin e2e/screenshots e2e/node_modules
