"""Writes N random PDQ hashes (one per line) and a query file: half are banked hashes with
0-12 bits flipped, half random. Deterministic (seeded)."""
import random, sys
n, out_hashes, out_queries = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(2026)
banked = []
with open(out_hashes, "w") as f:
    for i in range(n):
        h = rng.getrandbits(256)
        if i < 5000: banked.append(h)
        f.write("%064x\n" % h)
with open(out_queries, "w") as f:
    for i in range(10000):
        if i % 2 == 0:
            h = banked[i % len(banked)]
            for _ in range(rng.randint(0, 12)): h ^= 1 << rng.randrange(256)
        else:
            h = rng.getrandbits(256)
        f.write("%064x\n" % h)
