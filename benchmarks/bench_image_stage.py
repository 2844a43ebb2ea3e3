"""Per-core throughput of the image stage against its codec bound.

The bound decodes the source channels and encodes the output PNG, nothing else; the stage does everything a
shard task does (read at full depth, per-channel percentile normalisation, merge, QC, PNG, JSON record, tar).
Both run in this process, one core, on the same BBBC021-layout fields at native resolution (3 x 16-bit 1280x1024).

    python benchmarks/bench_image_stage.py [--fields 24]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from cytoimagenet.builder.image import encode_png, read_planes  # noqa: E402
from cytoimagenet.builder.shard import ShardTask, run_shard  # noqa: E402
from cytoimagenet.catalog.registry import get_source  # noqa: E402


def make_sources(root: Path, fields: int) -> list[dict]:
    from cytoimagenet.catalog.demo import write_demo_sources

    write_demo_sources(root, seed=0, bbbc021_shape=(1024, 1280), rxrx1_shape=(64, 64))
    rec = get_source("bbbc021").records(root / "bbbc021")
    rows = []
    for i, r in enumerate(rec.head(fields).itertuples()):
        rows.append({
            "key": f"k{i}", "label": "x", "category": "compound", "path": "p", "filename": "f", "idx": r.sample_id,
            "organism": r.organism, "cell_type": r.cell_type, "cell_visible": r.cell_visible, "phenotype": r.phenotype,
            "compound": r.compound, "sirna": None, "gene": None, "microscopy": "fluorescence", "source_id": "bbbc021",
            "sample_id": r.sample_id, "group": r.group, "split": "train", "source_files": list(r.source_files),
            "channels": list(r.channels), "crop": False, "crop_index": -1, "n_crops": 0,
        })
    return rows


def outputs(rows: list[dict], root: Path) -> list:
    """The 8-bit images the stage writes, computed once, so the bound encodes exactly the same pixels."""
    from cytoimagenet.builder.image import merge

    result = []
    for row in rows:
        try:
            result.append(merge([p for rel in row["source_files"] for p in read_planes(root / rel)[0]]))
        except Exception:
            result.append(None)
    return result


def bound(rows: list[dict], root: Path, images: list) -> None:
    """Decode every source channel and encode the output PNG: the codec work alone."""
    for row, image in zip(rows, images):
        for rel in row["source_files"]:
            try:
                read_planes(root / rel)
            except Exception:
                pass
        if image is not None:
            encode_png(image)


def stage(rows: list[dict], root: Path, out: Path) -> None:
    task = ShardTask(
        name="train-000000", rows=rows, source_roots={"bbbc021": str(root)},
        entries={"bbbc021": {"database": "d", "name": "n", "dir_name": "bbbc021"}}, label_ids={"x": 0},
        out_path=str(out),
    )
    run_shard(task)


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fields", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "sources"
        rows = make_sources(root, args.fields)
        src = root / "bbbc021"
        images = outputs(rows, src)  # also warms the page cache for both
        t_bound = best_of(lambda: bound(rows, src, images), args.repeats)
        t_stage = best_of(lambda: stage(rows, src, Path(tmp) / "s.tar"), args.repeats)
    n = len(rows)
    print(f"fields: {n} (3 x 16-bit 1280x1024 TIFF each), one core, best of {args.repeats}")
    print(f"codec bound (decode channels + encode PNG): {n / t_bound:7.2f} fields/s")
    print(f"image stage (full shard task):              {n / t_stage:7.2f} fields/s")
    print(f"stage / bound: {t_bound / t_stage:.2f}  (target >= 0.70)")


if __name__ == "__main__":
    main()
