# Lookout: `make setup` installs build dependencies, `make test` runs the tests,
# `make bench` prints the benchmark tables that BENCHMARKS.md records.
.PHONY: setup build release test bench clean

setup:
	scripts/setup.sh

build: setup
	swift build

release: setup
	swift build -c release

test: setup
	scripts/test.sh

bench: release
	scripts/benchmark.sh

clean:
	rm -rf .build
