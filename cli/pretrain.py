"""`cytoimagenet pretrain RELEASE`: EfficientNetB0 from random initialisation on a release's shards.

Mount with ``main_app.command("pretrain")(pretrain)``. Bad input raises ``UserError``; the main app prints it as one
line and exits non-zero. Options left out take the original recipe's values on a new run, and the run's own values
on ``--resume`` (where only --epochs, --validation-steps, --benchmark-steps, --checkpoint-every and --deterministic
may change). ``--resume`` continues from the last checkpoint, an epoch's or, with ``--checkpoint-every``, a step's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(help="Pretrain EfficientNetB0 on a CytoImageNet release (keras, torch backend; GPU when there is one).")


@app.command()
def pretrain(
    release: str = typer.Argument(..., metavar="RELEASE", help="release folder (or Hub dataset repo id ORG/NAME)"),
    out: Path = typer.Option(Path("pretrain"), "--out", help="run folder: checkpoints, log.csv, curves, final.keras"),
    resume: bool = typer.Option(False, "--resume", help="continue the run in --out from its last checkpoint, exactly"),
    epochs: Optional[int] = typer.Option(None, "--epochs", min=1, help="total epochs (default: 24)"),
    steps_per_epoch: Optional[int] = typer.Option(None, "--steps-per-epoch", min=1,
                                                  help="batches per epoch (default: the whole train split)"),
    validation_steps: Optional[int] = typer.Option(None, "--validation-steps", min=0,
                                                   help="validation batches per epoch; 0: none (default: all)"),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, help="(default: 64)"),
    image_size: Optional[int] = typer.Option(None, "--image-size", min=32, help="side in pixels (default: 224)"),
    channels: Optional[int] = typer.Option(None, "--channels", min=1, max=3,
                                           help="1, or 3: the grayscale repeated, ImageNet-shaped (default: 3)"),
    learning_rate: Optional[float] = typer.Option(None, "--learning-rate", help="Adam's (default: 0.001)"),
    mixed_precision: Optional[bool] = typer.Option(
        None, "--mixed-precision/--no-mixed-precision",
        help="bfloat16 (float16 on pre-Ampere GPUs) compute (default: on with a GPU, off on CPU)"),
    weights: Optional[Path] = typer.Option(None, "--weights",
                                           help="start from this .keras model or weights file (no download)"),
    seed: Optional[int] = typer.Option(None, "--seed", help="initialisation, data order, rotations (default: 0)"),
    workers: Optional[int] = typer.Option(None, "--workers", min=0,
                                          help="decoding processes (default: CPUs - 2 with a GPU, 0 on CPU)"),
    benchmark_steps: Optional[int] = typer.Option(
        None, "--benchmark-steps", min=0,
        help="batches for the loader-alone images/s before training; 0: skip (default: one epoch's steps)"),
    checkpoint_every: Optional[int] = typer.Option(
        None, "--checkpoint-every", min=1,
        help="also checkpoint every N training steps, to resume mid-epoch (default: only after each epoch)"),
    deterministic: bool = typer.Option(False, "--deterministic",
                                       help="deterministic torch kernels (slower; for exact GPU resumes)"),
    verbose: int = typer.Option(1, "--verbose", min=0, max=2, help="keras progress: 0 none, 1 bar, 2 a line an epoch"),
    as_json: bool = typer.Option(False, "--json", help="print the model card as JSON on stdout"),
) -> None:
    """Train EfficientNetB0 on RELEASE: checkpoints every epoch (and every --checkpoint-every steps), log.csv,
    training_curves.png, final.keras."""
    from dataclasses import replace

    from rich.console import Console

    from cytoimagenet.errors import UserError
    from cytoimagenet.suite.pretrain import PretrainConfig, load_config
    from cytoimagenet.suite.pretrain import pretrain as run_pretrain

    if channels not in (None, 1, 3):
        raise UserError(f"--channels must be 1 or 3, got {channels}")
    given = {k: v for k, v in dict(
        epochs=epochs, steps_per_epoch=steps_per_epoch, validation_steps=validation_steps, batch_size=batch_size,
        image_size=image_size, channels=channels, learning_rate=learning_rate, mixed_precision=mixed_precision,
        weights=None if weights is None else str(weights), seed=seed, workers=workers,
        benchmark_steps=benchmark_steps, checkpoint_every=checkpoint_every).items() if v is not None}
    if deterministic:
        given["deterministic"] = True
    if resume and "weights" in given:
        raise UserError("--weights starts a new run; a resumed run continues from its checkpoint")
    base = load_config(out) if resume else PretrainConfig()
    config = replace(base, **given)

    err = Console(stderr=True)
    card = run_pretrain(release, out, config, resume=resume, verbose=verbose,
                        log=lambda msg: err.print(msg, markup=False, highlight=False, soft_wrap=True))
    if as_json:
        typer.echo(json.dumps(card, indent=2, allow_nan=False))
        return
    _print_summary(card, out)


def _print_summary(card: dict, out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    def pct(v):
        return "" if v is None else f"{100 * v:.2f}%"

    m, t = card["metrics"], card["throughput"]
    table = Table(title=f"EfficientNetB0 · {card['release']['name']} {card['release']['version']} · "
                        f"{card['trained']['epochs']} epoch(s)")
    for col in ("", "top-1", "top-5", "loss"):
        table.add_column(col, justify="right" if col else "left")
    table.add_row("train", pct(m.get("top1")), pct(m.get("top5")), f"{m['loss']:.4f}" if m.get("loss") is not None else "")
    if m.get("val_top1") is not None:
        table.add_row("validation", pct(m["val_top1"]), pct(m.get("val_top5")),
                      f"{m['val_loss']:.4f}" if m.get("val_loss") is not None else "")
    o = card["original"]
    table.add_row(f"original ({o['epochs']} ep)", f"{pct(o['train_top1'])} / {pct(o['validation_top1'])}", "", "")
    console = Console()
    console.print(table)
    loader = (t.get("loader") or {}).get("images_per_s")
    console.print(f"images/s: loader {loader if loader is not None else 'not measured'}, training "
                  f"{t.get('train_images_per_s')} (data wait {100 * (t.get('data_wait_fraction') or 0):.0f}%) on "
                  f"{t['device']['device']} ({t['device']['name']})" + (f": {t['verdict']}" if t.get("verdict") else ""))
    console.print(f"final model: {out / card['file']} (features: layer '{card['features']['layer']}', "
                  f"{card['features']['dim']}-d); labels: {out / card['output']['labels']}")
