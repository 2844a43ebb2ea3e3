"""Figures embedded in the dataset card: class sizes by category, and a montage of sample images.

Both are pure functions of the release's files and its build seed, rendered so that the same release gives
byte-identical PNGs: matplotlib's Agg canvas (no pyplot global state, no display), fonts and DPI pinned,
and PNG metadata stripped (matplotlib writes its version as 'Software' by default)."""

from __future__ import annotations

import io
import tarfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from cytoimagenet.io import write_bytes_atomic
from cytoimagenet.format import CATEGORIES

FIGURES_DIR = "figures"
CLASS_SIZES = f"{FIGURES_DIR}/class_sizes.png"
MONTAGE = f"{FIGURES_DIR}/montage.png"

MONTAGE_CLASSES = 8
MONTAGE_PER_CLASS = 6
TILE = 96  # pixels per montage tile
DPI = 100
# Above this many classes, per-class tick labels would overlap; the chart then shows the size distribution only.
MAX_NAMED_CLASSES = 60
# Labels may be 115 characters; a figure shows at most this many, so one long name cannot squeeze the plot away.
SHOWN_CHARS = 48


def _shown(label: str) -> str:
    return label if len(label) <= SHOWN_CHARS else label[: SHOWN_CHARS - 1] + "\u2026"


# Colour-blind-safe (Okabe-Ito), one per category in CATEGORIES order.
COLOURS = dict(zip(CATEGORIES, ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")))

_RC = {
    "font.family": "DejaVu Sans",  # ships inside matplotlib: the same glyphs on every machine
    "font.size": 9,
    "axes.titlesize": 10,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    # labels are data: `cpd_$1_$2` must print as typed, not be parsed (and fail) as maths text or sent to TeX
    "text.parse_math": False,
    "text.usetex": False,
}


@contextmanager
def _style():
    """matplotlib's own defaults plus ours, whatever the user's matplotlibrc or style says; restored on exit."""
    import matplotlib

    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(_RC)
        yield


def _png(fig) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None}, facecolor="white")
    return buf.getvalue()


def class_sizes_png(labels: pd.DataFrame, title: str) -> bytes:
    """Bar per class (train + validation stacked), grouped and coloured by category, largest first."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    order = {c: i for i, c in enumerate(CATEGORIES)}
    table = labels.assign(_cat=labels["category"].map(order).fillna(len(order)))
    table = table.sort_values(["_cat", "count", "label"], ascending=[True, False, True], kind="mergesort")
    x = np.arange(len(table))
    colours = [COLOURS.get(c, "#999999") for c in table["category"]]
    with _style():
        fig = Figure(figsize=(10, 4.8), dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
        ax.bar(x, table["train"], width=0.85, color=colours, linewidth=0)
        ax.bar(x, table["validation"], width=0.85, bottom=table["train"], color=colours, alpha=0.45, linewidth=0)
        named = len(table) <= MAX_NAMED_CLASSES
        if named:
            ax.set_xticks(x, table["label"].map(_shown), rotation=70, ha="right", fontsize=7)
        else:
            ax.set_xticks([])
            ax.set_xlabel(f"{len(table)} classes, grouped by category, largest first")
        ax.set_xlim(-0.6, len(table) - 0.4)
        ax.set_ylabel("images per class (light: validation)")
        ax.set_title(title)
        ax.spines[["top", "right"]].set_visible(False)
        counts = table.groupby("category", sort=False).agg(classes=("label", "size"), images=("count", "sum"))
        handles = [
            Patch(color=COLOURS.get(c, "#999999"),
                  label=f"{c}: {r.classes} {'class' if r.classes == 1 else 'classes'}, {r.images:,} images")
            for c, r in counts.iterrows()
        ]
        fig.legend(handles=handles, loc="outside right upper", frameon=False, fontsize=8)
        return _png(fig)


def _read_pngs(release_dir: Path, wanted: pd.DataFrame) -> dict[str, bytes]:
    """{key: png bytes} for the wanted rows (columns key, shard), opening only the shards that hold them."""
    found: dict[str, bytes] = {}
    for shard, rows in wanted.groupby("shard", sort=True):
        names = {f"{k}.png": k for k in rows["key"]}
        # seekable mode hops from header to header without reading the other members' data, and the loop stops at
        # the last member needed: a few samples cost a few reads even in a shard of thousands
        with tarfile.open(release_dir / "data" / f"{shard}.tar", mode="r:") as tf:
            for info in tf:
                key = names.pop(info.name, None)
                if key is not None and info.isreg():
                    found[key] = tf.extractfile(info).read()
                if not names:
                    break
    return found


def _tile(png: bytes) -> np.ndarray:
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(png)) as im:
        im = im.convert("L")
        return np.asarray(ImageOps.fit(im, (TILE, TILE), method=Image.Resampling.LANCZOS))


def montage_sample(metadata: pd.DataFrame, seed: int, classes: int = MONTAGE_CLASSES,
                   per_class: int = MONTAGE_PER_CLASS) -> pd.DataFrame:
    """The montage's rows (label, key, shard): a seeded random set of classes, and seeded samples of each."""
    rng = np.random.default_rng([seed, 0x6D6F6E74])  # own stream: the montage never shifts the build's draws
    labels = sorted(metadata["label"].unique())
    chosen = sorted(rng.choice(len(labels), size=min(classes, len(labels)), replace=False).tolist())
    rows = []
    for i in chosen:
        keys = metadata.loc[metadata["label"] == labels[i], ["key", "shard"]].sort_values("key")
        pick = np.sort(rng.choice(len(keys), size=min(per_class, len(keys)), replace=False))
        category = metadata.loc[metadata["label"] == labels[i], "category"].iloc[0]
        rows.append(keys.iloc[pick].assign(label=labels[i], category=category))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["key", "shard", "label", "category"])


