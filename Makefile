# Lookout: `make setup` installs build dependencies, `make test` runs the tests,
# `make run` runs lookoutd (camera, or a replay folder), `make bench` prints BENCHMARKS.md's tables,
# `make install` installs it as a systemd service, `make deb` builds the Debian packages into dist/.
# `make test-deb13` and `make test-arm64` (FILTER=REGEX for a subset) run the unit suite with Debian 13's
# Swift and libraries, and on arm64 under qemu-user.
.PHONY: setup build release test test-deb13 test-arm64 bench run install deb clean test-asan test-tsan fuzz soak

setup:
	scripts/setup.sh

build: setup
	swift build

release: setup
	swift build -c release

test: setup
	scripts/test.sh

test-deb13:
	scripts/test-debian13.sh $(if $(FILTER),--filter '$(FILTER)')

test-arm64:
	scripts/test-arm64.sh $(if $(FILTER),--filter '$(FILTER)')

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

# lookout_V+deb12_amd64.deb (this host), +deb13_amd64 and +deb13_arm64 (Debian 13 roots); FLAVOURS picks some.
deb: setup
	scripts/make-deb.sh $(FLAVOURS)

clean:
	rm -rf .build
