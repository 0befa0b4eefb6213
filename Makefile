# askdb: the two commands of the README, and a few more for developers.
#   make demo   installs what is missing, builds, runs the embedded demo database
#   make test   installs what is missing, builds with sanitizers, runs the whole test suite
#               (ctest, then each libFuzzer target for a few seconds: fuzz-smoke)
#   make fuzz   builds the libFuzzer targets with clang (build-fuzz/) and runs each for
#               FUZZ_SECONDS (300); crashes go to build-fuzz/fuzz-artifacts/<target>/
#   make image  builds the container images with podman (docs/container.md)
#   make container-test  builds them and tests them for real (scripts/container-test.sh)

JOBS ?= $(shell nproc)
BUILD ?= build
TEST_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 20
CONTAINER_BUILD ?= build-container

.PHONY: demo test deps web build build-test bench format clean fuzz fuzz-smoke fuzz-build image \
	container-test

deps:
	@scripts/install-deps.sh

# The web chat's one third-party file (Chart.js) comes from npm into web/vendor/.
web/vendor/chart.umd.js: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

web: deps web/vendor/chart.umd.js

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASKDB_TESTS=OFF

build: deps web $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/askdb demo

$(TEST_BUILD)/build.ninja:
	cmake -S . -B $(TEST_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DASKDB_SANITIZE=ON -DASKDB_BENCH=OFF

build-test: deps web $(TEST_BUILD)/build.ninja
	cmake --build $(TEST_BUILD) -j $(JOBS)

test: build-test
	cd $(TEST_BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory fuzz-smoke

# libFuzzer targets (tests/fuzz): clang with libFuzzer, ASan and UBSan, in a tree of their own
# that builds only them and the layers they use.
$(FUZZ_BUILD)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASKDB_FUZZ=ON

fuzz-build: deps $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS)

# Container images (docs/container.md) with podman, from Debian's packages only: localhost/askdb
# and localhost/askdb-postgres, on BASE_IMAGE (default debian:bookworm-slim), which
# scripts/container-base.sh makes with debootstrap when podman has no image of that name. `web`
# first, so the build context carries Chart.js (web/vendor) made with this machine's npm.
image: web
	JOBS=$(JOBS) CONTAINER_BUILD=$(CONTAINER_BUILD) scripts/container-test.sh image

# The images tested for real: PostgreSQL with the demo data and askdb in containers, the fake
# LLM on the host; /healthz, /readyz, the HEALTHCHECK, a login and one question. A first run
# (base, images, compile) takes 5.5 minutes on a quiet 2-core machine and over 15 while other
# builds run; later runs well under a minute. Not part of `make test` (~8 minutes), which would
# then no longer fit CI's 15 minutes safely: .ci/run runs it after `make test` (which builds the
# fake LLM).
container-test: web $(TEST_BUILD)/build.ninja
	cmake --build $(TEST_BUILD) -j $(JOBS) --target fake_openai
	FAKE_OPENAI=$(TEST_BUILD)/fake_openai JOBS=$(JOBS) CONTAINER_BUILD=$(CONTAINER_BUILD) \
		scripts/container-test.sh

# Benchmarks build with optimisation in their own tree (they use the tests' fake LLM server).
bench: deps web
	cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASKDB_TESTS=ON -DASKDB_BENCH=ON >/dev/null
	cmake --build build-bench -j $(JOBS) --target bench_pipeline bench_load bench_llm bench_retrieval bench_knowledge askdb fake_openai
	build-bench/bench_llm
	build-bench/bench_retrieval
	build-bench/bench_knowledge
	build-bench/bench_pipeline
	build-bench/bench_load --max 5000 --all

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(FUZZ_BUILD) build-bench $(CONTAINER_BUILD)
