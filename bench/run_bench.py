#!/usr/bin/env python3
"""Benchmark driver: runs the anchor PDQ implementations and `bulwark hash` over the same
file list, each in its own child process, and compares hashes and speed.

Normally started by scripts/bench-pdq.sh (which prepares the virtualenv, the corpus and the
release binary); see bench/README.md.

CPU time of a tool = user+sys of its child process(es), taken as the difference of
resource.getrusage(RUSAGE_CHILDREN) before and after the (waited-for) child. Every thread
of the child is counted. Wall time = time.perf_counter() around the child.
"""

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TESTDATA_DEFAULT = os.path.normpath(os.path.join(REPO, "..", "shared", "testdata", "pdq"))

TARGETS = {
    "exact_speedup": 10.0,      # exact images/CPU-s >= 10x the faster anchor
    "fast_speedup": 20.0,       # fast images/CPU-s >= 20x the faster anchor
    "fast_mean_distance": 2.5,  # mean Hamming distance of fast vs pdqhash
    "fast_max_distance": 12,    # max Hamming distance of fast vs pdqhash
    "jobs2_speedup": 1.8,       # wall(--jobs 1) / wall(--jobs 2)
}

# Keep numeric libraries from starting thread pools in the anchors: single-threaded runs.
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                     "MKL_NUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1",
                     "VECLIB_MAXIMUM_THREADS": "1"}

ARG_CHUNK_CHARS = 100_000
LOAD_WARN_CORES = 0.10  # warn when other processes used more than this many cores on average  # bytes of paths per bulwark invocation (far below ARG_MAX)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cpu_children() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def system_busy_s():
    """Busy CPU seconds of the whole machine so far (all processes), from /proc/stat."""
    try:
        with open("/proc/stat", encoding="utf-8") as fh:
            f = fh.readline().split()
        user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in f[1:8])
        return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None


# CPU seconds used by processes other than the measured child during its runs.
FOREIGN = {"cpu_s": 0.0, "wall_s": 0.0}


def run_measured(cmd, out_path, env=None, cwd=None):
    """Run cmd, stdout -> out_path (appended), stderr captured. Returns (cpu_s, wall_s, rc, stderr).
    Also accumulates in FOREIGN how much CPU the rest of the machine used meanwhile."""
    full_env = dict(os.environ)
    full_env.update(SINGLE_THREAD_ENV)
    if env:
        full_env.update(env)
    with open(out_path, "ab") as out:
        s0 = system_busy_s()
        c0 = cpu_children()
        w0 = time.perf_counter()
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, env=full_env, cwd=cwd)
        wall = time.perf_counter() - w0
        cpu = cpu_children() - c0
        s1 = system_busy_s()
    if s0 is not None and s1 is not None:
        FOREIGN["cpu_s"] += max(0.0, (s1 - s0) - cpu)
        FOREIGN["wall_s"] += wall
    return cpu, wall, proc.returncode, proc.stderr.decode("utf-8", "replace")


def chunks_by_chars(files, limit):
    cur, size = [], 0
    for f in files:
        if cur and size + len(f) + 1 > limit:
            yield cur
            cur, size = [], 0
        cur.append(f)
        size += len(f) + 1
    if cur:
        yield cur


def parse_jsonl(path):
    """file (realpath) -> record. Lines that are not JSON objects are counted, not fatal."""
    recs, junk = {}, 0
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                r = json.loads(line)
            except ValueError:
                junk += 1
                continue
            if not isinstance(r, dict) or "file" not in r:
                junk += 1
                continue
            recs[os.path.realpath(r["file"])] = r
    return recs, junk


def hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def valid_hex(h) -> bool:
    if not isinstance(h, str) or len(h) != 64:
        return False
    try:
        int(h, 16)
        return h == h.lower()
    except ValueError:
        return False


# ------------------------------------------------------------------------ tool runners

