#!/usr/bin/env bash
# Account graph benchmark (not a test): the ban-evasion eval on the simulated platform, replay
# throughput through `bulwark accounts replay` (memory and SQLite), and screen latency (each screen
# recorded in the account log, as the API does) at scale on SQLite and PostgreSQL.
#
#   scripts/bench-accounts.sh                       eval, replay, 1M accounts on SQLite and PostgreSQL
#   BENCH_SQLITE_ACCOUNTS=N BENCH_PG_ACCOUNTS=N     other sizes (0 skips that backend)
set -euo pipefail
cd "$(dirname "$0")/.."
sqlite_accounts="${BENCH_SQLITE_ACCOUNTS:-1000000}"
pg_accounts="${BENCH_PG_ACCOUNTS:-1000000}"
screens="${BENCH_SCREENS:-10000}"
echo "==> building bulwark and accounts-bench (release)"
swift build -c release --product bulwark 2>&1 | grep -E 'error|warning: ' || true
swift build -c release --product accounts-bench 2>&1 | grep -E 'error|warning: ' || true
bin="$(swift build -c release --show-bin-path)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "==> eval (seed 1: 20,000 ordinary users, 150 traders, 60 days)"
"$bin/bulwark" accounts eval --write "$work/eval"

echo "==> replay throughput: $(wc -l < "$work/eval/events.jsonl") events"
/usr/bin/time -f "memory only: max resident %M KiB, %e s" "$bin/bulwark" accounts replay < "$work/eval/events.jsonl" > /dev/null
/usr/bin/time -f "SQLite log: max resident %M KiB, %e s" "$bin/bulwark" accounts replay --db "$work/replay.sqlite" < "$work/eval/events.jsonl" > /dev/null

if [ "$sqlite_accounts" -gt 0 ]; then
    echo "==> screens at $sqlite_accounts accounts on SQLite"
    /usr/bin/time -f "max resident %M KiB" "$bin/accounts-bench" --accounts "$sqlite_accounts" --screens "$screens" --db "$work/bench.sqlite"
fi
if [ "$pg_accounts" -gt 0 ]; then
    echo "==> screens at $pg_accounts accounts on PostgreSQL"
    scripts/with-postgres.sh bash -c '/usr/bin/time -f "max resident %M KiB" "$0" --accounts "$1" --screens "$2" --db "$BULWARK_TEST_POSTGRES_URL"' \
        "$bin/accounts-bench" "$pg_accounts" "$screens"
fi
