"""Peak RSS and wall time of the build driver (build_release) at 10k / 100k / 1M / 2.7M source records.

The image stage is STUBBED: `run_shard` is replaced by a function that writes a tiny tar (one small member per
sample) from the plan rows and returns the records a real shard would (every schema field, from the plan row and
the catalog entry, with a fixed 512x512 16-bit image size) without reading a source image; one sample in 50 (by a
hash of its key) is quarantined, so the quarantine path is exercised too. The sources are 40 empty folders named
after catalog sources, and the records table is generated as benchmarks/bench_labels.py generates it (plus
source_files, channels and microscopy), written to a parquet file before the timed run and returned by a patched
`read_records`. Everything else is the real driver: the cached records / selection / plan tables, label
assignment, crops, planning, shard tasks and their cache keys, the executor, sidecars, and the collect stage
(metadata, labels and quarantine tables, manifest, figures, croissant, card).

Each size runs in its own fresh process, so its peak RSS (getrusage ru_maxrss of that process: the driver; shard
workers are not counted, as with --workers 1 the stub runs in-process and costs a few MiB) is the driver's alone.

    python benchmarks/bench_driver.py [--sizes 10000 100000 1000000 2700000] [--workers 1]
    git show 84415f0:builder/release.py > /tmp/old_release.py   # the driver before the lean one
    python benchmarks/bench_driver.py --baseline /tmp/old_release.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

SIZES = (10_000, 100_000, 1_000_000, 2_700_000)


def generate_records(rows: int, sources: list[str]) -> "pd.DataFrame":
    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_labels import generate

    df = generate(rows)
    rng = np.random.default_rng(1)
    src = df["source_id"].str.slice(3).astype(int).to_numpy()
    df["source_id"] = np.array(sources, object)[src % len(sources)]
    n_channels = rng.integers(1, 6, rows)
    df["microscopy"] = np.where(rng.random(rows) < 0.9, "fluorescence", "brightfield").astype(object)
    # 1-5 channels a sample, file names as long as real ones ('<plate>/<well>_s<field>_w<channel>.tif')
    df["source_files"] = [[f"plate{i % 97}/{sid}_{i}_s1_w{c}.tif" for c in range(n)]
                          for i, (sid, n) in enumerate(zip(df["sample_id"], n_channels))]
    df["channels"] = [["nucleus", "actin", "microtubules", "mitochondria", "er"][:n] for n in n_channels]
    df["group"] = df["sample_id"].str.slice(0, -1)  # ~10 fields a well share a group
    return df


def stub_run_shard(task):
    """A shard without images: the records run_shard would return, and a tar of one tiny member a sample."""
    from cytoimagenet.builder.shard import RECORD_PASSTHROUGH, ShardResult, _quarantine, write_tar_atomic

    records, quarantine = [], []

    def samples():
        for row in task.rows:
            if hashlib.sha256(row["key"].encode()).digest()[0] % 50 == 0:
                quarantine.append(_quarantine(row, "unreadable: stubbed"))
                continue
            entry = task.entries[row["source_id"]]
            crop = bool(row.get("crop"))
            record = {k: row[k] for k in RECORD_PASSTHROUGH}
            record.update(database=entry["database"], name=entry["name"], dir_name=entry["dir_name"], crop=crop,
                          scaling=0.5 if crop else 1.0, x_min=0 if crop else None, x_max=256 if crop else None,
                          y_min=0 if crop else None, y_max=256 if crop else None,
                          source_files=list(row["source_files"]), channels=list(row["channels"]), bit_depth=16,
                          height=256 if crop else 512, width=256 if crop else 512)
            label_id = task.label_ids[record["label"]]
            records.append({**record, "label_id": label_id, "shard": task.name})
            yield record["key"], {"cls": str(label_id).encode()}

    sha, size = write_tar_atomic(Path(task.out_path), samples())
    return ShardResult(task.name, task.out_path, sha, size, records, quarantine)


def run_one(rows: int, workers: int, tmp: Path, baseline: Optional[str] = None) -> dict:
    """One timed build in this process (the child of main)."""
    import pandas as pd

    if baseline:
        # the driver of an earlier commit (`git show <rev>:builder/release.py > old.py`) in place of this one
        import importlib.util

        spec = importlib.util.spec_from_file_location("cytoimagenet.builder.release", baseline)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        import cytoimagenet.builder

        cytoimagenet.builder.release = module
    from cytoimagenet.builder import release
    from cytoimagenet.catalog.registry import catalog
    from cytoimagenet.format import BuildConfig

    sources = sorted(catalog())[:40]
    root = tmp / "sources"
    for sid in sources:
        (root / sid).mkdir(parents=True, exist_ok=True)
    table_path = tmp / f"records-{rows}.parquet"  # written by a separate process: its memory is not counted
    release.discover_sources = lambda root_, only=None, **kw: ({sid: Path(root_) / sid for sid in sources}, {})
    release.read_records = lambda folders: pd.read_parquet(table_path)
    release.run_shard = stub_run_shard
    out = tmp / f"release-{rows}"
    start = resource.getrusage(resource.RUSAGE_SELF)
    base, cpu0 = start.ru_maxrss, start.ru_utime + start.ru_stime
    t0 = time.perf_counter()
    report = release.build_release(root, out, BuildConfig(), workers=workers)
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss  # KiB on Linux
    return {"records": rows, "samples": sum(report.samples.values()), "shards": report.shards,
            "quarantined": report.quarantined, "labels": report.labels, "wall_s": round(wall, 1),
            # CPU seconds of the build (the table generation ran elsewhere): on a shared machine the wall time
            # also counts the other processes' turns
            "cpu_s": round(usage.ru_utime + usage.ru_stime - cpu0, 1),
            "peak_rss_gib": round(peak / 2**20, 2), "rss_before_build_gib": round(base / 2**20, 2),
            "release_id": json.loads((out / "manifest.json").read_text())["release_id"][:16]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--baseline", default=None,
                        help="a release.py of an earlier commit to measure instead (the before figures)")
    parser.add_argument("--tmp", type=Path, default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate is not None:
        from cytoimagenet.catalog.registry import catalog

        generate_records(args.generate, sorted(catalog())[:40]).to_parquet(args.tmp / f"records-{args.generate}.parquet")
        return
    if args.child is not None:
        print(json.dumps(run_one(args.child, args.workers, args.tmp, args.baseline)))
        return
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        for rows in args.sizes:
            # a fresh process per size: ru_maxrss is a high-water mark and would otherwise carry over
            subprocess.run([sys.executable, __file__, "--generate", str(rows), "--tmp", tmp], check=True)
            done = subprocess.run([sys.executable, __file__, "--child", str(rows), "--workers", str(args.workers),
                                   "--tmp", tmp] + (["--baseline", args.baseline] if args.baseline else []),
                                  capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"size {rows}: failed\n{done.stderr[-3000:]}")
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{r['records']:>9,} records -> {r['samples']:>8,} samples, {r['shards']:>4} shards, "
                  f"{r['labels']:>4} labels: {r['wall_s']:>7.1f} s wall, {r.get('cpu_s', float('nan')):>7.1f} s CPU, peak driver RSS {r['peak_rss_gib']:.2f} GiB "
                  f"(release {r['release_id']})", flush=True)


if __name__ == "__main__":
    main()
