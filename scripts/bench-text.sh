#!/usr/bin/env bash
# Text pipeline benchmark (not a test): normalise + extract + match + score throughput with
# 100,000 list entries loaded, in posts per CPU-second, plus the memory the lists take; then the
# eval's precision and recall per disguise class.
#
#   scripts/bench-text.sh [--entries N] [--posts N]
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> building signals-bench and bulwark (release)"
swift build -c release --product signals-bench 2>&1 | grep -E 'error|warning: ' || true
bin="$(swift build -c release --show-bin-path)"
echo "==> throughput"
/usr/bin/time -f "max resident %M KiB, %U s user, %S s system" "$bin/signals-bench" "$@"
