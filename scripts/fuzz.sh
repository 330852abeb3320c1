#!/usr/bin/env bash
# Bounded libFuzzer run over MediaDecoder.decode (JPEG, PNG, WebP, GIF).
#
#   scripts/fuzz.sh [SECONDS]        default 60
#
# Builds Fuzz/MediaDecodeFuzz with -sanitize=fuzzer,address into .build-fuzz (never touching the
# normal .build), starts from the committed seeds in Fuzz/seeds plus whatever earlier runs found
# (Fuzz/corpus-work, git-ignored), and exits non-zero if libFuzzer finds a crash, leak, timeout or
# excessive allocation. Reproducers land in Fuzz/artifacts/ (git-ignored); replay one with
#   .build-fuzz/release/MediaDecodeFuzz Fuzz/artifacts/crash-...
set -euo pipefail

seconds="${1:-60}"
case "$seconds" in ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2;; esac

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scratch=.build-fuzz
flags=(--scratch-path "$scratch" -c release --sanitize=fuzzer --sanitize=address)

export BULWARK_FUZZ=1  # declares the MediaDecodeFuzz target in Package.swift
swift build "${flags[@]}" --product MediaDecodeFuzz
binary="$(swift build "${flags[@]}" --show-bin-path)/MediaDecodeFuzz"

mkdir -p Fuzz/corpus-work Fuzz/artifacts
echo "fuzzing MediaDecode for ${seconds}s (seeds: Fuzz/seeds, corpus: Fuzz/corpus-work)"
# -malloc_limit_mb: the target's limits are 4 MP, so no single allocation should come near this;
# one that does means a size check was bypassed (a decompression bomb got through).
status=0
"$binary" \
    -max_total_time="$seconds" \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -malloc_limit_mb=512 \
    -max_len=65536 \
    -use_value_profile=1 \
    -print_final_stats=1 \
    -artifact_prefix=Fuzz/artifacts/ \
    Fuzz/corpus-work Fuzz/seeds || status=$?

if [ "$status" -ne 0 ]; then
    echo "fuzz.sh: libFuzzer reported a failure (exit $status); reproducers:" >&2
    ls -1 Fuzz/artifacts/ >&2 || true
    exit "$status"
fi
echo "fuzz.sh: no crashes in ${seconds}s"
