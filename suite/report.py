"""Evaluation reports: report.json, report.md, a confusion-matrix plot per scored variant, a 2-D embedding plot.

The JSON is the record (everything the protocols returned); the markdown is for people and links the plots.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# a reader (or a crash) never sees half a report
from cytoimagenet.io import write_bytes_atomic

EMBEDDING_MAX_POINTS = 5000
PER_CLASS_TABLE_MAX = 60  # past this (RxRx1's 1,108 siRNAs) a per-class table is noise: see the JSON


# --- small pure helpers -------------------------------------------------------------------------------


def jsonable(obj):
    """Plain JSON types; NaN and infinities become null (JSON has no NaN, and readers choke on it)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, Path):
        return str(obj)
    return obj


def scored_variants(evaluation: dict) -> list[tuple[str, dict]]:
    return [(name, r) for name, r in evaluation.get("results", {}).items() if "accuracy" in r]


def embed_2d(x: np.ndarray, seed: int = 0) -> tuple[np.ndarray, str]:
    """UMAP when umap-learn is importable, else the first two principal components (numpy SVD)."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 3:
        return np.pad(x[:, :2], ((0, 0), (0, max(0, 2 - x.shape[1])))), "identity"
    try:
        import umap  # optional: heavy, and not needed for the protocol

        coords = umap.UMAP(n_components=2, random_state=seed, n_neighbors=min(15, len(x) - 1)).fit_transform(x)
        return np.asarray(coords), "UMAP"
    except ImportError:
        pass
    centred = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ vt[:2].T
    if coords.shape[1] < 2:
        coords = np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))
    return coords, "PCA"


def subsample(n: int, limit: int = EMBEDDING_MAX_POINTS, seed: int = 0) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def _slug(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(p for p in parts if p)).strip("_")


def _pct(x) -> str:
    return "n/a" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{100 * x:.1f}%"


# --- writing ------------------------------------------------------------------------------------------


def _plot_confusion(result: dict, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conf = np.asarray(result["confusion"]["matrix"], dtype=np.float64)
    rows = conf.sum(axis=1, keepdims=True)
    frac = np.divide(conf, rows, out=np.zeros_like(conf), where=rows > 0)
    true_names = result["confusion"]["classes"]
    pred_names = result["confusion"]["predicted"]
    m = len(true_names)
    labelled = m <= 40
    side = min(14.0, max(4.0, 0.35 * m + 2.5))
    fig, ax = plt.subplots(figsize=(side, side * 0.9))
    im = ax.imshow(frac, cmap="Blues", vmin=0, vmax=1, interpolation="nearest", aspect="auto")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="fraction of true class")
    if labelled:
        ax.set_xticks(range(len(pred_names)), pred_names, rotation=90, fontsize=7)
        ax.set_yticks(range(m), true_names, fontsize=7)
        if m <= 20:
            for i in range(m):
                for j in range(conf.shape[1]):
                    if conf[i, j]:
                        ax.text(j, i, int(conf[i, j]), ha="center", va="center", fontsize=6,
                                color="white" if frac[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{title}\naccuracy {_pct(result['accuracy'])} (n={result['n']})", fontsize=9)
    fig.tight_layout()
    buf = _png_bytes(fig)
    plt.close(fig)
    write_bytes_atomic(path, buf)


def _plot_embedding(coords: np.ndarray, labels: Sequence[str], how: str, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = np.asarray([str(v) for v in labels])
    classes = sorted(set(labels.tolist()))
    cmap = plt.get_cmap("tab20" if len(classes) > 10 else "tab10")
    fig, ax = plt.subplots(figsize=(7.5, 6))
    for i, c in enumerate(classes):
        sel = labels == c
        ax.scatter(coords[sel, 0], coords[sel, 1], s=8, alpha=0.7, color=cmap(i % cmap.N),
                   label=c if len(classes) <= 20 else None)
    if len(classes) <= 20:
        ax.legend(fontsize=6, markerscale=1.5, loc="best", frameon=False)
    ax.set_xlabel(f"{how} 1")
    ax.set_ylabel(f"{how} 2")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    buf = _png_bytes(fig)
    plt.close(fig)
    write_bytes_atomic(path, buf)


def _png_bytes(fig) -> bytes:
    import io

    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110)
    return out.getvalue()


UNREADABLE_LISTED = 50  # report.md lists this many unreadable images; report.json lists all


def markdown(evaluations: Sequence[dict], figures: dict[int, dict[str, str]] | None = None) -> str:
    figures = figures or {}
    lines = ["# Transfer evaluation", "", "| task | method | variant | accuracy | 95% CI (Wilson) | n |",
             "|---|---|---|---:|---|---:|"]
    for ev in evaluations:
        for name, r in ev.get("results", {}).items():
            if "accuracy" in r:
                ci = f"{_pct(r['ci95_low'])} – {_pct(r['ci95_high'])}"
                lines.append(f"| {ev['task']} | {ev.get('method', '')} | {name} | {_pct(r['accuracy'])} | {ci} | {r['n']} |")
            else:
                lines.append(f"| {ev['task']} | {ev.get('method', '')} | {name} | skipped | {r.get('skipped', '')} | |")
    for i, ev in enumerate(evaluations):
        lines += ["", f"## {ev['task']} · {ev.get('method', '')}", ""]
        settings = {k: v for k, v in ev.items() if k not in ("results", "task", "method") and not isinstance(v, (dict, list))}
        for k, v in settings.items():
            lines.append(f"- {k}: {v}")
        if isinstance(ev.get("split"), dict):
            lines.append(f"- split: {ev['split'].get('rule', '')}; test experiments: "
                         f"{', '.join(ev['split'].get('test_experiments', []))}")
        if ev.get("unreadable"):
            lines += ["", f"Left out, unreadable ({len(ev['unreadable'])}):", ""]
            lines += [f"- {why}" for why in ev["unreadable"][:UNREADABLE_LISTED]]
            if len(ev["unreadable"]) > UNREADABLE_LISTED:
                lines.append(f"- ... and {len(ev['unreadable']) - UNREADABLE_LISTED} more (all in report.json)")
        figs = figures.get(i, {})
        if "embedding" in figs:
            lines += ["", f"![embedding]({figs['embedding']})"]
        for name, r in scored_variants(ev):
            lines += ["", f"### {name}", ""]
            if r.get("unanswerable"):
                lines.append(f"Not scored (no admissible neighbour of the same class): {len(r['unanswerable'])}.")
                lines.append("")
            if f"confusion:{name}" in figs:
                lines += [f"![confusion {name}]({figs[f'confusion:{name}']})", ""]
            per = r.get("per_class", {})
            if len(per) <= PER_CLASS_TABLE_MAX:
                lines += ["| class | accuracy | n |", "|---|---:|---:|"]
                lines += [f"| {c} | {_pct(v['accuracy'])} | {v['n']} |" for c, v in per.items()]
            else:
                lines.append(f"{len(per)} classes: per-class accuracy is in report.json.")
    return "\n".join(lines) + "\n"


def write_report(
    evaluations: dict | Sequence[dict],
    out_dir: str | Path,
    embeddings: Sequence[tuple[np.ndarray, Sequence[str]] | None] | None = None,
) -> dict[str, str]:
    """Write report.json, report.md and the plots into ``out_dir``; returns the written paths by role."""
    if isinstance(evaluations, dict):
        evaluations = [evaluations]
    embeddings = list(embeddings) if embeddings is not None else [None] * len(evaluations)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, str] = {}
    figures: dict[int, dict[str, str]] = {}
    for i, ev in enumerate(evaluations):
        figs = figures.setdefault(i, {})
        for name, r in scored_variants(ev):
            fname = _slug("confusion", ev["task"], ev.get("method", ""), name) + ".png"
            _plot_confusion(r, f"{ev['task']} · {ev.get('method', '')} · {name}", out / fname)
            figs[f"confusion:{name}"] = fname
            written[fname] = str(out / fname)
        emb = embeddings[i] if i < len(embeddings) else None
        if emb is not None and len(emb[0]):
            x, labels = emb
            keep = subsample(len(x))
            coords, how = embed_2d(np.asarray(x)[keep])
            fname = _slug("embedding", ev["task"], ev.get("method", "")) + ".png"
            _plot_embedding(coords, [labels[j] for j in keep], how,
                            f"{ev['task']} · {ev.get('method', '')} ({how}, {len(keep)} points)", out / fname)
            figs["embedding"] = fname
            written[fname] = str(out / fname)
    payload = {"evaluations": jsonable(list(evaluations))}
    write_bytes_atomic(out / "report.json", (json.dumps(payload, indent=2, allow_nan=False) + "\n").encode())
    write_bytes_atomic(out / "report.md", markdown(evaluations, figures).encode())
    written["report.json"] = str(out / "report.json")
    written["report.md"] = str(out / "report.md")
    return written
