# sohoa: the two commands that do everything on a fresh Debian machine.
#   make run    install what is missing, build, serve on 127.0.0.1:8080 (state in ./data)
#   make test   install what is missing, then fmt, clippy and the whole test suite,
#               on the embedded stack (SQLite, folder) and the distributed one (PostgreSQL, Garage)
# Others: make bench (throughput and latency figures), make bench-ocr (reading real
# captures against tesseract and OCRmyPDF), make bench-ledger (the access ledger under load),
# make bench-uploads (memory with uploads in flight), make bench-search (search over
# 100,000 records), make bench-desk (the desk's pages with 10,000 records on file),
# make bench-particulars (particulars read off real captures), make fuzz (the decoders and
# the upload body under libFuzzer, 10 minutes each),
# make crash-test (50 rounds of SIGKILL under uploads), make fixtures, make build.

CARGO ?= cargo
# Debian's python3 sees python3-pil from apt; a pyenv python3 on PATH may not.
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
SOHOA_LISTEN ?= 127.0.0.1:8080
export SOHOA_LISTEN

.PHONY: run test deps test-deps build lint bench bench-ocr bench-ledger bench-uploads bench-search bench-desk bench-particulars fuzz bench-scale-out crash-test fixtures clean

run: deps
	$(CARGO) build --release
	./target/release/sohoa serve

deps:
	scripts/install-deps.sh

test-deps:
	scripts/install-deps.sh --test
	scripts/test-services.sh

build: deps
	$(CARGO) build --release

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

test: test-deps lint
	$(CARGO) test
	TEST_STACK=distributed $(CARGO) test --test api

bench: test-deps
	scripts/install-deps.sh --bench
	$(CARGO) build --release
	$(PYTHON) bench/bench.py

bench-ocr: test-deps
	scripts/install-deps.sh --bench
	$(CARGO) build --release
	$(PYTHON) bench/ocr.py

bench-ledger: test-deps
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	$(CARGO) build --release
	$(PYTHON) bench/ledger.py

# Search over 100,000 generated records, SQLite (FTS5) and PostgreSQL (GIN):
# index build rate and query latency.
bench-search: test-deps
	$(CARGO) build --release
	$(PYTHON) bench/search.py

# The officers' desk with 10,000 records on file: each page's latency.
bench-desk: test-deps
	$(CARGO) build --release
	$(PYTHON) bench/desk.py

# Particulars read off every capture of the fixture generator: fields right,
# wrong and absent, and the time extraction adds to reading.
bench-particulars: test-deps
	$(CARGO) build --release
	$(PYTHON) bench/particulars.py

# Peak memory with 50 uploads of 1 MB and 10 of 80 MB in flight at once.
bench-uploads: test-deps
	$(CARGO) build --release
	$(PYTHON) bench/uploads.py

# libFuzzer over the decoders and the upload body (cargo-fuzz on the stable
# toolchain: no sanitizer), FUZZ_SECONDS each; a crash stops with its input in
# fuzz/artifacts/, to be kept in fuzz/regressions/ (cargo test replays them).
FUZZ_SECONDS ?= 600
fuzz: test-deps
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	$(PYTHON) fuzz/make_seeds.py
	mkdir -p fuzz/corpus/decode fuzz/corpus/upload
	cd fuzz && $(CARGO) fuzz run decode --sanitizer none corpus/decode seeds/decode ../fixtures/damaged \
		-- -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -max_len=65536
	cd fuzz && $(CARGO) fuzz run upload --sanitizer none corpus/upload seeds/upload \
		-- -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -max_len=65536

# Uploads while the server is SIGKILLed at random moments, 50 rounds; every
# acknowledged record must come back byte for byte and reach pending_review.
crash-test: test-deps
	CRASH_ROUNDS=50 $(CARGO) test --test api crash:: -- --nocapture
	CRASH_ROUNDS=50 TEST_STACK=distributed $(CARGO) test --test api crash:: -- --nocapture

bench-scale-out: test-deps
	$(CARGO) build --release
	$(PYTHON) bench/scale_out.py

fixtures: test-deps
	$(PYTHON) fixtures/make_fixtures.py
	$(PYTHON) fixtures/make_sparse.py
	$(PYTHON) fixtures/make_damaged.py
	$(PYTHON) fixtures/make_captures.py --tests

clean:
	$(CARGO) clean
	rm -rf bench/out
