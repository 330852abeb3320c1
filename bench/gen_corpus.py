#!/usr/bin/env python3
"""Generate the benchmark corpus: benign, synthetic JPEGs made only from our own code.

Every image is a pure function of (SEED, index, GENERATOR_VERSION, Pillow/numpy versions):
content is gradients, value noise, geometric shapes, rendered text of a fixed word list,
or a mix of those. Nothing is read from anywhere.

Parameters are spread so that any prefix of the sequence covers the ranges (so the
--small corpus, the first N images, is still representative):
  * megapixels: 0.3 .. 12, log-uniform via a golden-ratio (low-discrepancy) sequence;
  * aspect ratio: 1:1, 4:3, 3:2, 16:9, 2:1, 5:4 and odd ones, landscape/portrait/square cycle;
  * ~10% greyscale JPEGs (index % 10 == 3), ~10% progressive (index % 10 == 7);
  * quality 70..95; chroma subsampling mostly 4:2:0, 1 in 7 4:4:4, 1 in 23 4:2:2.

Files are written to OUT_DIR (default bench/corpus) with a manifest.json. Images already
present with the same generator version and byte size are not regenerated.

Usage: gen_corpus.py [--count N] [--out DIR] [--jobs N] [--list FILE]
"""

import argparse
import json
import math
import os
import sys
import time
from multiprocessing import Pool

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
import PIL

GENERATOR_VERSION = 3
SEED = 20240917
MIN_MP, MAX_MP = 0.3, 12.0
GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0

KINDS = ("gradient", "noise", "shapes", "text", "mix", "mix")

ASPECTS = (1.0, 4 / 3, 3 / 2, 16 / 9, 2.0, 5 / 4, 1.91, 2.35, 1.29)

WORDS = (
    "apple river stone cloud garden window bridge lantern meadow pencil orange "
    "harbor violin kettle marble forest candle pebble ribbon compass tulip copper "
    "silver paper basket island mountain summer winter autumn spring morning evening "
    "quiet bright gentle rapid yellow purple green blue seven twelve hundred circle "
    "square triangle number letter table chair signal sample benchmark gradient noise "
    "shape texture pattern report chapter volume index figure north south east west"
).split()


def spec_for(index: int) -> dict:
    """Deterministic parameters for image `index` (independent of any other index)."""
    rng = np.random.default_rng([SEED, GENERATOR_VERSION, index, 0])
    # Low-discrepancy position in [0, 1) -> log-uniform megapixels.
    u = (index * GOLDEN + 0.5 * GOLDEN) % 1.0
    mp = MIN_MP * (MAX_MP / MIN_MP) ** u
    mp = min(MAX_MP, max(MIN_MP, mp * float(rng.uniform(0.97, 1.03))))  # a little jitter
    ar = ASPECTS[int(rng.integers(len(ASPECTS)))]
    orient = ("landscape", "portrait", "square")[index % 3]
    if orient == "square":
        ar = 1.0
    elif ar == 1.0:
        ar = 4 / 3
    pixels = mp * 1e6
    w = int(round(math.sqrt(pixels * ar)))
    h = int(round(pixels / w))
    if orient == "portrait":
        w, h = h, w
    elif orient == "square":
        h = w
    w, h = max(w, 16), max(h, 16)
    if index % 5 == 1:
        # Keep some dimensions that are not multiples of 8/16 (partial MCUs); never grow
        # past 12 MP.
        w = w - 1 if w % 2 == 0 else w
        h = w if orient == "square" else (h - (h % 16) - 9 if h > 32 else h)
    # Keep inside [MIN_MP, MAX_MP] after rounding and the tweaks above.
    while w * h < MIN_MP * 1e6:
        w, h = (w + 2, w + 2) if orient == "square" else (w, h + 16)
    while w * h > MAX_MP * 1e6:
        w, h = (w - 2, w - 2) if orient == "square" else (w, h - 16)

    grey = index % 10 == 3
    progressive = index % 10 == 7
    if index % 23 == 5:
        subsampling = "4:2:2"
    elif index % 7 == 2:
        subsampling = "4:4:4"
    else:
        subsampling = "4:2:0"
    return {
        "index": index,
        "kind": KINDS[int(rng.integers(len(KINDS)))] if index >= len(KINDS) else KINDS[index],
        "width": w,
        "height": h,
        "grey": grey,
        "progressive": progressive,
        "subsampling": "n/a" if grey else subsampling,
        "quality": int(rng.integers(70, 96)),
    }


