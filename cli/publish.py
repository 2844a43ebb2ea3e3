"""`cytoimagenet publish DIR --repo ORG/NAME`: validate a release and publish it to a Hugging Face dataset repo.

Mount with ``main_app.command("publish")(publish)`` (or ``main_app.add_typer(app)`` with no name, which merges
this app's single command into the main one). Bad input and Hub failures raise ``UserError``; the main app prints
it as one line and exits non-zero.

There is deliberately no --token option: a token on the command line lands in shell history and process lists.
The token comes from HF_TOKEN or `hf auth login`, and the Hub from HF_ENDPOINT, as for every huggingface_hub tool.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(help="Publish a release to the Hugging Face Hub.", add_completion=False)


def _progress(console):
    from contextlib import contextmanager

    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    @contextmanager
    def bar():
        with Progress(TextColumn("{task.description:<10}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                      console=console, transient=False) as progress:
            tasks: dict[str, int] = {}

            def update(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done, total=total)

            yield update

    return bar()


@app.command()
def publish(
    release: Path = typer.Argument(..., metavar="DIR", help="Release folder (as written by `cytoimagenet build`)."),
    repo: str = typer.Option(..., "--repo", metavar="ORG/NAME", help="Dataset repo on the Hub; created if missing."),
    revision: Optional[str] = typer.Option(None, "--revision", metavar="BRANCH",
                                           help="Branch to commit to (default: main); created from main if missing."),
    private: bool = typer.Option(False, "--private",
                                 help="Create the repo private (an existing repo keeps its visibility)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and list what would be uploaded; no network."),
    allow_synthetic: bool = typer.Option(False, "--allow-synthetic",
                                         help="Publish a synthetic demo release (refused without this: on the Hub "
                                              "it would pass for microscopy data)."),
) -> None:
    """Publish a release to a Hub dataset repo as one commit tagged v{version}.

    Validates DIR first; uploads the card, shards, metadata, manifest, croissant.json and figures; deletes the
    previous release's stale files; prints the load_dataset line. Re-run to resume an interrupted upload:
    files already on the Hub are not sent again."""
    from huggingface_hub.utils import disable_progress_bars
    from rich.console import Console
    from rich.markup import escape

    from cytoimagenet.validation.publish import publish as publish_release

    console = Console(stderr=True)
    out = Console()
    disable_progress_bars()  # ours shows the whole upload; the client's would draw one bar per file
    with _progress(console) as update:
        report = publish_release(release, repo, revision=revision, private=private, dry_run=dry_run, progress=update,
                                 allow_synthetic=allow_synthetic)

    mb = report.upload_bytes / 1e6
    if report.dry_run:
        out.print(f"dry run: would upload {len(report.upload)} file(s) ({mb:,.1f} MB) of release {report.version} "
                  f"to {escape(report.repo_id)}@{escape(report.revision)} and tag it {report.tag}:")
        for path in report.upload:
            out.print(f"  + {escape(path)}")
    else:
        out.print(f"{escape(report.repo_id)}@{escape(report.revision)}: uploaded {len(report.upload)} file(s) "
                  f"({mb:,.1f} MB), deleted {len(report.delete)} stale, {len(report.unchanged)} unchanged; "
                  f"commit {report.commit[:12]}, tag {report.tag}")
        for path in report.delete:
            out.print(f"  - {escape(path)}")
    for note in report.notes:
        console.print(f"[yellow]{escape(note)}[/yellow]")
    out.print(f"\nfrom datasets import load_dataset\nds = {escape(report.load_line)}", soft_wrap=True)
