# weir's build. `make run` serves the quickstart; `make test` runs every test and
# installs what the tests need first. Every Go command carries the duckdb_arrow tag:
# the embedded query layer uses duckdb-go's Arrow interface.

GO      ?= go
TAGS    := duckdb_arrow
GOTEST  := $(GO) test -tags $(TAGS) -timeout 30m
# Packages with concurrency run again under the race detector; of the root
# package, the tests of its concurrent parts (sink delivery, subscriptions,
# processes, metrics, pipelines, TTL, restarts, transactions).
RACE_PKGS := ./exec/... ./wire/... ./statestore/... ./internal/...
RACE_ROOT := TestOracleCases|TestTransaction|TestSinks|TestSubscribe|TestProcess|TestMetrics|TestPipeline$$|TestAvroSink|TestViewTTL|TestRestartChains|TestSignalBackend
LISTEN  ?= 127.0.0.1:5454
DATA    ?= weir-data

.PHONY: all build run test unit race fuzz fuzz-long crash-long e2e bench bench-go lint deps clean

all: build

build:
	$(GO) build -tags $(TAGS) -o bin/weir ./cmd/weir

run: build
	./bin/weir serve --listen $(LISTEN) --data-dir $(DATA) --init examples/quickstart.sql

deps:
	bash .ci/install-deps

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...
	# The protocol, the parser, the planner, the state store and the runtime
	# build without cgo; only exec/adhoc embeds DuckDB.
	CGO_ENABLED=0 $(GO) build ./wire/... ./sql/... ./planner/... ./statestore/... $$($(GO) list ./exec/... | grep -v '/exec/adhoc$$')

unit:
	$(GOTEST) -count=1 ./...

race:
	$(GOTEST) -race -count=1 $(RACE_PKGS)
	$(GOTEST) -race -count=1 -run '$(RACE_ROOT)' .

# fuzz runs each fuzz target briefly on top of its committed seed corpus.
fuzz:
	bash .ci/fuzz-smoke

# fuzz-long runs every fuzz target (the wire decoder, the parser, statements
# against a live session) for FUZZTIME each.
FUZZTIME ?= 10m
fuzz-long:
	FUZZTIME=$(FUZZTIME) bash .ci/fuzz-smoke

# crash-long runs the SIGKILL test of durable writes for CRASH_ROUNDS rounds
# (make test runs 6).
CRASH_ROUNDS ?= 500
crash-long:
	WEIR_CRASH_ROUNDS=$(CRASH_ROUNDS) $(GOTEST) -count=1 -timeout 0 -run 'TestCrashDurableWrites' -v .

e2e: build
	bash .ci/psql-test

test: deps lint unit race fuzz e2e

# bench prints weir's figures (rows/s per core, ratio to DuckDB in the same run,
# peak memory, lookup latency); bench-go runs the packages' Go benchmarks.
bench:
	$(GO) run -tags $(TAGS) ./cmd/weir-bench

bench-go:
	$(GOTEST) -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin $(DATA)
