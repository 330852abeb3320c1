#!/usr/bin/env python3
"""Run one of the reference ("anchor") PDQ implementations over a list of files.

Prints one JSON object per line per file, in the same shape as `bulwark hash --json`
(only the fields the comparison needs):

    {"file": ..., "pdq": <64 lowercase hex chars>, "quality": <int>, "width": ..., "height": ...}
    {"file": ..., "error": "..."}

Implementations (--impl):

  pdqhash         pdqhash.compute(np.asarray(Image.open(f).convert("RGB"))), the bit
                  vector turned into hex here (see bits_to_hex).
  threatexchange  threatexchange.signal_type.pdq.pdq_hasher.pdq_from_bytes(path.read_bytes()).
                  That is exactly what HMA (OpenMediaMatch) reaches for photos:
                  GET /h/hash calls PdqSignal.hash_from_file(path), which is
                  BytesHasher.hash_from_file -> PdqSignal.hash_from_bytes(path.read_bytes())
                  -> pdq_from_bytes(...); POST /h/hash calls PdqSignal.hash_from_bytes directly.
                  PdqSignal.hash_from_bytes only adds "return '' if quality < 50", which would
                  hide the hash and the quality we want to compare, so we call the function
                  underneath it and apply nothing else.

With --stats FILE, writes {"impl", "files", "errors", "cpu_import_s", "cpu_total_s", ...}
where the CPU figures are this process's own user+sys seconds (resource.getrusage
RUSAGE_SELF) measured right after the imports and at the end; the driver measures the
whole child process from outside as well.

Exit status: 0 when every file hashed, 1 otherwise (same contract as bulwark).
"""

import argparse
import json
import os
import resource
import sys
import time


def _cpu_self() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def bits_to_hex(bits) -> str:
    """pdqhash returns 256 ints (0/1). Its binding builds the vector as bit k of the
    Hash256 (k = 0..255, word k>>4, bit k&15) and then reverses it, so element 0 is
    bit 255, the most significant bit. Reading the vector as a big-endian binary
    number therefore gives the 256-bit hash, printed most significant nibble first:
    the same convention as threatexchange's hex and the PDQ reference tools."""
    value = 0
    for b in bits:
        value = (value << 1) | (1 if int(b) else 0)
    return format(value, "064x")


def read_file_list(args) -> list:
    files = list(args.files)
    if args.files_from:
        with open(args.files_from, "r", encoding="utf-8") as fh:
            files.extend(line.rstrip("\n") for line in fh if line.strip())
    return files


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--impl", required=True, choices=["pdqhash", "threatexchange"])
    ap.add_argument("--files-from", help="file with one path per line")
    ap.add_argument("--stats", help="write timing stats JSON here")
    ap.add_argument("--versions", action="store_true", help="print versions as JSON and exit")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()

    # Imports happen here so that their cost is inside the measured child process
    # (cpu_import_s reports how much of the total it was).
    import numpy as np
    from PIL import Image
    import pdqhash

    if args.impl == "threatexchange":
        import pathlib
        # Importing the signal module (not just pdq_hasher) mirrors what HMA loads.
        from threatexchange.signal_type.pdq import signal as pdq_signal  # noqa: F401
        from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_bytes

    if args.versions:
        from importlib import metadata
        out = {"python": sys.version.split()[0]}
        for dist in ("pdqhash", "threatexchange", "Pillow", "numpy"):
            try:
                out[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                out[dist] = None
        try:
            from PIL import features
            out["libjpeg_turbo"] = features.version("libjpeg_turbo")
        except Exception:  # pragma: no cover - informational only
            out["libjpeg_turbo"] = None
        print(json.dumps(out))
        return 0

    cpu_import = _cpu_self()
    files = read_file_list(args)
    errors = 0
    wall0 = time.perf_counter()
    out = sys.stdout
    for f in files:
        try:
            if args.impl == "pdqhash":
                with Image.open(f) as im:
                    rgb = im.convert("RGB")
                w, h = rgb.size
                bits, quality = pdqhash.compute(np.asarray(rgb))
                rec = {"file": f, "pdq": bits_to_hex(bits), "quality": int(quality),
                       "width": w, "height": h}
            else:
                data = pathlib.Path(f).read_bytes()
                hex_hash, quality = pdq_from_bytes(data)
                rec = {"file": f, "pdq": hex_hash, "quality": int(quality)}
        except Exception as exc:  # one bad file must not stop the run
            errors += 1
            rec = {"file": f, "error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(rec) + "\n")
    out.flush()
    wall = time.perf_counter() - wall0
    cpu_total = _cpu_self()

    if args.stats:
        with open(args.stats, "w", encoding="utf-8") as fh:
            json.dump({"impl": args.impl, "files": len(files), "errors": errors,
                       "cpu_import_s": round(cpu_import, 4),
                       "cpu_total_s": round(cpu_total, 4),
                       "cpu_hashing_s": round(cpu_total - cpu_import, 4),
                       "wall_hashing_s": round(wall, 4)}, fh)
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
