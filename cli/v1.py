"""`cytoimagenet import-v1` and `cytoimagenet export`: the published CytoImageNet v1 (Kaggle) as a release of
this project, and any release back in the v1 layout."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from cytoimagenet.errors import UserError

console = Console(stderr=True)
out_console = Console()


def import_v1(
    kaggle_dir: Path = typer.Argument(..., help="The unpacked Kaggle download: metadata.csv and the class folders."),
    out: Path = typer.Option(Path("cytoimagenet"), "--out", help="Release folder (replaced atomically when done)."),
    seed: int = typer.Option(0, min=0, help="Seed of the grouped train/validation split and the shard order."),
    shard_size: int = typer.Option(1000, "--shard-size", min=1, help="Samples per shard (on average)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Processes writing shards; never changes the output."),
    allow_noderivatives: bool = typer.Option(False, "--allow-noderivatives", help="Keep the images of sources whose licence forbids derivatives (idr0017): a private copy only; `publish` refuses it."),
) -> None:
    """Repackage the published CytoImageNet v1 as a release: its labels, crops and PNGs unchanged (byte for byte),
    a grouped 90/10 split (crops of one idx together), shards, metadata, manifest, card, croissant and figures.
    Memory stays flat; an interrupted import resumes; rows whose PNG is missing or unreadable are quarantined, and so
    are the images of sources whose licence forbids derivatives (idr0017), unless --allow-noderivatives."""
    from cytoimagenet.builder.v1 import import_v1 as run
    from cytoimagenet.cli.progress import progress_bar

    with progress_bar() as update:
        report = run(kaggle_dir, out, seed=seed, shard_size=shard_size, workers=workers, progress=update,
                     allow_noderivatives=allow_noderivatives)
    out_console.print(
        f"v1 release {report.version} written to {report.out}: {report.samples.get('train', 0)} train + "
        f"{report.samples.get('validation', 0)} validation samples, {report.labels} classes, {report.shards} shards, "
        f"{report.quarantined} quarantined (metadata/quarantine.parquet)"
    )


def export(
    release: Path = typer.Argument(Path("cytoimagenet"), help="Release folder."),
    layout: str = typer.Option("v1", "--layout", help="Layout to write: v1 (class folders + metadata.csv)."),
    out: Path = typer.Option(..., "--out", help="A new or empty folder."),
) -> None:
    """Write a release in another layout: v1 is the published CytoImageNet's (`<path>/<filename>` PNGs and
    metadata.csv), for tools built on the original (Keras flow_from_dataframe)."""
    from cytoimagenet.cli.progress import progress_bar
    from cytoimagenet.loaders.export import LAYOUTS, export_v1

    if layout not in LAYOUTS:
        raise UserError(f"--layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
    with progress_bar() as update:
        n = export_v1(release, out, progress=update)
    out_console.print(f"{n} images and metadata.csv written to {out}")