def file_name(spec: dict) -> str:
    mode = "grey" if spec["grey"] else spec["subsampling"].replace(":", "")
    prog = "-prog" if spec["progressive"] else ""
    return (f"c{spec['index']:04d}-{spec['kind']}-{spec['width']}x{spec['height']}"
            f"-q{spec['quality']}-{mode}{prog}.jpg")


# ---------------------------------------------------------------- content generators

def _colour(rng) -> np.ndarray:
    return rng.uniform(0, 255, size=3).astype(np.float32)


def gradient(rng, w, h) -> np.ndarray:
    """Linear or radial blend between 2-3 colours (a quarter single ramps, the rest banded),
    float32 HxWx3 in 0..255."""
    ys = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    xs = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :]
    if rng.random() < 0.6:
        ang = rng.uniform(0, 2 * math.pi)
        t = xs * np.float32(math.cos(ang)) + ys * np.float32(math.sin(ang))
    else:
        cx, cy = rng.uniform(0.2, 0.8, size=2)
        t = np.sqrt((xs - np.float32(cx)) ** 2 + (ys - np.float32(cy)) ** 2)
    t = t - t.min()
    t = t / max(float(t.max()), 1e-6)
    if rng.random() < 0.75:
        # Banded: the colour ramp repeats a few times across the image. A single smooth
        # ramp has almost no structure at PDQ's 64x64 scale (quality ~0); banded ones do.
        freq = float(rng.uniform(1.5, 6.0))
        t = 0.5 + 0.5 * np.sin(np.float32(2 * math.pi * freq) * t + np.float32(rng.uniform(0, 2 * math.pi)))
    c0, c1, c2 = _colour(rng), _colour(rng), _colour(rng)
    out = np.empty((h, w, 3), dtype=np.float32)
    if rng.random() < 0.5:
        for k in range(3):
            out[..., k] = c0[k] + (c1[k] - c0[k]) * t
    else:
        t2 = np.abs(2.0 * t - 1.0)  # three-stop: c0 -> c2 -> c1
        lo = t < 0.5
        for k in range(3):
            out[..., k] = np.where(lo, c0[k], c1[k]) + (c2[k] - np.where(lo, c0[k], c1[k])) * (1.0 - t2)
    return out


