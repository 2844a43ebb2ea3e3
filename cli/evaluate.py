"""`cytoimagenet evaluate TASK --data DIR --features FILE.parquet`: score precomputed features on a transfer task.

Mount with ``main_app.command("evaluate")(evaluate)`` (or ``main_app.add_typer(app)`` with no name, which
merges this app's single command into the main one). Bad input raises ``UserError``; the main app prints it as
one line and exits non-zero.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from cytoimagenet.suite.registry import task_names

# listed from suite/tasks without importing a task: adding a task file adds it here
_TASKS = ", ".join(task_names())
app = typer.Typer(help=f"Evaluate features on the transfer tasks ({_TASKS}).")


class Aggregate(str, Enum):
    mean = "mean"
    median = "median"


@app.command()
def evaluate(
    task: str = typer.Argument(..., metavar="TASK", help=_TASKS),
    data: Path = typer.Option(..., "--data", help="the task's data folder (holds its native tables, e.g. BBBC021_v1_moa.csv)"),
    features: Optional[Path] = typer.Option(None, "--features", help="parquet: one row per image, the task's image-table columns + 'features'; without it, features are extracted from the task's images"),
    as_json: bool = typer.Option(False, "--json", help="print the results as JSON on stdout"),
    aggregate: Aggregate = typer.Option(Aggregate.mean, "--aggregate", help="per-treatment (BBBC021) / per-well (RxRx1) profile"),
    out: Optional[Path] = typer.Option(None, "--out", help="write report.md, report.json and plots into this folder"),
    k: Optional[int] = typer.Option(None, "--k", min=1, help="neighbours for the kNN tasks (default 11; BBBC021 is 1-NN)"),
    method: Optional[str] = typer.Option(None, "--method", help="with --features: name of the feature method in the report (default: file name)"),
    weights: Optional[Path] = typer.Option(None, "--weights", help="without --features: a .keras file from 'cytoimagenet pretrain' or local ImageNet-shaped EfficientNetB0 weights; none = random initialisation (the baseline)"),
    methods: str = typer.Option("per_channel,per_channel_norm,merged,merged_norm", "--methods", help="without --features: extraction methods, comma-separated"),
    image_size: int = typer.Option(224, "--image-size", min=32, help="without --features: model input size"),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="without --features: images per forward pass"),
    save_features: Optional[Path] = typer.Option(None, "--save-features", help="without --features: also write each method's features parquet here"),
) -> None:
    """Evaluate features on TASK with the published protocol.

    With --features FILE.parquet, score precomputed features (no image is read). Without it, extract the 1280-d
    penultimate EfficientNetB0 features from the task's images in their native layout, for each method (per-channel
    features concatenated or channels merged, each with or without 0.1-99.9 percentile normalisation), and score
    every method in one report. Needs the keras extra."""
    from rich.console import Console

    from cytoimagenet.suite.evaluate import evaluate_features, extract_and_evaluate

    err = Console(stderr=True)
    if features is not None:
        with err.status(f"evaluating {features} on {task}"):
            result = evaluate_features(task, data, features, aggregate.value, k=k, method=method, out_dir=out)
        results = [result]
    else:
        with err.status(f"extracting features on {task}") as status:
            def progress(name, done, total):
                status.update(f"extracting features on {task}: {name} ({done}/{total} methods)")

            result = extract_and_evaluate(
                task, data, weights=weights, methods=[m.strip() for m in methods.split(",") if m.strip()],
                image_size=image_size, batch_size=batch_size, aggregate=aggregate.value, k=k, out_dir=out,
                save_features=save_features, progress=progress,
            )
        results = result["methods"]
    if as_json:
        typer.echo(json.dumps(result, indent=2, allow_nan=False))
        return
    for r in results:
        _print_summary(r)
    if result.get("report"):
        Console().print(f"report: {result['report']['report.md']}")


def _print_summary(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{result['task']} · {result['method']}")
    for col in ("variant", "accuracy", "95% CI", "n"):
        table.add_column(col, justify="right" if col != "variant" else "left")
    for name, r in result["results"].items():
        if r.get("accuracy") is None:
            table.add_row(name, "skipped", r.get("skipped", ""), "")
            continue
        table.add_row(name, f"{100 * r['accuracy']:.1f}%",
                      f"{100 * r['ci95_low']:.1f}–{100 * r['ci95_high']:.1f}%", str(r["n"]))
    Console().print(table)
