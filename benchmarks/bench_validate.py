"""Time per sample of `cytoimagenet validate`: 1 and 2 worker processes against the old single-process Pillow path.

    python benchmarks/bench_validate.py             # 3,000 samples of 512 px, 3 interleaved rounds
    python benchmarks/bench_validate.py --quick     # 600 samples, 1 round

One process, one synthetic release made as `bench_stream.py` makes its own (cells with shot and camera noise,
percentile-normalised to 8 bit, written as real release shards with their manifest), plus the metadata table, so
that every check of `validate_release` runs (the release has no dataset card: the same one problem, 'missing
dataset card', for every variant, and the card checks cost nothing per sample). The variants, interleaved round by
round, best round kept:

- old: the validator as it was before parallel validation (commit OLD below, read with `git show`): Pillow
  decoding, a separate sha256 read of each shard, one process;
- pil, 1 worker / fast, 1 worker: today's validator in this process with Pillow or with the fast decoder (Wuffs
  when pywuffs is installed);
- fast, 2 workers: shards checked by 2 worker processes (started per run, as the CLI does).

The single-process figures are CPU time per sample of this process (time.process_time: a busy neighbour on a
shared machine distorts them little); the 2-worker figure is wall time per sample (the point of workers is to use
more cores), so it needs two idle cores: the load average is printed. Every variant must report the same problems.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_stream import make_release, png_pool  # noqa: E402

OLD = "af9dd4e^"  # the last validator without workers or the fast decoder
POOL = 64  # distinct images; samples reuse them under their own keys


def old_validator(repo: Path):
    """The validator of commit OLD as a module, or None where git or the commit is not there."""
    try:
        source = subprocess.run(["git", "-C", str(repo), "show", f"{OLD}:validation/release.py"], capture_output=True,
                                text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("cytoimagenet_validate_old")
    exec(compile(source, f"{OLD}:validation/release.py", "exec"), module.__dict__)
    return module.validate_release


def write_metadata(release: Path) -> None:
    """metadata/metadata.parquet as the shards hold it (key, label_id, shard), for the metadata check."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cytoimagenet.validation.release import read_manifest

    rows = {"key": [], "label_id": [], "shard": []}
    for entry in read_manifest(release).shards:
        import tarfile

        with tarfile.open(release / entry.path) as tf:
            for m in tf:
                if m.name.endswith(".cls"):
                    rows["key"].append(m.name[:-4])
                    rows["label_id"].append(int(tf.extractfile(m).read()))
                    rows["shard"].append(Path(entry.path).stem)
    (release / "metadata").mkdir(exist_ok=True)
    pq.write_table(pa.table(rows), release / "metadata" / "metadata.parquet")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=3000)
    ap.add_argument("--shard-size", type=int, default=250, help="samples per shard (the builder's default is larger; "
                    "smaller shards only even out the 2 workers' shares here)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2, help="processes of the parallel variant")
    ap.add_argument("--quick", action="store_true", help="600 samples, 1 round")
    ap.add_argument("--work", type=Path, default=None, help="folder for the synthetic release (default: a temp folder)")
    args = ap.parse_args()
    if args.quick:
        args.samples, args.rounds, args.shard_size = 600, 1, 100

    from cytoimagenet.loaders.shards import wuffs_available
    from cytoimagenet.validation.release import validate_release

    work = args.work or Path(tempfile.mkdtemp(prefix="cytoimagenet-bench-validate-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    pngs = png_pool(rng, POOL)
    release = make_release(work / "release", args.samples, pngs, shard_size=args.shard_size)
    write_metadata(release)
    n = args.samples
    fast = "Wuffs (pywuffs)" if wuffs_available() else "Pillow (pywuffs not installed)"
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; {os.cpu_count()} cpus")
    print(f"data: {n} samples of 512x512 8-bit PNG ({np.mean([len(p) for p in pngs]) / 1024:.0f} KiB), "
          f"{-(-n // args.shard_size)} shards; fast decoder: {fast}; prepared in {time.perf_counter() - t0:.0f}s")

    old = old_validator(Path(__file__).resolve().parent.parent)
    parallel_stats: dict = {}
    variants = {
        "old": (lambda: old(release)) if old else None,
        "pil_1": lambda: validate_release(release, decoder="pil"),
        "fast_1": lambda: validate_release(release),
        f"fast_{args.workers}": lambda: validate_release(release, workers=args.workers, stats=parallel_stats),
    }
    if old is None:
        print(f"old: git or commit {OLD} not available here; left out (the pil, 1 worker figure stands in for it)")
    variants = {k: v for k, v in variants.items() if v}
    parallel = f"fast_{args.workers}"

    # once untimed: page cache, imports, the forkserver; and every variant must find the same problems
    problems = {k: fn() for k, fn in variants.items()}
    reference = problems["fast_1"]
    for k, p in problems.items():
        assert p == reference, f"{k} reports {p}, fast_1 reports {reference}"
    print(f"problems (each variant): {reference}")

    cpu: dict[str, list[float]] = {k: [] for k in variants}
    wall: dict[str, list[float]] = {k: [] for k in variants}
    worker_cpu: list[float] = []
    for r in range(args.rounds):
        for k, fn in variants.items():
            c, w = time.process_time(), time.perf_counter()
            fn()
            cpu[k].append((time.process_time() - c) / n * 1e3)
            wall[k].append((time.perf_counter() - w) / n * 1e3)
            if k == parallel:
                # the workers' CPU (the shard checks, timed inside them) plus this process's merge
                worker_cpu.append((parallel_stats["shard_cpu_s"] / n * 1e3) + cpu[k][-1])
        print(f"round {r + 1}/{args.rounds}: " + ", ".join(
            f"{k} {cpu[k][-1]:.2f} ms cpu / {wall[k][-1]:.2f} ms wall" for k in variants), flush=True)

    best = {k: min(cpu[k]) if k != parallel else min(wall[k]) for k in variants}
    base_name = "old" if "old" in best else "pil_1"
    base = best[base_name]
    print()
    print(f"time per sample (best of {args.rounds}; ratio = {base_name} / variant, higher is faster):")
    labels = {"old": "old: Pillow, 1 process (cpu)", "pil_1": "pil, 1 worker (cpu)",
              "fast_1": "fast decoder, 1 worker (cpu)", parallel: f"fast decoder, {args.workers} workers (wall)"}
    for k in variants:
        print(f"  {labels[k]:<34} {best[k]:6.3f} ms  {base / best[k]:5.2f}x   "
              f"(wall {min(wall[k]):.3f} ms)")
    print(f"  {args.workers} workers vs 1 (wall): {min(wall['fast_1']) / min(wall[parallel]):.2f}x; "
          f"load average now {os.getloadavg()[0]:.1f}")
    print(f"  CPU per sample with {args.workers} workers (theirs + this process's): {min(worker_cpu):.3f} ms vs "
          f"{best['fast_1']:.3f} ms in 1 process: with {args.workers} free cores the wall time would be about "
          f"{min(worker_cpu) / args.workers:.3f} ms ({base / (min(worker_cpu) / args.workers):.2f}x {base_name})")
    print(f"  the 890,737 samples of v1 at these rates: {base * 890_737 / 60e3:.0f} min {base_name}, "
          f"{best['fast_1'] * 890_737 / 60e3:.0f} min fast_1, {best[parallel] * 890_737 / 60e3:.0f} min {parallel} "
          "(the 2-worker wall includes starting the pool, as the CLI does)")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