def run_anchor(python, impl, list_file, out_dir, tag):
    out = os.path.join(out_dir, f"{tag}.jsonl")
    stats = os.path.join(out_dir, f"{tag}.stats.json")
    for p in (out, stats):
        if os.path.exists(p):
            os.remove(p)
    cmd = [python, os.path.join(HERE, "anchor.py"), "--impl", impl,
           "--files-from", list_file, "--stats", stats]
    f0 = FOREIGN["cpu_s"]
    cpu, wall, rc, err = run_measured(cmd, out)
    foreign = FOREIGN["cpu_s"] - f0
    if err.strip():
        log(f"[{tag}] stderr: {err.strip()[:2000]}")
    self_stats = {}
    if os.path.exists(stats):
        with open(stats, encoding="utf-8") as fh:
            self_stats = json.load(fh)
    return {"cpu_s": cpu, "wall_s": wall, "rc": rc, "out": out, "self": self_stats,
            "invocations": 1, "foreign_cpu_s": foreign}


def bulwark_cmd(binary):
    # A .py stand-in (bench/fake_bulwark.py, harness self-test) runs under this venv's Python.
    return [sys.executable, binary] if binary.endswith(".py") else [binary]


def run_bulwark(binary, args, files, out_dir, tag):
    out = os.path.join(out_dir, f"{tag}.jsonl")
    if os.path.exists(out):
        os.remove(out)
    cpu = wall = 0.0
    rcs, n = [], 0
    f0 = FOREIGN["cpu_s"]
    for chunk in chunks_by_chars(files, ARG_CHUNK_CHARS):
        c, w, rc, err = run_measured([*bulwark_cmd(binary), "hash", "--json", *args, *chunk], out, cwd=REPO)
        cpu += c
        wall += w
        rcs.append(rc)
        n += 1
        if err.strip():
            log(f"[{tag}] stderr: {err.strip()[:2000]}")
    return {"cpu_s": cpu, "wall_s": wall, "rc": max(rcs) if rcs else 0, "out": out,
            "invocations": n, "foreign_cpu_s": FOREIGN["cpu_s"] - f0}


# ------------------------------------------------------------------------ comparison

def compare(ref, other, files, with_quality=True, with_dims=False, min_ref_quality=None):
    """Compare other's hashes with ref's over files. Distances only where both hashed.
    With min_ref_quality, only files whose reference quality is at least that count."""
    if min_ref_quality is not None:
        files = [f for f in files if "error" not in ref.get(f, {"error": 1})
                 and int(ref[f].get("quality", -1)) >= min_ref_quality]
    dists, qual_diff, dim_diff, missing, errors = [], 0, 0, 0, 0
    worst = []
    for f in files:
        r, o = ref.get(f), other.get(f)
        if o is None:
            missing += 1
            continue
        if "error" in o or not valid_hex(o.get("pdq")):
            errors += 1
            continue
        if r is None or "error" in r or not valid_hex(r.get("pdq")):
            continue
        d = hamming(r["pdq"], o["pdq"])
        dists.append(d)
        if d:
            worst.append((d, f))
        if with_quality and int(o.get("quality", -1)) != int(r["quality"]):
            qual_diff += 1
        if with_dims and "width" in r and (o.get("width"), o.get("height")) != (r["width"], r["height"]):
            dim_diff += 1
    worst.sort(reverse=True)
    return {
        "compared": len(dists),
        "missing": missing,
        "errors": errors,
        "mismatches": sum(1 for d in dists if d) + missing + errors,
        "hash_mismatches": sum(1 for d in dists if d),
        "max_distance": max(dists) if dists else None,
        "mean_distance": round(statistics.fmean(dists), 4) if dists else None,
        "p99_distance": sorted(dists)[max(0, int(len(dists) * 0.99) - 1)] if dists else None,
        "quality_mismatches": qual_diff if with_quality else None,
        "dimension_mismatches": dim_diff if with_dims else None,
        "worst": [{"file": os.path.basename(f), "distance": d} for d, f in worst[:5]],
    }


