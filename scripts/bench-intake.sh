#!/usr/bin/env bash
# Intake throughput and latency: `bulwark serve` (release) deciding POST /v1/content under wrk on
# loopback, text-only posts and posts with one 1 MP JPEG, on SQLite or PostgreSQL. A webhook
# receiver (python) takes the actions, so the outbox worker runs as in production.
#   scripts/bench-intake.sh [SECONDS=20] [CONNECTIONS=32] [POSTGRES_URL]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"; connections="${2:-32}"; pg="${3:-}"
source scripts/deps.sh
command -v wrk >/dev/null || bulwark_install_deps wrk
command -v jpegtran >/dev/null || bulwark_install_deps libjpeg-turbo-progs
swift build -c release --product bulwark >&2
bin=.build/release/bulwark
out=bench/intake/out; mkdir -p "$out"
data="$(mktemp -d)"; trap 'kill ${server:-0} ${receiver:-0} 2>/dev/null || true; rm -rf "$data"' EXIT
store=(--data-dir "$data"); [ -n "$pg" ] && store=(--database-url "$pg")

# A 1000×1000 crop (1 MP) of a benign reference photograph.
jpegtran -crop 1000x1000+300+0 -outfile "$out/1mp.jpg" ../shared/testdata/pdq/images/bridge-mods__aaa-orig.jpg
base64 -w0 "$out/1mp.jpg" > "$out/1mp.b64"

head -c 48 /dev/urandom | base64 > "$data/secret"
python3 bench/intake/receiver.py 18291 & receiver=$!
key=$($bin keys create --role admin --name bench "${store[@]}" 2>/dev/null)
$bin serve "${store[@]}" --port 18290 --log-level warning --canary-seconds 0 \
    --webhook-url http://127.0.0.1:18291/hook --webhook-secret-file "$data/secret" & server=$!
for i in $(seq 1 600); do curl -sf http://127.0.0.1:18290/readyz >/dev/null && break; sleep 0.1; done
curl -sf -X POST -H "X-API-Key: $key" -H 'Content-Type: application/json' -d '{"name":"bench-listed"}' http://127.0.0.1:18290/v1/banks >/dev/null
curl -sf -X POST -H "X-API-Key: $key" -H 'Content-Type: application/json' \
    -d '{"entries":[{"signalType":"handle","value":"telegram:bench_listed_seller"}]}' http://127.0.0.1:18290/v1/banks/bench-listed/entries >/dev/null
sleep 1

echo "== text-only posts ($connections connections, ${seconds}s)"
BULWARK_BENCH_RUN=warm BULWARK_BENCH_KEY="$key" wrk -t2 -c"$connections" -d3s -s bench/intake/post.lua http://127.0.0.1:18290 >/dev/null
BULWARK_BENCH_RUN=text BULWARK_BENCH_KEY="$key" wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/intake/post.lua http://127.0.0.1:18290 | tee "$out/text.txt"
echo "== posts with one 1 MP JPEG ($connections connections, ${seconds}s)"
BULWARK_BENCH_RUN=jpeg BULWARK_BENCH_KEY="$key" BULWARK_BENCH_JPEG_B64="$out/1mp.b64" wrk -t2 -c"$connections" -d"${seconds}s" --latency \
    -s bench/intake/post.lua http://127.0.0.1:18290 | tee "$out/jpeg.txt"
# The outbox after the load: how far delivery lags, and how fast it drains with the intake idle.
outbox() { curl -s -H "X-API-Key: $key" http://127.0.0.1:18290/v1/outbox; }
echo "outbox when the load stopped: $(outbox)"
python3 - "$key" <<'PY'
import json, sys, time, urllib.request
def stats():
    req = urllib.request.Request("http://127.0.0.1:18290/v1/outbox", headers={"X-API-Key": sys.argv[1]})
    return json.load(urllib.request.urlopen(req))
start, first = time.time(), stats()
while True:
    now = stats()
    if now["pending"] == 0 or time.time() - start > 300:
        break
    time.sleep(0.5)
elapsed = time.time() - start
delivered = now["delivered"] - first["delivered"]
print(f"drained {delivered} pending actions in {elapsed:.1f} s ({delivered / max(elapsed, 0.001):.0f} deliveries/s); pending now {now['pending']}")
PY
curl -s http://127.0.0.1:18290/metrics | grep -E '^bulwark_(intake_total|decisions_total|intake_replayed_total)' || true
echo "server RSS: $(grep VmRSS /proc/$server/status | awk '{print $2/1024 " MiB"}')"
