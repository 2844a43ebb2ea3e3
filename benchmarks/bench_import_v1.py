"""`import-v1` throughput and memory: the published v1 layout (class folders of 8-bit grayscale PNGs +
metadata.csv) repackaged into a release, against the bound of what the import cannot avoid (reading every PNG and
writing the release's tars: png, json and cls members, through the same tar writer), and peak memory at two sizes (it should be flat in the number of images).

    python benchmarks/bench_import_v1.py                 # 4,000 images for throughput; 2,000 vs 16,000 for memory
    python benchmarks/bench_import_v1.py --quick         # smoke check

Throughput is images per CPU-second of one process (workers=1, so the shard tasks run in-process and the CPU
time is this process's own), best of the rounds, the two sides interleaved: a shared machine's neighbours distort
CPU time much less than wall time. It is the marginal rate, (N2 - N1) / (CPU at N2 - CPU at N1): the fixed cost of
a release (figures, card, croissant: a few seconds) is paid once and would swamp a small benchmark, while at the
890k images of v1 only the per-image cost matters. Memory is the peak RSS (VmHWM) of a fresh process importing N
images.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

V1_COLUMNS = ("label", "category", "database", "name", "dir_name", "path", "filename", "idx", "organism",
              "cell_type", "cell_visible", "phenotype", "compound", "sirna", "gene", "microscopy", "crop", "scaling",
              "x_min", "x_max", "y_min", "y_max")


def write_v1(root: Path, n: int, side: int = 224, classes: int = 40) -> Path:
    """n textured 8-bit PNGs (224 px: the original's training size) in `classes` class folders + metadata.csv."""
    rng = np.random.default_rng(0)
    base = [(rng.normal(60, 25, (side, side)).clip(0, 255)).astype(np.uint8) for _ in range(16)]
    rows = []
    for i in range(n):
        label = f"class {i % classes}"
        filename = f"{label}-{i // classes:016b}.png"
        img = np.roll(base[i % 16], i % side, axis=1)
        buf = io.BytesIO()
        Image.fromarray(img, "L").save(buf, format="PNG", compress_level=1)
        folder = root / "cytoimagenet" / label
        folder.mkdir(parents=True, exist_ok=True)
        (folder / filename).write_bytes(buf.getvalue())
        crop = i % 3 == 0
        rows.append({"label": label, "category": "compound", "database": "Bench", "name": "bench", "dir_name": "bench",
                     "path": f"/cytoimagenet/{label}", "filename": filename, "idx": f"bench-{i // 2}",
                     "organism": "human", "cell_type": "u2os", "cell_visible": "nucleus", "phenotype": None,
                     "compound": label, "sirna": None, "gene": None, "microscopy": "fluorescence", "crop": crop,
                     "scaling": 0.5 if crop else 1.0, "x_min": 0 if crop else None, "x_max": 112 if crop else None,
                     "y_min": 0 if crop else None, "y_max": 112 if crop else None})
    pd.DataFrame(rows, columns=list(V1_COLUMNS)).to_csv(root / "metadata.csv", index=False)
    return root


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def bound(root: Path, out: Path, shard_size: int) -> float:
    """What the import cannot avoid: read every PNG and write a release's tars, the same members (png, a json
    record of a v1 row's size, cls) through the same tar writer, with no check, no schema and no metadata."""
    from cytoimagenet.builder.shard import write_tar_atomic

    files = sorted((root / "cytoimagenet").rglob("*.png"))
    record = json.dumps({c: "x" * 12 for c in V1_COLUMNS} | {"source_files": ["x" * 40], "channels": ["gray"]}).encode()
    t = cpu()
    for s in range(0, len(files), shard_size):
        write_tar_atomic(out / f"b-{s:08d}.tar", ((f"k{s + i:08d}", {"png": f.read_bytes(), "json": record,
                                                                       "cls": b"7"})
                                                  for i, f in enumerate(files[s:s + shard_size])))
    return cpu() - t


def importer(root: Path, out: Path, shard_size: int) -> float:
    from cytoimagenet.builder.v1 import import_v1

    t = cpu()
    import_v1(root, out, shard_size=shard_size, workers=1)
    return cpu() - t


def peak_rss(n: int, tmp: Path) -> float:
    """MiB peak RSS of a fresh process importing n images."""
    root = write_v1(tmp / f"v1-{n}", n)
    code = ("import resource,sys; from cytoimagenet.builder.v1 import import_v1; "
            f"import_v1(sys.argv[1], sys.argv[2], shard_size=1000, workers=1); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    res = subprocess.run([sys.executable, "-c", code, str(root), str(tmp / f"rel-{n}" / "cytoimagenet")],
                         capture_output=True, text=True, check=True)
    return int(res.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", default="1000,4000", help="N1,N2 for the marginal throughput")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--memory-sizes", default="2000,16000")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.images, args.rounds, args.memory_sizes = "200,600", 1, "200,800"
    n1, n2 = (int(x) for x in args.images.split(","))
    with tempfile.TemporaryDirectory(prefix="bench-v1-") as tmp:
        tmp = Path(tmp)
        roots = {n: write_v1(tmp / f"v1-{n}", n) for n in (n1, n2)}
        best = {}
        for r in range(args.rounds):
            for n in (n1, n2):
                for name, run in (("bound", bound), ("import", importer)):
                    out = tmp / f"{name}-{n}-{r}"
                    target = out if name == "bound" else out / "cytoimagenet"
                    best[name, n] = min(best.get((name, n), float("inf")), run(roots[n], target, 1000))
                    shutil.rmtree(out, ignore_errors=True)
        rb = (n2 - n1) / (best["bound", n2] - best["bound", n1])
        ri = (n2 - n1) / (best["import", n2] - best["import", n1])
        fixed = best["import", n1] - n1 / ri
        print(f"(a) import {ri:,.0f} images/s per core vs bound (read PNG + write the tars) {rb:,.0f} images/s: "
              f"{ri / rb:.2f} of the bound (224 px PNGs, marginal rate {n1}->{n2} images, best of {args.rounds}); "
              f"fixed cost per release {fixed:.1f} CPU-s")
        small, large = (int(x) for x in args.memory_sizes.split(","))
        m_small, m_large = peak_rss(small, tmp), peak_rss(large, tmp)
        print(f"(b) peak RSS: {m_small:,.0f} MiB at {small} images, {m_large:,.0f} MiB at {large} images "
              f"({m_large / m_small:.2f}x for {large / small:.0f}x the images)")


if __name__ == "__main__":
    main()
