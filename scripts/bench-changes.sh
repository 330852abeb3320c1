#!/usr/bin/env bash
# Change-to-match latency across two `bulwark serve` processes sharing one PostgreSQL:
# an entry added (or disabled) through one process must match (or stop matching) on the other.
# Starts a throwaway PostgreSQL, two servers on loopback, runs bench/service/change_latency.py.
#   scripts/bench-changes.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-200}"
swift build -c release --product bulwark >&2
exec scripts/with-postgres.sh bash -c '
    set -euo pipefail
    bin=.build/release/bulwark
    key=$($bin keys create --role admin --name bench --database-url "$BULWARK_TEST_POSTGRES_URL" 2>/dev/null)
    $bin serve --database-url "$BULWARK_TEST_POSTGRES_URL" --port 18181 --log-level warning & a=$!
    $bin serve --database-url "$BULWARK_TEST_POSTGRES_URL" --port 18182 --log-level warning & b=$!
    trap "kill $a $b 2>/dev/null || true" EXIT
    for port in 18181 18182; do
        for i in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
    done
    python3 bench/service/change_latency.py http://127.0.0.1:18181 http://127.0.0.1:18182 "$key" '"$rounds"'
'
