#!/usr/bin/env bash
# Builds the benchmark binary (benches/compare.rs, release) if needed and
# prints its path; scripts/callgrind.sh and scripts/perf.sh run it with
# SYNCIO_PROFILE set.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench compare --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "compare" and m.get("executable"):
        print(m["executable"])'
