#!/usr/bin/env bash
# HashIndex benchmark: bulwark's PDQIndex vs faiss IndexBinaryMultiHash (HMA's PDQ index) and an
# exhaustive popcount scan, checked query by query against faiss IndexBinaryFlat.
# See bench/hashindex/run.py. Outputs: bench/hashindex/out/results.{json,md}; datasets and ground
# truth are cached in bench/hashindex/out/ (~0.7 GB at 10M; regenerated only when missing).
#
#   scripts/bench-index.sh              1M and 10M hashes, random and clustered (one process at a time)
#   scripts/bench-index.sh --small      1M only (quick check); also BENCH_SMALL=1
#   options: --sizes N[,N...], --kinds random,clustered, --queries N (default 10000),
#            --no-build (use the existing .build/release/hashindex-bench), --strict-targets
#
# Needs python3 with venv (Debian: python3-venv); installs faiss-cpu and numpy from PyPI into
# bench/hashindex/.venv. Peak memory: about 3 GB (faiss MIH at 10M).
# Exit: 0 ok, 1 a result set differs from IndexBinaryFlat, 2 setup/build failure,
#       3 a performance target was missed (only with --strict-targets).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench/hashindex"
VENV="$BENCH/.venv"
SIZES="1000000,10000000"
[[ "${BENCH_SMALL:-0}" == 1 ]] && SIZES="1000000"
KINDS="random,clustered"
QUERIES=10000
BUILD=1
EXTRA=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; }
die() { echo "bench-index: $*" >&2; exit 2; }

while (($#)); do
    case "$1" in
        --small) SIZES="1000000" ;;
        --sizes) [[ $# -ge 2 ]] || die "--sizes needs a list"; SIZES="$2"; shift ;;
        --kinds) [[ $# -ge 2 ]] || die "--kinds needs a list"; KINDS="$2"; shift ;;
        --queries) [[ $# -ge 2 ]] || die "--queries needs a number"; QUERIES="$2"; shift ;;
        --no-build) BUILD=0 ;;
        --strict-targets) EXTRA+=(--strict-targets) ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
done
[[ "$SIZES" =~ ^[0-9]+(,[0-9]+)*$ ]] || die "bad --sizes: $SIZES"
[[ "$QUERIES" =~ ^[0-9]+$ && "$QUERIES" -ge 2 ]] || die "bad --queries: $QUERIES"

# ---- 1. virtualenv with the anchors (reused while requirements.txt is unchanged)
PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null || die "python3 not found"
REQ="$BENCH/requirements.txt"
STAMP="$VENV/.bench-requirements.sha256"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [[ ! -x "$VENV/bin/python" ]]; then
    echo "bench-index: creating $VENV" >&2
    "$PY" -m venv "$VENV" || die "could not create the virtualenv (Debian: apt-get install python3-venv)"
fi
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$want" ]]; then
    echo "bench-index: installing faiss-cpu and numpy from PyPI" >&2
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2 || die "pip upgrade failed"
    "$VENV/bin/python" -m pip install --quiet -r "$REQ" >&2 || die "pip install -r $REQ failed"
    echo "$want" > "$STAMP"
fi

# ---- 2. release build of the Swift side (only hashindex-bench and what it depends on)
BIN="$ROOT/.build/release/hashindex-bench"
if [[ "$BUILD" == 1 ]]; then
    echo "bench-index: swift build -c release --product hashindex-bench" >&2
    (cd "$ROOT" && swift build -c release --product hashindex-bench >&2) || die "hashindex-bench release build failed"
fi
[[ -x "$BIN" ]] || die "$BIN not found (build it, or drop --no-build)"

# ---- 3. run every case, one process at a time; compare; report
exec "$VENV/bin/python" "$BENCH/run.py" --bench-bin "$BIN" --sizes "$SIZES" --kinds "$KINDS" \
    --queries "$QUERIES" "${EXTRA[@]}"