def check_testdata(testdata, recs_by_tool):
    """Every row of expected.csv against each tool's output for the testdata images."""
    exp_path = os.path.join(testdata, "expected.csv")
    rows = list(csv.DictReader(open(exp_path, encoding="utf-8")))
    result = {}
    for tool, recs in recs_by_tool.items():
        bad = []
        for row in rows:
            f = os.path.realpath(os.path.join(testdata, "images", row["file"]))
            r = recs.get(f)
            if r is None or "error" in r:
                bad.append({"file": row["file"], "problem": (r or {}).get("error", "missing")})
                continue
            probs = []
            if r.get("pdq") != row["pdq"]:
                d = hamming(r["pdq"], row["pdq"]) if valid_hex(r.get("pdq")) else None
                probs.append(f"pdq distance {d}")
            if int(r.get("quality", -1)) != int(row["quality"]):
                probs.append(f"quality {r.get('quality')} != {row['quality']}")
            if "width" in r and (int(r["width"]), int(r["height"])) != (int(row["width"]), int(row["height"])):
                probs.append(f"size {r['width']}x{r['height']} != {row['width']}x{row['height']}")
            if probs:
                bad.append({"file": row["file"], "problem": "; ".join(probs)})
        result[tool] = {"rows": len(rows), "matching": len(rows) - len(bad), "failures": bad}
    return result


# ------------------------------------------------------------------------ environment

