# Lookout: `make setup` installs build dependencies, `make test` runs the tests,
# `make run` runs lookoutd (camera, or a replay folder), `make bench` prints BENCHMARKS.md's tables,
# `make install` installs it as a systemd service.
.PHONY: setup build release test bench run install clean test-asan test-tsan fuzz soak

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
	scripts/benchmark-retrain.sh

# The unit suite under AddressSanitizer / ThreadSanitizer (own scratch folders); libFuzzer targets
# (scripts/fuzz.sh [--seconds N] [TARGET...]); the 30-minute reload/unplug soak (scripts/soak.sh).
test-asan: setup
	scripts/sanitize.sh address

test-tsan: setup
	scripts/sanitize.sh thread

fuzz: setup
	scripts/fuzz.sh

soak: setup
	scripts/soak.sh

run:
	scripts/run.sh

# DESTDIR and PREFIX are honoured (make install DESTDIR=/tmp/root).
install: setup
	scripts/install.sh

clean:
	rm -rf .build
