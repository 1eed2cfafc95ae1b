# A thin front for CMake. `make demo` and `make check` are the README's two commands.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 15
JOBS ?= $(shell nproc)

.PHONY: all deps build demo check test asan valgrind fuzz bench docs install clean

all: build

deps:
	sh .ci/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

# Build, then report on this machine and on a bundled sample host (a real
# Debian kernel's sysfs, recorded under QEMU with an emulated IOMMU).
demo: build
	$(BUILD)/gpuvirt report
	rm -rf $(BUILD)/sample-host
	$(BUILD)/tests/simhost-build tests/simhost/hosts qemu-q35-iommu-on $(BUILD)/sample-host
	$(BUILD)/gpuvirt --root $(BUILD)/sample-host report

# Tests in parallel, one per core; the real-kernel and Xen tiers and the
# bench run alone (RUN_SERIAL).
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DGPUVIRT_SANITIZE=ON -DGPUVIRT_BUILD_DOCS=OFF -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

valgrind: build
	sh tests/valgrind.sh $(BUILD)

# libgpuvirt against lspci, mdevctl, virt-host-validate and driverctl on
# the same generated hosts: one table of ratios (times printed, never asserted).
bench: build
	/usr/bin/python3 tests/bench/bench.py --build $(BUILD)

# Every parser under libFuzzer (clang, ASan, UBSan), FUZZ_SECONDS each.
fuzz: deps
	sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Every test: the suite, the same suite under ASan/UBSan, under valgrind,
# and the parsers fuzzed for a bounded time.
check: test asan valgrind fuzz

docs: build
	cmake --build $(BUILD) --target docs

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
