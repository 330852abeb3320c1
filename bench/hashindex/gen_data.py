#!/usr/bin/env python3
"""Deterministic benchmark datasets for scripts/bench-index.sh (read by faiss and by hashindex-bench).

File layout (little-endian):
    magic   8 bytes  b"BWHXDS01"
    n       u64      number of stored hashes
    q       u64      number of queries
    seed    u64
    kind    u64      0 = random, 1 = clustered
    n * 32 bytes     stored hashes (faiss binary code order: byte j holds bits 8j..8j+7)
    q * 32 bytes     queries

Kinds:
    random     every bit an independent fair coin flip.
    clustered  families of near-duplicates, as a hash bank holds them: a random centre and 1-16
               members, each member the centre with k distinct random bits flipped, k uniform in 0..40.
Queries: half are a random stored hash with k distinct bits flipped (k uniform in 0..31, so each has
at least one match at radius 31), half are uniformly random; the two kinds are interleaved at random.
"""
import argparse
import os
import struct
import sys

import numpy as np

MAGIC = b"BWHXDS01"
HEADER = struct.Struct("<8sQQQQ")
CHUNK = 1 << 18


def flip_bits(rng, codes, k):
    """Flips k[i] distinct random bits of row i (k <= 64) in place, in chunks."""
    for lo in range(0, len(codes), CHUNK):
        hi = min(lo + CHUNK, len(codes))
        rows = hi - lo
        kk = k[lo:hi]
        kmax = int(kk.max()) if rows else 0
        if kmax == 0:
            continue
        # Partial Fisher-Yates over the 256 bit positions, vectorised across rows.
        perm = np.tile(np.arange(256, dtype=np.uint8), (rows, 1))
        idx = np.arange(rows)
        for j in range(kmax):
            r = j + rng.integers(0, 256 - j, size=rows)
            a = perm[idx, j].copy()
            perm[idx, j] = perm[idx, r]
            perm[idx, r] = a
        chosen = perm[:, :kmax].astype(np.int64)
        use = np.arange(kmax)[None, :] < kk[:, None]
        mask = np.zeros((rows, 256), dtype=bool)
        np.put_along_axis(mask, chosen, use, axis=1)
        # put_along_axis writes False too; positions are distinct per row so no overwrite issue.
        codes[lo:hi] ^= np.packbits(mask, axis=1, bitorder="little")


def generate(kind, n, q, seed):
    rng = np.random.default_rng([seed, n, q, 0 if kind == "random" else 1])
    if kind == "random":
        base = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    else:
        sizes = []
        total = 0
        while total < n:
            s = rng.integers(1, 17, size=max(1024, (n - total) // 8))
            sizes.append(s)
            total += int(s.sum())
        sizes = np.concatenate(sizes)
        cut = np.searchsorted(np.cumsum(sizes), n)
        sizes = sizes[: cut + 1].copy()
        sizes[-1] -= int(sizes.sum()) - n
        centres = rng.integers(0, 256, size=(len(sizes), 32), dtype=np.uint8)
        base = np.repeat(centres, sizes, axis=0)
        flip_bits(rng, base, rng.integers(0, 41, size=n))
    near = q // 2
    queries = np.empty((q, 32), dtype=np.uint8)
    src = rng.integers(0, n, size=near)
    queries[:near] = base[src]
    flip_bits(rng, queries[:near], rng.integers(0, 32, size=near))
    queries[near:] = rng.integers(0, 256, size=(q - near, 32), dtype=np.uint8)
    queries = queries[rng.permutation(q)]
    return base, queries


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", choices=["random", "clustered"], required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--queries", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20240531)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if os.path.exists(a.out):
        with open(a.out, "rb") as f:
            head = f.read(HEADER.size)
        if len(head) == HEADER.size:
            magic, n, q, seed, kind = HEADER.unpack(head)
            want = a.n * 32 + a.queries * 32 + HEADER.size
            if (magic, n, q, seed, kind) == (MAGIC, a.n, a.queries, a.seed, int(a.kind == "clustered")) \
                    and os.path.getsize(a.out) == want:
                print(f"gen_data: {a.out} is up to date", file=sys.stderr)
                return
    base, queries = generate(a.kind, a.n, a.queries, a.seed)
    tmp = a.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(HEADER.pack(MAGIC, a.n, a.queries, a.seed, int(a.kind == "clustered")))
        f.write(np.ascontiguousarray(base).tobytes())
        f.write(np.ascontiguousarray(queries).tobytes())
    os.replace(tmp, a.out)
    print(f"gen_data: wrote {a.out} ({a.kind}, n={a.n}, queries={a.queries})", file=sys.stderr)


if __name__ == "__main__":
    main()
