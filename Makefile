# Strata's one test command is `make test`; CI (.ci/run) calls exactly that.
GO ?= go

.PHONY: test quickstart fmt fuzz wire bench

test: ## Everything: installs redis-server if needed, vets, runs every test with -race.
	./scripts/ensure-redis
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 25m ./...
	@# The tests the race detector defeats are built !race: run them without it.
	$(GO) test -count=1 -run 'TestHotKeysSurviveOneOffWrites' ./drivers/memory

quickstart: ## The quick-start on the embedded memory driver, no server needed.
	$(GO) run ./examples/quickstart

fmt:
	gofmt -w $$(git ls-files '*.go')

fuzz: ## A minute of fuzzing per codec; commit what it finds under serializer/testdata/fuzz.
	for f in FuzzMsgPackUnmarshal FuzzGobUnmarshal FuzzJSONUnmarshal FuzzMarshalGraph FuzzGobUnmarshalNested; do \
		$(GO) test ./serializer -run '^$$' -fuzz $$f -fuzztime 60s || exit 1; done

wire: ## Regenerate examples/wire/wire_gen.go.
	cd examples/wire && $(GO) tool wire gen .

ROUNDS ?= 15
BENCHTIME ?= 20ms
RESULTS ?= RESULTS.md

bench: ## Strata against peer libraries (nested module bench/; ~15 min on 2 cores); writes bench/RESULTS.md. Quick check: make bench ROUNDS=2 BENCHTIME=20ms RESULTS=out/RESULTS.md
	./scripts/ensure-redis
	cd bench && ROUNDS=$(ROUNDS) BENCHTIME=$(BENCHTIME) RESULTS=$(RESULTS) BENCH='$(BENCH)' GO=$(GO) ./run.sh
