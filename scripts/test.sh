#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit, integration and doc tests.
# README's test command and CI's `.ci/run` both run exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

# The toolchain's components; present on the project's machines, added if not.
for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
        rustup component add "$component"
    fi
done

echo "== cargo fmt --check"
cargo fmt --all --check

echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

echo "== cargo test (unit, integration, examples, doc tests)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# A hang is a failure, not a stalled CI run.
timeout 900 cargo test --workspace --all-targets 2>&1 | tee -a "$log"
timeout 600 cargo test --workspace --doc 2>&1 | tee -a "$log"

echo "== loom model tests (release, --cfg syncio_loom)"
loom_log=$(mktemp)
trap 'rm -f "$log" "$loom_log"' EXIT
RUSTFLAGS="--cfg syncio_loom" LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}" \
    timeout 1200 cargo test --release --target-dir target/loom --test 'loom_*' 2>&1 | tee "$loom_log"
loom_ran=$(awk '/^test result:/ { p += $4 } END { print p + 0 }' "$loom_log")
if [ "$loom_ran" -eq 0 ]; then
    echo "error: no loom test ran" >&2
    exit 1
fi
cat "$loom_log" >>"$log"

echo "== examples run"
for example in workers bank producer_consumer start_signal phased_workers; do
    timeout 120 cargo run --quiet --example "$example" >/dev/null
done

echo "== benchmark profile mode (what scripts/callgrind.sh runs), once per workload"
for workload in 3a 3b 4 5a 5b 6a 6b 7; do
    out=$(SYNCIO_PROFILE="$workload/syncio/1" timeout 300 cargo test --quiet --bench compare)
    grep -q '^ops per run: [1-9]' <<<"$out" || {
        echo "error: SYNCIO_PROFILE=$workload/syncio/1 printed no operation count" >&2
        exit 1
    }
done

echo "== python: build the extension (maturin, in a fresh virtual environment) and run its tests"
# CPython's own tests (test.lock_tests, test.test_asyncio.test_locks) come
# from the interpreter's `test` package.
python=${PYTHON:-python3}
"$python" -c 'import test.lock_tests, test.test_asyncio.test_locks' || {
    echo "error: $python lacks CPython's test package (test.lock_tests)" >&2
    exit 1
}
venv=target/py-venv
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "maturin==1.16.0" "pytest==8.*"
(cd python && VIRTUAL_ENV="$PWD/../$venv" "../$venv/bin/maturin" develop --release --quiet)
py_log=$(mktemp)
trap 'rm -f "$log" "$loom_log" "$py_log"' EXIT
(cd python && timeout 900 "../$venv/bin/python" -m pytest -q -rs tests) 2>&1 | tee "$py_log"

# One closing line for the Rust tests, one for the Python ones.
awk '/^test result:/ { p += $4; f += $6; i += $8 }
     END { printf "rust: %d passed, %d failed, %d skipped\n", p, f, i }' "$log"
grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed)' "$py_log" | tail -1 | sed 's/^=* */python: /; s/ *=*$//'
