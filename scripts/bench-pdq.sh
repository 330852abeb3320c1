#!/usr/bin/env bash
# One-command PDQ benchmark: anchors (pdqhash, threatexchange/HMA path) vs `bulwark hash`.
# See bench/README.md. Outputs: bench/out/pdq-results.{json,md}; corpus in bench/corpus/.
#
#   scripts/bench-pdq.sh                 full corpus (500 JPEGs), anchors + bulwark
#   scripts/bench-pdq.sh --small         60 JPEGs (quick check); also BENCH_SMALL=1
#   scripts/bench-pdq.sh --anchors-only  skip building/running bulwark; also BENCH_ANCHORS_ONLY=1
#   options: --count N, --no-build (use the existing .build/release/bulwark),
#            --bulwark-bin PATH (benchmark that binary instead; implies --no-build),
#            --bulwark-repeat N (default 3), --strict-targets (exit 3 if a target fails)
#
# Exit: 0 ok, 1 correctness failure (hash/quality mismatch), 2 setup/build failure,
#       3 a performance target failed (only with --strict-targets).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
VENV="$BENCH/.venv"
OUT="$BENCH/out"

COUNT="${BENCH_COUNT:-500}"
SMALL_COUNT=60
[[ "${BENCH_SMALL:-0}" == 1 ]] && COUNT=$SMALL_COUNT
ANCHORS_ONLY="${BENCH_ANCHORS_ONLY:-0}"
BUILD=1
REPEAT="${BENCH_BULWARK_REPEAT:-3}"
STRICT=()
BIN_OVERRIDE="${BULWARK_BIN:-}"
[[ -n "$BIN_OVERRIDE" ]] && BUILD=0

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; }
die() { echo "bench-pdq: $*" >&2; exit 2; }

while (($#)); do
    case "$1" in
        --small) COUNT=$SMALL_COUNT ;;
        --count) [[ $# -ge 2 ]] || die "--count needs a number"; COUNT="$2"; shift ;;
        --anchors-only) ANCHORS_ONLY=1 ;;
        --no-build) BUILD=0 ;;
        --bulwark-bin) [[ $# -ge 2 ]] || die "--bulwark-bin needs a path"; BIN_OVERRIDE="$2"; BUILD=0; shift ;;
        --bulwark-repeat) [[ $# -ge 2 ]] || die "--bulwark-repeat needs a number"; REPEAT="$2"; shift ;;
        --strict-targets) STRICT=(--strict-targets) ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
done
[[ "$COUNT" =~ ^[0-9]+$ && "$COUNT" -gt 0 ]] || die "bad count: $COUNT"
[[ "$REPEAT" =~ ^[0-9]+$ && "$REPEAT" -gt 0 ]] || die "bad repeat: $REPEAT"

# ---- 1. virtualenv with the pinned anchors (reused while requirements.txt is unchanged)
PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null || die "python3 not found"
REQ="$BENCH/requirements.txt"
STAMP="$VENV/.bench-requirements.sha256"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [[ ! -x "$VENV/bin/python" ]]; then
    echo "bench-pdq: creating $VENV" >&2
    "$PY" -m venv "$VENV" || die "could not create the virtualenv (Debian: apt-get install python3-venv)"
fi
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$want" ]]; then
    echo "bench-pdq: installing anchors from PyPI (pdqhash builds from source; needs g++)" >&2
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2 || die "pip upgrade failed"
    "$VENV/bin/python" -m pip install --quiet -r "$REQ" >&2 || die "pip install -r $REQ failed"
    echo "$want" > "$STAMP"
fi
VPY="$VENV/bin/python"

# ---- 2. corpus (deterministic; only missing/outdated images are generated)
mkdir -p "$OUT"
LIST="$OUT/files-$COUNT.txt"
STATS="$OUT/corpus-$COUNT.json"
"$VPY" "$BENCH/gen_corpus.py" --count "$COUNT" --out "$BENCH/corpus" --list "$LIST" > "$STATS" \
    || die "corpus generation failed"
echo "bench-pdq: corpus: $(cat "$STATS")" >&2

# ---- 3. bulwark release build
ARGS=(--list "$LIST" --corpus-stats "$STATS" --out-dir "$OUT" --bulwark-repeat "$REPEAT" "${STRICT[@]}")
if [[ "$ANCHORS_ONLY" == 1 ]]; then
    ARGS+=(--anchors-only)
else
    BIN="${BIN_OVERRIDE:-$ROOT/.build/release/bulwark}"
    [[ "$BIN" == /* ]] || BIN="$PWD/$BIN"
    if [[ "$BUILD" == 1 ]]; then
        echo "bench-pdq: swift build -c release --product bulwark" >&2
        if ! (cd "$ROOT" && swift build -c release --product bulwark >&2); then
            die "bulwark release build failed (use --anchors-only to benchmark the anchors alone)"
        fi
    fi
    [[ -x "$BIN" || ( "$BIN" == *.py && -f "$BIN" ) ]] || die "$BIN not found (build it, or use --anchors-only)"
    ARGS+=(--bulwark "$BIN")
fi

# ---- 4+5. run, compare, report
exec "$VPY" "$BENCH/run_bench.py" "${ARGS[@]}"
