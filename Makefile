# spillway: the two commands a newcomer needs are `make run` and `make test`.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS  := -X main.version=$(VERSION)
BIN      := bin/spillway
SCENARIO ?= scenarios/examples/quickstart.yaml
# EMULATORS marks the npm install of the local Kinesis-compatible servers.
EMULATORS := testdata/emulators/node_modules/.installed

.PHONY: all build run test lint bench perf clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/spillway

## run: the quickstart scenario on the built-in simulated stream (about 30 s).
run: build
	$(BIN) run $(SCENARIO)

## test: formatting, vet, and every test with the race detector, including
## the contract tests against kinesalite and kinesis-local (installed from
## testdata/emulators/package-lock.json, started on 127.0.0.1 by the tests).
test: lint $(EMULATORS)
	SPILLWAY_EMULATORS=required $(GO) test -race -count=1 ./...

$(EMULATORS): testdata/emulators/package.json testdata/emulators/package-lock.json
	npm ci --prefix testdata/emulators --no-audit --no-fund
	touch $@

lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## bench: the per-record path, a run against the simulated target, the
## Firehose sweep, and spillway against a bare SDK loop on a local server,
## COUNT times each (default 6), summarised by benchstat.
#
# The wire benchmarks of loadgen/kinesis (WIRE_BENCH: bare SDK loop,
# Target loop, whole run) run from one test binary, each once per round,
# COUNT rounds, so that machine noise falls on all three alike (`go test
# -count=N` would run each one N times in a row). benchstat, a tool in
# go.mod that `go tool` fetches, prints medians with 95% confidence
# intervals, then the wire benchmarks side by side (-col .name: each one's
# median against the SDK loop's, with a p-value). wireratio prints the wire
# ratios: median records/s and median cpu-ns/record of BenchmarkRunnerKinesis
# (and of BenchmarkTargetPutRecordsLoop) ÷ those of BenchmarkSDKPutRecordsLoop.
# Raw results stay in out/bench/.
COUNT ?= 6
BENCH_OUT := out/bench
WIRE_BENCH := ^Benchmark(SDK|Target)PutRecordsLoop$$|^BenchmarkRunnerKinesis$$
bench:
	@mkdir -p $(BENCH_OUT)
	$(GO) test -c -o $(BENCH_OUT)/kinesis.test ./loadgen/kinesis/
	@rm -f $(BENCH_OUT)/wire.txt
	@for i in $$(seq $(COUNT)); do \
		echo "wire round $$i of $(COUNT)"; \
		(cd loadgen/kinesis && ../../$(BENCH_OUT)/kinesis.test -test.run '^$$' -test.bench '$(WIRE_BENCH)' -test.benchmem) >>$(BENCH_OUT)/wire.txt || exit 1; \
	done
	$(GO) test -run '^$$' -bench . -benchmem -count=$(COUNT) ./model/ ./loadgen/ | tee $(BENCH_OUT)/pkgs.txt
	$(GO) test -run '^$$' -bench DecodePutRecords -benchmem -count=$(COUNT) ./loadgen/kinesis/ | tee -a $(BENCH_OUT)/pkgs.txt
	@cat $(BENCH_OUT)/pkgs.txt $(BENCH_OUT)/wire.txt >$(BENCH_OUT)/all.txt
	$(GO) tool benchstat $(BENCH_OUT)/all.txt
	$(GO) tool benchstat -col .name $(BENCH_OUT)/wire.txt
	$(GO) run ./loadgen/kinesis/internal/wireratio $(BENCH_OUT)/wire.txt

## perf: the generator's own ceiling, each scenario of scenarios/perf on the
## simulated stream (about 3 minutes; the README's "Performance" section).
## A scenario whose thresholds fail (exit code 3: the overload one drops
## records, as it should) does not stop the others.
PERF_OUT := out/perf
perf: build
	@for s in sim-2500k:--read=false sim-read-1500k: overload-10m:--read=false lag-50k: read-20k:; do \
		f=$${s%%:*}; flags=$${s#*:}; \
		echo "== $$f $$flags"; \
		$(BIN) run scenarios/perf/$$f.yaml $$flags --no-progress --out $(PERF_OUT) 2>&1 | \
			grep -E '^  (offered|dropped|acked) |achieved|send lag|pacer|OVERLOADED|BOTTLENECK|kept up|^  read |^  (PASS|FAIL) '; \
	done

clean:
	rm -rf bin out testdata/emulators/node_modules
