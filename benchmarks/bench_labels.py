"""Label assignment on a generated 2.7M-row metadata table (the size of the original's), and the original's way
of matching labels (a regex substring search per label) side by side on a subset.

    python benchmarks/bench_labels.py [--rows 2700000] [--subset 100000]

Peak memory of assign_labels alone, each size in a fresh process, against an earlier labels.py (the selection must
be identical; the script stops if it is not):

    git show aea9ec0:builder/labels.py > /tmp/old_labels.py    # before the integer-coded token table
    python benchmarks/bench_labels.py --memory 100000 1000000 --baseline /tmp/old_labels.py

Peak RSS is sampled every 2 ms during the call and reported above the process's RSS just before it (the generated
table); tracemalloc would miss arrow's buffers, which hold most of the new working set.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from cytoimagenet.builder.labels import CATEGORIES, assign_labels, candidate_labels, token_table


def generate(rows: int, seed: int = 0) -> pd.DataFrame:
    """A table shaped like the original's: 40 sources of very different sizes, a few organisms, ~100 cell types,
    thousands of compounds, genes and siRNAs (long-tailed), multi-label cell_visible, sparse columns."""
    rng = np.random.default_rng(seed)

    def zipf_choice(prefix, n_values, size, a=1.3):
        ranks = np.minimum(rng.zipf(a, size), n_values) - 1
        return np.char.add(prefix, ranks.astype(str)).astype(object)

    src = rng.choice(40, rows, p=np.sort(rng.dirichlet(np.full(40, 0.3)))[::-1])
    df = pd.DataFrame({"source_id": np.char.add("src", src.astype(str)).astype(object)})
    df["sample_id"] = np.char.add("img", np.arange(rows).astype(str)).astype(object)
    df["group"] = df["sample_id"]
    df["organism"] = np.array(["human", "mouse", "yeast", "c. elegans"], object)[rng.choice(4, rows, p=[0.8, 0.12, 0.05, 0.03])]
    df["cell_type"] = zipf_choice("cell", 120, rows, 1.2)
    stains = np.array(["nucleus", "actin", "microtubules", "mitochondria", "golgi apparatus", "er", "dna"], object)
    k = rng.integers(1, 4, rows)
    picks = rng.integers(0, len(stains), (rows, 3))
    cv = ["|".join(dict.fromkeys(stains[p[:n]])) for p, n in zip(picks, k)]
    df["cell_visible"] = np.array(cv, object)
    df["phenotype"] = np.where(rng.random(rows) < 0.3, zipf_choice("pheno", 300, rows, 1.3), None)
    df["compound"] = np.where(rng.random(rows) < 0.4, zipf_choice("cpd(", 20000, rows, 1.1), None)
    df["gene"] = np.where(rng.random(rows) < 0.2, np.char.add(zipf_choice("gene", 15000, rows, 1.1).astype(str), " targeted").astype(object), None)
    df["sirna"] = np.where(rng.random(rows) < 0.15, zipf_choice("s", 10000, rows, 1.1), None)
    return df


def original_style(records: pd.DataFrame, min_per_class: int, max_per_class: int, seed: int) -> int:
    """The original's loop: for each candidate, a regex substring search of its column over unused rows."""
    cands = candidate_labels(token_table(records), min_per_class)
    used = np.zeros(len(records), bool)
    n = 0
    for label, category in zip(cands["label"], cands["category"]):
        col = records[category].fillna("")
        try:
            hit = col.str.contains(label, regex=True).to_numpy() & ~used
        except Exception:  # the original crashed on labels such as "cpd(12"
            hit = col.str.contains(label, regex=False).to_numpy() & ~used
        rows = np.flatnonzero(hit)
        if len(rows) < min_per_class:
            continue
        rows = rows[:max_per_class]
        used[rows] = True
        n += 1
    return n


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _load(path: str):
    """An earlier labels.py as a module; its CATEGORIES import is pointed at today's (the schema module moved)."""
    src = Path(path).read_text().replace("from cytoimagenet.validation.schema import CATEGORIES",
                                         "from cytoimagenet.builder.labels import CATEGORIES")
    spec = importlib.util.spec_from_loader("baseline_labels", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(src, path, "exec"), module.__dict__)
    return module


