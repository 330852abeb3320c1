#!/usr/bin/env bash
# HTTP match-by-hash throughput and latency: `bulwark serve` (release, SQLite) with N random
# PDQ hashes banked, loaded with wrk on loopback (POST /v1/match, half matching queries).
#   scripts/bench-http.sh [N=1000000] [SECONDS=20] [CONNECTIONS=64]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"; seconds="${2:-20}"; connections="${3:-64}"
command -v wrk >/dev/null || { source scripts/deps.sh; bulwark_install_deps wrk; }
swift build -c release --product bulwark >&2
bin=.build/release/bulwark
out=bench/service/out; mkdir -p "$out"
data="$(mktemp -d)"; trap 'kill ${server:-0} 2>/dev/null || true; rm -rf "$data"' EXIT
python3 bench/service/gen_hashes.py "$n" "$out/hashes.txt" "$out/queries.txt"
key=$($bin keys create --role admin --name bench --data-dir "$data" 2>/dev/null)
$bin bank create BENCH --data-dir "$data" >/dev/null
$bin bank import --bank BENCH --format hashes --signal-type pdq --data-dir "$data" "$out/hashes.txt" >&2
$bin serve --data-dir "$data" --port 18190 --log-level warning & server=$!
for i in $(seq 1 600); do curl -sf http://127.0.0.1:18190/readyz >/dev/null && break; sleep 0.1; done
echo "index ready with $n hashes; warming up" >&2
BULWARK_BENCH_KEY="$key" BULWARK_BENCH_QUERIES="$out/queries.txt" wrk -t2 -c"$connections" -d3s -s bench/service/match.lua http://127.0.0.1:18190 >/dev/null
BULWARK_BENCH_KEY="$key" BULWARK_BENCH_QUERIES="$out/queries.txt" wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/service/match.lua http://127.0.0.1:18190 | tee "$out/wrk.txt"
echo "server RSS: $(grep VmRSS /proc/$server/status | awk '{print $2/1024 " MiB"}')"