def value_noise(rng, w, h) -> np.ndarray:
    """Multi-octave value noise: small random grids upsampled with bicubic (C code, fast),
    plus a little per-pixel grain. float32 HxWx3."""
    out = np.zeros((h, w, 3), dtype=np.float32)
    base = int(rng.integers(3, 9))
    amp, total = 1.0, 0.0
    for octave in range(5):
        gw = max(2, int(base * (2 ** octave) * max(1.0, w / h)))
        gh = max(2, int(base * (2 ** octave) * max(1.0, h / w)))
        grid = rng.integers(0, 256, size=(gh, gw, 3), dtype=np.uint8)
        layer = Image.fromarray(grid, "RGB").resize((w, h), Image.BICUBIC)
        out += amp * np.asarray(layer, dtype=np.float32)
        total += amp
        amp *= 0.55
    out /= total
    # Stretch contrast so the noise is not mid-grey mush.
    lo, hi = np.percentile(out[:: max(1, h // 64), :: max(1, w // 64)], (2, 98))
    out = (out - lo) * (255.0 / max(hi - lo, 1.0))
    grain = float(rng.uniform(0, 10))
    if grain > 1:
        out += rng.normal(0, grain, size=(h, w, 1)).astype(np.float32)
    return out


def draw_shapes(rng, img: Image.Image, count: int) -> None:
    d = ImageDraw.Draw(img)
    w, h = img.size
    s = min(w, h)
    for _ in range(count):
        kind = int(rng.integers(4))
        col = tuple(int(c) for c in rng.integers(0, 256, size=3))
        x0, y0 = int(rng.integers(-s // 8, w)), int(rng.integers(-s // 8, h))
        sz = int(s * rng.uniform(0.03, 0.45))
        if kind == 0:
            d.rectangle([x0, y0, x0 + sz, y0 + int(sz * rng.uniform(0.3, 1.8))], fill=col)
        elif kind == 1:
            d.ellipse([x0, y0, x0 + sz, y0 + int(sz * rng.uniform(0.4, 1.6))], fill=col)
        elif kind == 2:
            n = int(rng.integers(3, 8))
            pts = [(x0 + int(rng.integers(-sz, sz)), y0 + int(rng.integers(-sz, sz))) for _ in range(n)]
            d.polygon(pts, fill=col)
        else:
            d.line([x0, y0, x0 + int(rng.integers(-sz, sz)), y0 + int(rng.integers(-sz, sz))],
                   fill=col, width=max(1, int(s * rng.uniform(0.002, 0.02))))


def draw_text(rng, img: Image.Image, lines: int) -> None:
    d = ImageDraw.Draw(img)
    w, h = img.size
    size = max(10, int(h / lines * rng.uniform(0.5, 0.85)))
    font = ImageFont.load_default(size=size)
    fg = tuple(int(c) for c in rng.integers(0, 256, size=3))
    y = int(rng.integers(0, max(1, size // 2)))
    x_margin = int(w * rng.uniform(0.01, 0.08))
    while y < h:
        n = int(rng.integers(3, 12))
        text = " ".join(WORDS[int(i)] for i in rng.integers(0, len(WORDS), size=n))
        d.text((x_margin, y), text, fill=fg, font=font)
        y += int(size * rng.uniform(1.1, 1.6))


def to_image(arr: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB")


def render(spec: dict) -> Image.Image:
    rng = np.random.default_rng([SEED, GENERATOR_VERSION, spec["index"], 1])
    w, h, kind = spec["width"], spec["height"], spec["kind"]
    if kind == "gradient":
        img = to_image(gradient(rng, w, h))
    elif kind == "noise":
        img = to_image(value_noise(rng, w, h))
    elif kind == "shapes":
        bg = tuple(int(c) for c in rng.integers(0, 256, size=3))
        img = Image.new("RGB", (w, h), bg)
        draw_shapes(rng, img, int(rng.integers(8, 60)))
    elif kind == "text":
        bg = tuple(int(c) for c in rng.integers(150, 256, size=3)) if rng.random() < 0.7 \
            else tuple(int(c) for c in rng.integers(0, 100, size=3))
        img = Image.new("RGB", (w, h), bg)
        draw_text(rng, img, int(rng.integers(6, 40)))
    else:  # mix: gradient or noise background, shapes, text, optional blur, grain
        base = gradient(rng, w, h) if rng.random() < 0.5 else value_noise(rng, w, h)
        img = to_image(base)
        draw_shapes(rng, img, int(rng.integers(4, 30)))
        if rng.random() < 0.6:
            draw_text(rng, img, int(rng.integers(8, 30)))
        if rng.random() < 0.3:
            img = img.filter(ImageFilter.BoxBlur(max(1, min(w, h) // 400)))
        if rng.random() < 0.5:
            arr = np.asarray(img, dtype=np.float32)
            arr = arr + rng.normal(0, float(rng.uniform(2, 8)), size=(h, w, 1)).astype(np.float32)
            img = to_image(arr)
    if spec["grey"]:
        img = img.convert("L")
    return img


SUBSAMPLING = {"4:4:4": 0, "4:2:2": 1, "4:2:0": 2}


def make_one(args):
    spec, out_dir = args
    path = os.path.join(out_dir, file_name(spec))
    img = render(spec)
    kw = {"quality": spec["quality"], "progressive": spec["progressive"]}
    if not spec["grey"]:
        kw["subsampling"] = SUBSAMPLING[spec["subsampling"]]
    tmp = path + ".tmp"
    img.save(tmp, "JPEG", **kw)
    os.replace(tmp, path)
    return dict(spec, file=os.path.basename(path), bytes=os.path.getsize(path))


def version_key() -> dict:
    return {"generator_version": GENERATOR_VERSION, "seed": SEED,
            "pillow": PIL.__version__, "numpy": np.__version__}


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="Generate the synthetic JPEG benchmark corpus.")
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--out", default=os.path.join(here, "corpus"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--list", help="write the absolute paths of the first --count images here")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    manifest_path = os.path.join(args.out, "manifest.json")
    key = version_key()
    entries = {}
    if os.path.exists(manifest_path):
        try:
            with open(manifest_path, encoding="utf-8") as fh:
                old = json.load(fh)
            if old.get("key") == key:
                entries = {e["index"]: e for e in old.get("images", [])}
            else:
                print(f"corpus: generator key changed ({old.get('key')} -> {key}); regenerating",
                      file=sys.stderr)
                for e in old.get("images", []):
                    try:
                        os.remove(os.path.join(args.out, e["file"]))
                    except FileNotFoundError:
                        pass
        except (ValueError, KeyError):
            entries = {}

    specs = [spec_for(i) for i in range(args.count)]
    pending = []
    for s in specs:
        e = entries.get(s["index"])
        p = os.path.join(args.out, file_name(s))
        if e and e["file"] == file_name(s) and os.path.exists(p) and os.path.getsize(p) == e["bytes"]:
            continue
        pending.append(s)

    t0 = time.time()
    if pending:
        print(f"corpus: generating {len(pending)} of {args.count} images with {args.jobs} process(es)...",
              file=sys.stderr)
        # Biggest first so the two workers finish together.
        pending.sort(key=lambda s: -s["width"] * s["height"])
        with Pool(args.jobs) as pool:
            for done, e in enumerate(pool.imap_unordered(make_one, [(s, args.out) for s in pending], 1), 1):
                entries[e["index"]] = e
                if done % 50 == 0:
                    print(f"corpus:   {done}/{len(pending)} ({time.time() - t0:.0f}s)", file=sys.stderr)
        with open(manifest_path + ".tmp", "w", encoding="utf-8") as fh:
            json.dump({"key": key, "images": [entries[i] for i in sorted(entries)]}, fh, indent=1)
        os.replace(manifest_path + ".tmp", manifest_path)
    gen_s = time.time() - t0

    chosen = [entries[i] for i in range(args.count)]
    paths = [os.path.join(os.path.abspath(args.out), e["file"]) for e in chosen]
    if args.list:
        with open(args.list, "w", encoding="utf-8") as fh:
            fh.write("\n".join(paths) + "\n")

    mps = [e["width"] * e["height"] / 1e6 for e in chosen]
    total = sum(e["bytes"] for e in chosen)
    stats = {
        "count": len(chosen),
        "generated_now": len(pending),
        "generation_s": round(gen_s, 1),
        "mp_min": round(min(mps), 3), "mp_max": round(max(mps), 3),
        "mp_mean": round(sum(mps) / len(mps), 3), "mp_total": round(sum(mps), 1),
        "grey": sum(e["grey"] for e in chosen),
        "progressive": sum(e["progressive"] for e in chosen),
        "subsampling": {k: sum(1 for e in chosen if e["subsampling"] == k)
                        for k in ("4:2:0", "4:4:4", "4:2:2")},
        "orientation": {
            "landscape": sum(1 for e in chosen if e["width"] > e["height"]),
            "portrait": sum(1 for e in chosen if e["width"] < e["height"]),
            "square": sum(1 for e in chosen if e["width"] == e["height"]),
        },
        "kinds": {k: sum(1 for e in chosen if e["kind"] == k) for k in sorted(set(KINDS))},
        "quality_min": min(e["quality"] for e in chosen),
        "quality_max": max(e["quality"] for e in chosen),
        "bytes": total,
        "size_mib": round(total / 2 ** 20, 1),
        "key": key,
    }
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
