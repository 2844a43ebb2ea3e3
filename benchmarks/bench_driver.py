"""Peak RSS and wall time of the build driver (build_release) at 10k / 100k / 1M / 2.7M source records.

The image stage is STUBBED: `run_shard` is replaced by a function that writes a tiny tar (one small member per
sample) from the plan rows and returns the records a real shard would (every schema field, from the plan row and
the catalog entry, with a fixed 512x512 16-bit image size) without reading a source image; one sample in 50 (by a
hash of its key) is quarantined, so the quarantine path is exercised too. The ADAPTERS are stubbed too: the sources
are 40 empty folders named after catalog sources, and each one's `records(folder)` returns that source's rows of a
table generated as benchmarks/bench_labels.py generates it (40 sources of very different sizes; plus source_files,
channels and microscopy), read from a per-source parquet file written before the timed run, its lists turned into
Python lists as `standardise_records` hands them over. Everything else is the real driver: `read_records` and the
records table written one source at a time, the cached records / selection / plan tables, label assignment, crops,
planning, shard tasks and their cache keys, the executor, sidecars, and the collect stage (metadata, labels and
quarantine tables, manifest, figures, croissant, card).

Each size runs in its own fresh process, so its peak RSS (getrusage ru_maxrss of that process: the driver; shard
workers are not counted, as with --workers 1 the stub runs in-process and costs a few MiB) is the driver's alone.

    python benchmarks/bench_driver.py [--sizes 10000 100000 1000000 2700000] [--workers 1]
    python benchmarks/bench_driver.py --whole-records   # the records table concatenated and written at once
    python benchmarks/bench_driver.py --compare         # both, side by side, with the ratios
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def run_one(rows: int, workers: int, tmp: Path, whole_records: bool = False) -> dict:
    """One timed build in this process (the child of main)."""
    import pandas as pd

    from cytoimagenet.builder import release
    from cytoimagenet.catalog.registry import catalog
    from cytoimagenet.format import BuildConfig

    sources = sorted(catalog())[:40]
    root = tmp / "sources"
    for sid in sources:
        (root / sid).mkdir(parents=True, exist_ok=True)
    tables = tmp / f"records-{rows}"  # written by a separate process: its memory is not counted
    release.discover_sources = lambda root_, only=None, **kw: ({sid: Path(root_) / sid for sid in sources}, {})
    import cytoimagenet.builder.sources as sources_module

    from cytoimagenet.catalog.registry import get_source
    from cytoimagenet.catalog.source import REGION_COLUMNS

    class StubSource:  # the catalog's source, but its adapter's records are the generated ones
        def __init__(self, sid):
            self.sid, self.real = sid, get_source(sid)

        def __getattr__(self, name):
            return getattr(self.real, name)

        def records(self, folder):
            frame = pd.read_parquet(tables / f"{self.sid}.parquet")
            for column in ("source_files", "channels"):
                frame[column] = frame[column].map(list)
            for column in REGION_COLUMNS:  # whole images, as standardise_records gives them
                frame[column] = pd.array([None] * len(frame), dtype="Int64")
            return frame

    sources_module.get_source = StubSource
    if whole_records:
        # the records path before per-source writing: every source's table concatenated, then written at once
        from cytoimagenet.builder.sources import SOURCE_WARNINGS
        from cytoimagenet.io import parquet_bytes
        import pyarrow as pa

        def write_whole(frames, path):
            frames = list(frames)
            warnings = {sid: f.attrs[SOURCE_WARNINGS] for sid, f in frames if f.attrs.get(SOURCE_WARNINGS)}
            records = pd.concat([f for _, f in frames], ignore_index=True)
            del frames
            Path(path).write_bytes(parquet_bytes(pa.Table.from_pandas(records, preserve_index=False)))
            return {SOURCE_WARNINGS: warnings}

        release.write_records = write_whole
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
    parser.add_argument("--whole-records", action="store_true",
                        help="write the records table the way before per-source writing: all sources concatenated, "
                             "then written at once (the before figures of that change)")
    parser.add_argument("--compare", action="store_true",
                        help="run each size twice, records concatenated then per source, and print the ratios")
    parser.add_argument("--tmp", type=Path, default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate is not None:
        from cytoimagenet.catalog.registry import catalog

        table = generate_records(args.generate, sorted(catalog())[:40])
        folder = args.tmp / f"records-{args.generate}"
        folder.mkdir()
        for sid in sorted(catalog())[:40]:  # a source the draw gave no rows reads as an empty table
            # each adapter's table is sorted by sample id (standardise_records)
            frame = table[table["source_id"] == sid].sort_values("sample_id", kind="stable")
            frame.to_parquet(folder / f"{sid}.parquet", index=False)
        largest = table["source_id"].value_counts()
        print(f"{args.generate:,} records: largest source {largest.iloc[0]:,} ({largest.iloc[0] / len(table):.0%})",
              file=sys.stderr)
        return
    if args.child is not None:
        print(json.dumps(run_one(args.child, args.workers, args.tmp, args.whole_records)))
        return
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        for rows in args.sizes:
            # a fresh process per size: ru_maxrss is a high-water mark and would otherwise carry over
            subprocess.run([sys.executable, __file__, "--generate", str(rows), "--tmp", tmp], check=True)
            runs = {}
            # --compare: both records paths on the same generated table, one after the other
            for whole in ([True, False] if args.compare else [args.whole_records]):
                done = subprocess.run([sys.executable, __file__, "--child", str(rows), "--workers", str(args.workers),
                                       "--tmp", tmp] + (["--whole-records"] if whole else []),
                                      capture_output=True, text=True)
                if done.returncode:
                    sys.exit(f"size {rows}: failed\n{done.stderr[-3000:]}")
                r = runs[whole] = json.loads(done.stdout.strip().splitlines()[-1])
                print(f"{r['records']:>9,} records -> {r['samples']:>8,} samples, {r['shards']:>4} shards, "
                      f"{r['labels']:>4} labels: {r['wall_s']:>7.1f} s wall, {r['cpu_s']:>7.1f} s CPU, "
                      f"peak driver RSS {r['peak_rss_gib']:.2f} GiB (release {r['release_id']})"
                      + (" [records concatenated]" if whole else ""), flush=True)
            if len(runs) == 2:
                new, old = runs[False], runs[True]
                print(f"{rows:>9,} records: per-source records vs concatenated: peak RSS x{new['peak_rss_gib'] / old['peak_rss_gib']:.2f}, "
                      f"CPU x{new['cpu_s'] / old['cpu_s']:.2f}, same release: {new['release_id'] == old['release_id']}",
                      flush=True)

if __name__ == "__main__":
    main()
