# The two commands of the README. Each installs what it needs, builds, and runs.
#   make demo   start parleyd with demo data (two delegations, one meeting under negotiation)
#   make test   every test: unit, fuzz corpora, process-level, sanitizers, short fuzzing
.PHONY: demo test deps test-deps build bench fuzz clean

JOBS ?= 2
BUILD := build/release

deps:
	scripts/install-deps.sh

test-deps:
	scripts/install-deps.sh --test

build: deps
	cmake --preset release >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	scripts/demo.sh

test: test-deps build
	scripts/test.sh

bench: test-deps build
	$(BUILD)/bench/negotiation_bench
	$(BUILD)/bench/media_bench
	$(BUILD)/bench/compare_bench --quick
	$(BUILD)/bench/sframe_bench
	$(BUILD)/bench/tlog_bench
	$(BUILD)/bench/record_bench
	node bench/e2ee_chromium.mjs

fuzz: deps
	scripts/fuzz.sh 60

clean:
	rm -rf build .demo
