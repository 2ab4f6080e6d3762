# spillway: the two commands a newcomer needs are `make run` and `make test`.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS  := -X main.version=$(VERSION)
BIN      := bin/spillway
SCENARIO ?= scenarios/examples/quickstart.yaml
# EMULATORS marks the npm install of the local Kinesis-compatible servers.
EMULATORS := testdata/emulators/node_modules/.installed

.PHONY: all build run test lint bench clean

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
## Firehose sweep, and spillway against a bare SDK loop on a local server.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=$(or $(COUNT),1) ./model/ ./loadgen/ ./loadgen/kinesis/

clean:
	rm -rf bin out testdata/emulators/node_modules