def machine_info():
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = {
        "cpu_model": model,
        "cores": os.cpu_count(),
        "cores_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "kernel": platform.release(),
        "os": _os_release(),
        "date_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
    }
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            kb = int(fh.readline().split()[1])
        info["memory_gib"] = round(kb / 2 ** 20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return info


def _os_release():
    try:
        with open("/etc/os-release", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.platform()


def first_line(cmd, need_ok=False):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if need_ok and p.returncode != 0:
            return None
        text = (p.stdout or p.stderr).strip()
        return text.splitlines()[0] if text else None
    except (OSError, subprocess.SubprocessError):
        return None


# ------------------------------------------------------------------------ report

def fmt(v, nd=2):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def build_table(rows):
    head = ["tool", "images", "CPU s", "img/CPU-s", "vs threatexchange", "vs pdqhash", "wall s", "img/wall-s"]
    body = []
    for r in rows:
        body.append([r["tool"], str(r["images"]), fmt(r["cpu_s"]), fmt(r["images_per_cpu_s"], 1),
                     fmt(r.get("vs_threatexchange"), 2) + ("x" if r.get("vs_threatexchange") else ""),
                     fmt(r.get("vs_pdqhash"), 2) + ("x" if r.get("vs_pdqhash") else ""),
                     fmt(r["wall_s"]), fmt(r["images_per_wall_s"], 1)])
    return head, body


def text_table(head, body):
    widths = [max(len(head[i]), *(len(b[i]) for b in body)) for i in range(len(head))]
    line = "  ".join(h.ljust(widths[i]) for i, h in enumerate(head))
    out = [line, "  ".join("-" * w for w in widths)]
    for b in body:
        out.append("  ".join(c.rjust(widths[i]) if i else c.ljust(widths[i]) for i, c in enumerate(b)))
    return "\n".join(out)


def md_table(head, body):
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|"]
    for b in body:
        out.append("| " + " | ".join(b) + " |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description="PDQ benchmark driver (see bench/README.md)")
    ap.add_argument("--list", required=True, help="corpus file list, one path per line")
    ap.add_argument("--corpus-stats", help="JSON printed by gen_corpus.py")
    ap.add_argument("--bulwark", help="path to the bulwark binary (omit with --anchors-only)")
    ap.add_argument("--anchors-only", action="store_true")
    ap.add_argument("--bulwark-repeat", type=int, default=3,
                    help="runs per bulwark mode; the run with the median CPU time is reported")
    ap.add_argument("--testdata", default=TESTDATA_DEFAULT)
    ap.add_argument("--out-dir", default=os.path.join(HERE, "out"))
    ap.add_argument("--strict-targets", action="store_true",
                    help="exit 3 when a performance target fails (default: report only)")
    ap.add_argument("--extra-version", action="append", default=[],
                    help="KEY=VALUE recorded under versions")
    args = ap.parse_args()

    os.makedirs(args.out_dir, exist_ok=True)
    raw = os.path.join(args.out_dir, "raw")
    os.makedirs(raw, exist_ok=True)
    python = sys.executable

    with open(args.list, encoding="utf-8") as fh:
        files = [os.path.realpath(l.rstrip("\n")) for l in fh if l.strip()]
    if not files:
        log("empty file list")
        return 2
    corpus_stats = None
    if args.corpus_stats:
        with open(args.corpus_stats, encoding="utf-8") as fh:
            corpus_stats = json.load(fh)

    versions = json.loads(subprocess.run(
        [python, os.path.join(HERE, "anchor.py"), "--impl", "pdqhash", "--versions"],
        capture_output=True, text=True, check=True).stdout)
    versions["system_libjpeg_turbo"] = first_line(
        ["dpkg-query", "-W", "-f=${Version}", "libjpeg62-turbo"])
    freeze = subprocess.run([python, "-m", "pip", "freeze", "--all"], capture_output=True, text=True)
    versions_all = sorted(freeze.stdout.split()) if freeze.returncode == 0 else []
    for kv in args.extra_version:
        k, _, v = kv.partition("=")
        versions[k] = v
    if args.bulwark and not args.anchors_only:
        versions["swift"] = first_line(["swift", "--version"])
        versions["bulwark"] = first_line([*bulwark_cmd(args.bulwark), "--version"], need_ok=True)

    failures = []  # correctness problems -> exit 1

    # ---- 1. reference data: does expected.csv reproduce with these anchors (and bulwark)?
    td = {}
    if os.path.exists(os.path.join(args.testdata, "expected.csv")):
        rows = list(csv.DictReader(open(os.path.join(args.testdata, "expected.csv"), encoding="utf-8")))
        td_list = os.path.join(raw, "testdata-files.txt")
        with open(td_list, "w", encoding="utf-8") as fh:
            fh.write("\n".join(os.path.join(args.testdata, "images", r["file"]) for r in rows) + "\n")
        td_recs = {}
        for impl in ("pdqhash", "threatexchange"):
            res = run_anchor(python, impl, td_list, raw, f"testdata-{impl}")
            td_recs[impl] = parse_jsonl(res["out"])[0]
        if args.bulwark and not args.anchors_only:
            with open(td_list, encoding="utf-8") as fh:
                tdf = [l.strip() for l in fh if l.strip()]
            res = run_bulwark(args.bulwark, ["--jobs", "1"], tdf, raw, "testdata-bulwark-exact")
            td_recs["bulwark-exact"] = parse_jsonl(res["out"])[0]
        td = check_testdata(args.testdata, td_recs)
        for tool, r in td.items():
            log(f"testdata: {tool}: {r['matching']}/{r['rows']} rows of expected.csv match")
            for b in r["failures"]:
                log(f"testdata:   {tool}: {b['file']}: {b['problem']}")
            if r["failures"]:
                failures.append(f"{tool} does not reproduce {len(r['failures'])} row(s) of expected.csv")
    else:
        log(f"testdata: {args.testdata}/expected.csv not found; skipping the reference check")

    # ---- 2. warm the page cache so the first tool does not pay for disk reads
    total_bytes = 0
    for f in files:
        with open(f, "rb") as fh:
            while True:
                b = fh.read(1 << 20)
                if not b:
                    break
                total_bytes += len(b)

    # ---- 3. runs
    n = len(files)
    runs = {}
    log(f"bench: {n} images, {total_bytes / 2 ** 20:.1f} MiB")
    for impl in ("pdqhash", "threatexchange"):
        log(f"bench: running anchor {impl} (single process, single thread)...")
        runs[impl] = run_anchor(python, impl, args.list, raw, f"corpus-{impl}")
        log(f"bench:   {impl}: {runs[impl]['cpu_s']:.2f} CPU s, {runs[impl]['wall_s']:.2f} wall s, rc={runs[impl]['rc']}")

    modes = []
    if args.bulwark and not args.anchors_only:
        modes = [("bulwark exact --jobs 1", ["--jobs", "1"]),
                 ("bulwark fast --jobs 1", ["--jobs", "1", "--fast"]),
                 ("bulwark exact --jobs 2", ["--jobs", "2"])]
        for name, margs in modes:
            tries = []
            for i in range(max(1, args.bulwark_repeat)):
                tag = "corpus-" + name.replace(" ", "_").replace("-", "") + f"-run{i}"
                r = run_bulwark(args.bulwark, margs, files, raw, tag)
                tries.append(r)
                log(f"bench:   {name} run {i + 1}: {r['cpu_s']:.2f} CPU s, {r['wall_s']:.2f} wall s, rc={r['rc']}")
            tries.sort(key=lambda r: r["cpu_s"])
            chosen = tries[len(tries) // 2]
            chosen["all_cpu_s"] = [round(t["cpu_s"], 3) for t in tries]
            chosen["all_wall_s"] = [round(t["wall_s"], 3) for t in tries]
            # jobs scaling is a wall-clock figure: report the median wall too.
            chosen["median_wall_s"] = sorted(t["wall_s"] for t in tries)[len(tries) // 2]
            runs[name] = chosen

    recs = {k: parse_jsonl(v["out"]) for k, v in runs.items()}
    for k, (_, junk) in recs.items():
        if junk:
            log(f"bench: {k}: {junk} output line(s) were not JSON records")
    recs = {k: v[0] for k, v in recs.items()}

    # ---- 4. comparisons
    cmp = {}
    cmp["threatexchange_vs_pdqhash"] = compare(recs["pdqhash"], recs["threatexchange"], files)
    if cmp["threatexchange_vs_pdqhash"]["mismatches"]:
        failures.append(f"threatexchange differs from pdqhash on "
                        f"{cmp['threatexchange_vs_pdqhash']['mismatches']} file(s)")
    anchor_err = sum(1 for f in files if "error" in recs["pdqhash"].get(f, {"error": 1}))
    if anchor_err:
        failures.append(f"pdqhash failed on {anchor_err} corpus file(s)")
    if modes:
        ex = compare(recs["pdqhash"], recs["bulwark exact --jobs 1"], files, with_dims=True)
        cmp["exact_vs_pdqhash"] = ex
        if ex["mismatches"] or ex["quality_mismatches"]:
            failures.append(f"exact mode: {ex['mismatches']} hash mismatch(es) "
                            f"(max distance {ex['max_distance']}), {ex['quality_mismatches']} quality mismatch(es)")
        j2 = compare(recs["bulwark exact --jobs 1"], recs["bulwark exact --jobs 2"], files)
        cmp["exact_jobs2_vs_jobs1"] = j2
        if j2["mismatches"] or j2["quality_mismatches"]:
            failures.append(f"--jobs 2 output differs from --jobs 1 on {j2['mismatches']} file(s)")
        fa = compare(recs["pdqhash"], recs["bulwark fast --jobs 1"], files, with_quality=False)
        cmp["fast_vs_pdqhash"] = fa
        # HMA ignores PDQ hashes with quality < 50 (PdqSignal.QUALITY_THRESHOLD): the
        # distances that matter operationally.
        cmp["fast_vs_pdqhash_quality_ge_50"] = compare(recs["pdqhash"], recs["bulwark fast --jobs 1"],
                                                       files, with_quality=False, min_ref_quality=50)
        # Per content kind (from gen_corpus's file names), to show where fast mode drifts.
        kinds = {}
        for f in files:
            m = re.match(r"c\d{4}-([a-z]+)-", os.path.basename(f))
            if m:
                kinds.setdefault(m.group(1), []).append(f)
        cmp["fast_vs_pdqhash_by_kind"] = {
            k: {key: v for key, v in compare(recs["pdqhash"], recs["bulwark fast --jobs 1"], fs,
                                            with_quality=False, min_ref_quality=50).items()
                if key in ("compared", "mean_distance", "p99_distance", "max_distance")}
            for k, fs in sorted(kinds.items())}
        if fa["missing"] or fa["errors"]:
            failures.append(f"fast mode: {fa['missing']} missing, {fa['errors']} error(s)")

    # ---- 5. table
    def ips(r):
        return n / r["cpu_s"] if r["cpu_s"] > 0 else None

    te_ips, pq_ips = ips(runs["threatexchange"]), ips(runs["pdqhash"])
    mp_total = corpus_stats.get("mp_total") if corpus_stats and corpus_stats.get("count") == n else None
    best_anchor = max(te_ips, pq_ips)
    rows = []
    for k, r in runs.items():
        row = {"tool": k if k not in ("pdqhash", "threatexchange") else
               {"pdqhash": f"pdqhash {versions.get('pdqhash')} compute",
                "threatexchange": f"threatexchange {versions.get('threatexchange')} (HMA path)"}[k],
               "key": k, "images": n, "cpu_s": round(r["cpu_s"], 3), "wall_s": round(r["wall_s"], 3),
               "images_per_cpu_s": round(ips(r), 2),
               "megapixels_per_cpu_s": round(mp_total / r["cpu_s"], 1) if mp_total and r["cpu_s"] else None, "images_per_wall_s": round(n / r["wall_s"], 2),
               "vs_threatexchange": round(ips(r) / te_ips, 2), "vs_pdqhash": round(ips(r) / pq_ips, 2),
               "rc": r["rc"], "invocations": r["invocations"],
               "other_load_cores": round(r.get("foreign_cpu_s", 0.0) / r["wall_s"], 3) if r["wall_s"] else None}
        if "self" in r and r["self"]:
            row["cpu_import_s"] = r["self"].get("cpu_import_s")
            row["cpu_hashing_only_s"] = r["self"].get("cpu_hashing_s")
            if row["cpu_hashing_only_s"]:
                row["images_per_cpu_s_excluding_import"] = round(n / row["cpu_hashing_only_s"], 2)
        if "all_cpu_s" in r:
            row["all_runs_cpu_s"] = r["all_cpu_s"]
            row["all_runs_wall_s"] = r["all_wall_s"]
        rows.append(row)

    targets = []
    if modes:
        ex_row = next(r for r in rows if r["key"] == "bulwark exact --jobs 1")
        fa_row = next(r for r in rows if r["key"] == "bulwark fast --jobs 1")
        ex_speed = ips(runs["bulwark exact --jobs 1"]) / best_anchor
        fa_speed = ips(runs["bulwark fast --jobs 1"]) / best_anchor
        jobs_speedup = runs["bulwark exact --jobs 1"]["median_wall_s"] / runs["bulwark exact --jobs 2"]["median_wall_s"]
        fa = cmp["fast_vs_pdqhash"]
        targets = [
            {"target": "exact >= 10x images/CPU-s vs faster anchor", "value": round(ex_speed, 2),
             "pass": ex_speed >= TARGETS["exact_speedup"]},
            {"target": "fast >= 20x images/CPU-s vs faster anchor", "value": round(fa_speed, 2),
             "pass": fa_speed >= TARGETS["fast_speedup"]},
            {"target": "fast mean Hamming distance <= 2.5", "value": fa["mean_distance"],
             "pass": fa["mean_distance"] is not None and fa["mean_distance"] <= TARGETS["fast_mean_distance"]},
            {"target": "fast max Hamming distance <= 12", "value": fa["max_distance"],
             "pass": fa["max_distance"] is not None and fa["max_distance"] <= TARGETS["fast_max_distance"]},
            {"target": "--jobs 2 wall-clock speed-up >= 1.8x", "value": round(jobs_speedup, 2),
             "pass": jobs_speedup >= TARGETS["jobs2_speedup"]},
            {"target": "exact hashes == pdqhash (distance 0, same quality)",
             "value": f"{cmp['exact_vs_pdqhash']['mismatches']} mismatches, "
                      f"{cmp['exact_vs_pdqhash']['quality_mismatches']} quality",
             "pass": not cmp["exact_vs_pdqhash"]["mismatches"] and not cmp["exact_vs_pdqhash"]["quality_mismatches"]},
        ]
        _ = (ex_row, fa_row)

    results = {
        "machine": machine_info(),
        "versions": versions,
        "venv_packages": versions_all,
        "corpus": corpus_stats,
        "corpus_bytes_read": total_bytes,
        "method": {
            "cpu": "user+sys of each tool's child process (getrusage RUSAGE_CHILDREN delta), all threads",
            "wall": "perf_counter around the child process",
            "anchors": "one Python process over the whole list; CPU includes interpreter start-up "
                       "and imports (cpu_import_s shows how much); OMP/OpenBLAS threads = 1",
            "bulwark": f"median-CPU run of {args.bulwark_repeat}; files passed as arguments "
                       f"(chunks of <= {ARG_CHUNK_CHARS} chars); --jobs speed-up from median walls",
            "page_cache": "corpus read once before the runs",
            "ratio_baseline": "targets compare with the faster of the two anchors",
            "other_load": "other_load_cores = (machine busy CPU from /proc/stat - tool CPU) / wall, "
                          "i.e. how many cores other processes used during the tool's run",
        },
        "testdata_check": td,
        "rows": rows,
        "comparisons": cmp,
        "targets": targets,
        "anchors_only": not modes,
        "failures": failures,
    }
    with open(os.path.join(args.out_dir, "pdq-results.json"), "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=2)

    head, body = build_table(rows)
    mi = results["machine"]
    lines = []
    lines.append("")
    lines.append(f"PDQ benchmark  {mi['date_utc']}  {mi['cpu_model']}, {mi['cores']} cores, {mi.get('memory_gib')} GiB")
    lines.append("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items() if v))
    if corpus_stats:
        c = corpus_stats
        lines.append(f"corpus: {c['count']} JPEGs, {c['mp_min']}-{c['mp_max']} MP (mean {c['mp_mean']}, "
                     f"total {c['mp_total']} MP), {c['grey']} greyscale, {c['progressive']} progressive, "
                     f"subsampling {c['subsampling']}, quality {c['quality_min']}-{c['quality_max']}, "
                     f"{c['size_mib']} MiB")
    lines.append("")
    lines.append(text_table(head, body))
    lines.append("")
    for k in ("pdqhash", "threatexchange"):
        s = runs[k].get("self") or {}
        if s:
            lines.append(f"{k}: start-up+imports {s['cpu_import_s']:.2f} CPU s of {runs[k]['cpu_s']:.2f} "
                         f"(hashing alone: {n / s['cpu_hashing_s']:.1f} img/CPU-s)")
    c = cmp["threatexchange_vs_pdqhash"]
    lines.append(f"threatexchange vs pdqhash: {c['mismatches']} mismatches, max distance {c['max_distance']}, "
                 f"{c['quality_mismatches']} quality mismatches")
    if modes:
        c = cmp["exact_vs_pdqhash"]
        lines.append(f"exact vs pdqhash: {c['mismatches']} mismatches ({c['missing']} missing, {c['errors']} errors), "
                     f"max distance {c['max_distance']}, {c['quality_mismatches']} quality mismatches, "
                     f"{c['dimension_mismatches']} size mismatches")
        c = cmp["fast_vs_pdqhash"]
        lines.append(f"fast vs pdqhash: mean distance {c['mean_distance']}, p99 {c['p99_distance']}, "
                     f"max {c['max_distance']} ({c['hash_mismatches']} of {c['compared']} differ)")
        c = cmp["fast_vs_pdqhash_quality_ge_50"]
        lines.append(f"  only images with pdqhash quality >= 50 ({c['compared']}): mean {c['mean_distance']}, "
                     f"p99 {c['p99_distance']}, max {c['max_distance']}")
        bk = cmp.get("fast_vs_pdqhash_by_kind") or {}
        if bk:
            lines.append("  by corpus kind (quality >= 50): " + ", ".join(
                f"{k} {v['mean_distance']}/{v['max_distance']} (n={v['compared']})" for k, v in bk.items())
                + "  [mean/max]")
        if cmp["fast_vs_pdqhash"]["worst"]:
            lines.append("  largest distances: " + ", ".join(
                f"{w['file']} ({w['distance']})" for w in cmp["fast_vs_pdqhash"]["worst"]))
        lines.append(f"--jobs 2 vs --jobs 1 (wall): {runs['bulwark exact --jobs 1']['median_wall_s'] / runs['bulwark exact --jobs 2']['median_wall_s']:.2f}x")
        lines.append("")
        for t in targets:
            lines.append(f"  [{'PASS' if t['pass'] else 'FAIL'}] {t['target']}: {t['value']}")
    else:
        lines.append("(anchors only: bulwark not run, no targets evaluated)")
    for k, r in td.items():
        lines.append(f"expected.csv with {k}: {r['matching']}/{r['rows']} rows match")
    busy = [r for r in rows if (r.get("other_load_cores") or 0) > LOAD_WARN_CORES]
    if busy:
        lines.append("")
        lines.append("WARNING: other processes were using CPU during the runs ("
                     + ", ".join(f"{r['key']}: {r['other_load_cores']:.2f} cores" for r in busy)
                     + "); CPU and especially wall figures are unreliable. Re-run on an idle machine.")
    if failures:
        lines.append("")
        for f in failures:
            lines.append(f"CORRECTNESS FAILURE: {f}")
    text = "\n".join(lines)
    print(text)

    md = []
    md.append(f"### PDQ hashing benchmark ({mi['date_utc'][:10]})")
    md.append("")
    md.append(f"Machine: {mi['cpu_model']}, {mi['cores']} cores, {mi.get('memory_gib')} GiB, {mi['os']}, "
              f"kernel {mi['kernel']}.  ")
    md.append("Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items() if v) + ".  ")
    if corpus_stats:
        c = corpus_stats
        md.append(f"Corpus: {c['count']} synthetic JPEGs (bench/gen_corpus.py v{c['key']['generator_version']}), "
                  f"{c['mp_min']}–{c['mp_max']} MP, mean {c['mp_mean']} MP, {c['grey']} greyscale, "
                  f"{c['progressive']} progressive, {c['size_mib']} MiB.")
    md.append("")
    md.append(md_table(head, body))
    md.append("")
    if busy:
        md.append("> **Warning:** other processes used CPU during these runs ("
                  + ", ".join(f"{r['key']}: {r['other_load_cores']:.2f} cores" for r in busy)
                  + "); figures are unreliable.")
        md.append("")
    md.append("CPU = user+sys of the tool's process; single-threaded except `--jobs 2`. "
              "Anchor CPU includes Python start-up and imports once per run "
              "(" + ", ".join(f"{k} {(runs[k].get('self') or {}).get('cpu_import_s', '?')} s"
                              for k in ("pdqhash", "threatexchange")) + ").")
    if modes:
        md.append("")
        fa = cmp["fast_vs_pdqhash"]
        md.append(f"Exact vs pdqhash: {cmp['exact_vs_pdqhash']['mismatches']} mismatches, "
                  f"{cmp['exact_vs_pdqhash']['quality_mismatches']} quality mismatches. "
                  f"Fast vs pdqhash: mean Hamming distance {fmt(fa['mean_distance'], 3)}, "
                  f"p99 {fa['p99_distance']}, max {fa['max_distance']}; over the "
                  f"{cmp['fast_vs_pdqhash_quality_ge_50']['compared']} images with quality ≥ 50: mean "
                  f"{fmt(cmp['fast_vs_pdqhash_quality_ge_50']['mean_distance'], 3)}, "
                  f"max {cmp['fast_vs_pdqhash_quality_ge_50']['max_distance']}.")
        md.append("")
        md.append("| target | value | result |")
        md.append("|---|---:|---|")
        for t in targets:
            md.append(f"| {t['target']} | {t['value']} | {'PASS' if t['pass'] else 'FAIL'} |")
    with open(os.path.join(args.out_dir, "pdq-results.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(md) + "\n")
    log(f"\nwrote {os.path.join(args.out_dir, 'pdq-results.json')} and pdq-results.md")

    if failures:
        return 1
    if args.strict_targets and any(not t["pass"] for t in targets):
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