def measure_one(rows: int, baseline: str) -> dict:
    """One process, one size: assign_labels(generate(rows), 287, 1000, seed 0) timed, its peak RSS sampled."""
    fn = _load(baseline).assign_labels if baseline else assign_labels
    table = generate(rows)
    base = _rss()
    peak, stop = [base], threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample)
    sampler.start()
    t0 = time.perf_counter()
    sel = fn(table, 287, 1000, seed=0)
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    digest = hashlib.sha256(pd.util.hash_pandas_object(sel).to_numpy().tobytes()
                            + str(list(sel.columns)).encode() + str(list(sel.dtypes)).encode()).hexdigest()
    return {"rows": rows, "wall_s": round(wall, 2), "table_gib": round(base / 2**30, 3),
            "peak_above_table_gib": round((peak[0] - base) / 2**30, 3), "selected": len(sel),
            "labels": int(sel["label"].nunique()), "digest": digest}


def memory(sizes: list[int], baseline: str) -> None:
    for rows in sizes:
        results = {}
        for name, path in ([("before", baseline)] if baseline else []) + [("after", "")]:
            # a fresh process per run: RSS and the allocators' retained pages would otherwise carry over
            done = subprocess.run([sys.executable, __file__, "--child", str(rows)] + (["--baseline", path] if path else []),
                                  capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"{rows} rows, {name}: failed\n{done.stderr[-3000:]}")
            r = results[name] = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{rows:>9,} rows {name:>6}: {r['wall_s']:6.1f} s, peak {r['peak_above_table_gib']:.3f} GiB above "
                  f"the table ({r['table_gib']:.2f} GiB); {r['selected']:,} selected, {r['labels']} labels, "
                  f"selection {r['digest'][:12]}", flush=True)
        if baseline and results["before"]["digest"] != results["after"]["digest"]:
            sys.exit(f"{rows} rows: the selection differs from the baseline's")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_700_000)
    parser.add_argument("--subset", type=int, default=100_000)
    parser.add_argument("--memory", type=int, nargs="+", default=None,
                        help="sizes: peak RSS and time of assign_labels alone, a fresh process each")
    parser.add_argument("--baseline", default="", help="an earlier builder/labels.py to measure first and compare with")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure_one(args.child, args.baseline)))
        return
    if args.memory:
        memory(args.memory, args.baseline)
        return

    t0 = time.perf_counter()
    table = generate(args.rows)
    print(f"generated {len(table):,} rows in {time.perf_counter() - t0:.1f} s")

    sub = table.head(args.subset)
    min_sub = max(5, 287 * args.subset // args.rows)
    max_sub = max(min_sub, 1000 * args.subset // args.rows)
    t0 = time.perf_counter()
    ours = assign_labels(sub, min_sub, max_sub, seed=0)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    n_orig = original_style(sub, min_sub, max_sub, 0)
    t_orig = time.perf_counter() - t0
    print(f"subset of {args.subset:,} rows (min {min_sub}, max {max_sub}): vectorised {t_ours:.1f} s "
          f"({ours['label'].nunique()} classes), original-style regex loop {t_orig:.1f} s ({n_orig} classes): "
          f"{t_orig / t_ours:.1f}x faster")

    tracemalloc.start()
    t0 = time.perf_counter()
    full = assign_labels(table, 287, 1000, seed=0)
    t_full = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    sizes = full.groupby("label").size()
    print(f"full table: {len(table):,} rows -> {sizes.size} classes, {len(full):,} images in {t_full:.1f} s "
          f"({t_full / 60:.1f} min); class sizes {sizes.min()}..{sizes.max()}; python-heap peak {peak / 2**30:.2f} GiB")
    print("categories:", full.groupby("category")["label"].nunique().to_dict())


if __name__ == "__main__":
    main()