def montage_png(release_dir: Path, metadata: pd.DataFrame, seed: int, title: str) -> bytes:
    from matplotlib.figure import Figure

    sample = montage_sample(metadata, seed)
    pngs = _read_pngs(Path(release_dir), sample)
    groups = [(label, rows) for label, rows in sample.groupby("label", sort=True)]
    n_rows = max(len(groups), 1)
    n_cols = MONTAGE_PER_CLASS
    label_w = 1.9  # inches for the class names
    cell = TILE / DPI * 1.05
    with _style():
        fig = Figure(figsize=(label_w + n_cols * cell, 0.45 + n_rows * cell), dpi=DPI)
        grid = fig.add_gridspec(n_rows, n_cols, left=label_w / (label_w + n_cols * cell), right=0.995,
                                top=1 - 0.4 / (0.45 + n_rows * cell), bottom=0.005, wspace=0.05, hspace=0.05)
        for r, (label, rows) in enumerate(groups):
            for c in range(n_cols):
                ax = fig.add_subplot(grid[r, c])
                ax.set_xticks([])
                ax.set_yticks([])
                for spine in ax.spines.values():
                    spine.set_visible(False)
                if c < len(rows) and rows["key"].iloc[c] in pngs:
                    ax.imshow(_tile(pngs[rows["key"].iloc[c]]), cmap="gray", vmin=0, vmax=255, interpolation="none")
                if c == 0:
                    ax.set_ylabel(f"{_shown(label)}\n({rows['category'].iloc[0]})", rotation=0, ha="right",
                                  va="center", fontsize=8)
        fig.suptitle(title, fontsize=10)
        return _png(fig)


def write_figures(release_dir: Path, manifest) -> list[str]:
    """Render the card's figures into `<release>/figures/`; returns their paths relative to the release."""
    release_dir = Path(release_dir)
    labels = pd.read_parquet(release_dir / "metadata" / "labels.parquet")
    metadata = pd.read_parquet(release_dir / "metadata" / "metadata.parquet",
                               columns=["key", "label", "category", "shard"])
    total = int(labels["count"].sum())
    write_bytes_atomic(release_dir / CLASS_SIZES, class_sizes_png(
        labels, f"{manifest.name} {manifest.version}: {len(labels)} classes, {total:,} images"))
    write_bytes_atomic(release_dir / MONTAGE, montage_png(
        release_dir, metadata, manifest.config.seed,
        f"Random classes (seed {manifest.config.seed}), random samples of each"))
    return [CLASS_SIZES, MONTAGE]
