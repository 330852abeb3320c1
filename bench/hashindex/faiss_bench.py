#!/usr/bin/env python3
"""faiss anchors for scripts/bench-index.sh; one index per process so memory figures are its own.

    faiss_bench.py flat --dataset D --truth-out T [--radius 31] [--threads 1]
        IndexBinaryFlat range search over every query: the ground truth, written to T.
    faiss_bench.py mih --dataset D --truth T [--radius 31] [--builds 3]
        IndexBinaryMultiHash(256, 16, 16) with nflip = 1, as HMA (OpenMediaMatch) builds it for PDQ;
        built `--builds` times (best build time reported), range search single-threaded, every
        query's result set compared with T.

faiss's binary range_search keeps distances strictly below its radius argument, so both pass
radius + 1 to return every hash within `radius` bits (inclusive, as the exchanges define a match).
Prints one JSON object on stdout. Times are CPU seconds of this process (user + system).
"""
import argparse
import json
import resource
import struct
import sys
import time

import faiss
import numpy as np

HEADER = struct.Struct("<8sQQQQ")
TRUTH_MAGIC = b"BWHXGT01"


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def load(path):
    with open(path, "rb") as f:
        magic, n, q, seed, kind = HEADER.unpack(f.read(HEADER.size))
        if magic != b"BWHXDS01":
            sys.exit(f"faiss_bench: {path} is not a dataset from gen_data.py")
        base = np.fromfile(f, dtype=np.uint8, count=n * 32).reshape(n, 32)
        queries = np.fromfile(f, dtype=np.uint8, count=q * 32).reshape(q, 32)
    return base, queries


def results_by_query(lims, ids):
    return [np.sort(ids[lims[i]:lims[i + 1]]) for i in range(len(lims) - 1)]


def write_truth(path, lims, ids):
    order = [np.sort(ids[lims[i]:lims[i + 1]]) for i in range(len(lims) - 1)]
    flat = np.concatenate(order).astype(np.uint64) if order else np.zeros(0, np.uint64)
    with open(path, "wb") as f:
        f.write(struct.pack("<8sQQ", TRUTH_MAGIC, len(lims) - 1, len(flat)))
        f.write(np.asarray(lims, dtype=np.uint64).tobytes())
        f.write(flat.tobytes())


def read_truth(path):
    with open(path, "rb") as f:
        magic, q, total = struct.unpack("<8sQQ", f.read(24))
        if magic != TRUTH_MAGIC:
            sys.exit(f"faiss_bench: {path} is not a truth file")
        lims = np.fromfile(f, dtype=np.uint64, count=q + 1).astype(np.int64)
        ids = np.fromfile(f, dtype=np.uint64, count=total).astype(np.int64)
    return lims, ids


def flat(a):
    faiss.omp_set_num_threads(a.threads)
    base, queries = load(a.dataset)
    c0, w0 = cpu(), time.time()
    index = faiss.IndexBinaryFlat(256)
    index.add(base)
    build_cpu = cpu() - c0
    del base
    c1, w1 = cpu(), time.time()
    lims, _, ids = index.range_search(queries, a.radius + 1)
    search_cpu, search_wall = cpu() - c1, time.time() - w1
    write_truth(a.truth_out, lims, ids)
    print(json.dumps({
        "engine": "faiss IndexBinaryFlat", "threads": a.threads, "n": index.ntotal, "queries": len(queries),
        "build_cpu_s": build_cpu, "search_cpu_s": search_cpu, "search_wall_s": search_wall,
        "qps_per_cpu_s": len(queries) / search_cpu, "matches": int(lims[-1]),
        "rss_mib": status_kib("VmRSS") / 1024, "hwm_mib": status_kib("VmHWM") / 1024,
    }))


def mih(a):
    faiss.omp_set_num_threads(1)
    base, queries = load(a.dataset)
    n = len(base)
    builds = []
    index = None
    for _ in range(a.builds):
        index = None  # free the previous build first so memory does not double
        c0 = cpu()
        index = faiss.IndexBinaryMultiHash(256, 16, 16)
        index.nflip = 1
        index.add(base)
        builds.append(cpu() - c0)
    del base
    rss_built = status_kib("VmRSS") / 1024
    c1, w1 = cpu(), time.time()
    lims, _, ids = index.range_search(queries, a.radius + 1)
    search_cpu, search_wall = cpu() - c1, time.time() - w1
    tl, ti = read_truth(a.truth)
    mismatches = []
    for i in range(len(queries)):
        got = np.sort(ids[lims[i]:lims[i + 1]])
        want = ti[tl[i]:tl[i + 1]]
        if len(got) != len(want) or not np.array_equal(got, want):
            mismatches.append(i)
    print(json.dumps({
        "engine": "faiss IndexBinaryMultiHash(256,16,16) nflip=1", "threads": 1, "n": n,
        "queries": len(queries), "build_cpu_s": min(builds), "build_cpu_all_s": builds,
        "search_cpu_s": search_cpu, "search_wall_s": search_wall,
        "qps_per_cpu_s": len(queries) / search_cpu, "matches": int(lims[-1]),
        "mismatched_queries": len(mismatches), "first_mismatches": mismatches[:5],
        "rss_mib": rss_built, "hwm_mib": status_kib("VmHWM") / 1024,
    }))
    if mismatches:
        print(f"faiss_bench: MIH differs from IndexBinaryFlat on {len(mismatches)} queries", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["flat", "mih"])
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--truth-out")
    ap.add_argument("--truth")
    ap.add_argument("--radius", type=int, default=31)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--builds", type=int, default=3)
    a = ap.parse_args()
    if a.mode == "flat":
        if not a.truth_out:
            ap.error("flat needs --truth-out")
        flat(a)
    else:
        if not a.truth:
            ap.error("mih needs --truth")
        mih(a)


if __name__ == "__main__":
    main()
