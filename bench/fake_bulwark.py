#!/usr/bin/env python3
"""Harness self-test only: a stand-in for `bulwark hash` so the benchmark's bulwark path
(argument passing, JSON parsing, comparisons, targets, reports) can be exercised before
the Swift CLI builds. It is NOT a benchmark subject and its numbers mean nothing.

    scripts/bench-pdq.sh --small --bulwark-bin bench/fake_bulwark.py

Implements the CLI contract: `hash --json [--jobs N] [--fast] PATH...` prints one JSON
object per file ({"file","pdq","quality","md5","sha256","width","height"} or
{"file","error"}), walks directories, exits 0 when all hashed and 1 otherwise.
"Exact" uses pdqhash on the full-resolution RGB image; "--fast" hashes a JPEG draft
(DCT-scaled) decode, so its hashes differ a little, as a real fast mode's might.
"""

import hashlib
import json
import os
import sys


def hash_one(args):
    path, fast = args
    import numpy as np
    from PIL import Image
    import pdqhash
    try:
        data = open(path, "rb").read()
        import io
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
            if fast:
                im.draft("RGB", (max(64, w // 4), max(64, h // 4)))
            rgb = im.convert("RGB")
        bits, quality = pdqhash.compute(np.asarray(rgb))
        value = 0
        for b in bits:
            value = (value << 1) | int(b)
        return {"file": path, "pdq": format(value, "064x"), "quality": int(quality),
                "md5": hashlib.md5(data).hexdigest(), "sha256": hashlib.sha256(data).hexdigest(),
                "width": w, "height": h}
    except Exception as exc:
        return {"file": path, "error": str(exc)}


def main(argv):
    if argv[:1] == ["--version"]:
        print("fake-bulwark (harness self-test)")
        return 0
    if argv[:1] != ["hash"]:
        print("usage: fake_bulwark.py hash --json [--jobs N] [--fast] PATH...", file=sys.stderr)
        return 64
    jobs, fast, paths, it = 1, False, [], iter(argv[1:])
    for a in it:
        if a == "--json":
            continue
        if a == "--fast":
            fast = True
        elif a == "--jobs":
            jobs = int(next(it))
        else:
            paths.append(a)
    files = []
    for p in paths:
        if os.path.isdir(p):
            for d, _, names in sorted(os.walk(p)):
                files.extend(os.path.join(d, n) for n in sorted(names))
        else:
            files.append(p)
    work = [(f, fast) for f in files]
    if jobs > 1:
        from multiprocessing import Pool
        with Pool(jobs) as pool:
            results = pool.map(hash_one, work, chunksize=1)
    else:
        results = [hash_one(w) for w in work]
    for r in results:
        print(json.dumps(r))
    return 0 if all("error" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
