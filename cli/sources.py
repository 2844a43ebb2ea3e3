"""`cytoimagenet sources fetch|check|show`: getting the source datasets, checking them, and what the catalog
knows of each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from cytoimagenet.errors import UserError

console = Console(stderr=True)
out_console = Console()


def _entries(ids: list[str]):
    from cytoimagenet.catalog.registry import catalog, get_source

    if ids == ["all"]:
        return [s.entry for s in catalog().values() if s.entry.in_cytoimagenet]
    return [get_source(i).entry for i in ids]


def _url_map(mirror: Optional[list[str]]) -> dict[str, str]:
    out = {}
    for m in mirror or []:
        src, sep, dst = m.partition("=")
        if not sep or not src or not dst:
            raise UserError(f"--mirror {m!r}: expected FROM=TO, e.g. https://data.broadinstitute.org=https://mirror.example/bbbc")
        out[src] = dst
    return out


def _size(n: Optional[int]) -> str:
    if n is None:
        return "unknown"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)


def fetch(
    ids: list[str] = typer.Argument(..., help="Catalog ids to fetch, or 'all' for the 40 CytoImageNet sources."),
    root: Path = typer.Option(..., "--root", help="Sources root: each source lands in ROOT/<id>/ as its adapter reads it."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print what would be fetched and its size (asking servers for sizes the catalog lacks); download nothing."),
    workers: int = typer.Option(4, "--workers", min=1, help="Files downloaded in parallel."),
    mirror: Optional[list[str]] = typer.Option(None, "--mirror", help="FROM=TO: fetch URLs starting with FROM from TO instead (repeatable)."),
    keep_archives: bool = typer.Option(False, "--keep-archives", help="Keep zips after unpacking them (default: removed once unpacked)."),
) -> None:
    """Download sources by their distributors' routes (HTTPS zips, the IDR file server, your Kaggle account) and
    unpack them into the layouts the adapters read. Resumable: run it again after an interruption; verified
    (sizes, and checksums where the distributor publishes them)."""
    from cytoimagenet.catalog.fetch import fetch_source, plan

    entries = _entries(ids)
    url_map = _url_map(mirror)
    items = plan(entries, ask_servers=dry_run, url_map=url_map)
    if dry_run:
        table = Table("id", "route", "files", "size", "what", title="would fetch")
        for it in items:
            what = it.instructions or ", ".join(f.path for f in it.files[:3]) + (" ..." if len(it.files) > 3 else "")
            table.add_row(it.source_id, it.route, str(len(it.files)), _size(it.total_bytes), what)
        out_console.print(table)
        known = [it.total_bytes for it in items if it.total_bytes is not None]
        out_console.print(f"total: {_size(sum(known))} for {len(known)} of {len(items)} sources with a known size")
        return
    manual = []
    with Progress(TextColumn("{task.description:<18}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  TimeRemainingColumn(), console=console) as bar:
        tasks: dict[str, int] = {}

        def update(sid: str, done: int, total: int) -> None:
            if sid not in tasks:
                tasks[sid] = bar.add_task(sid, total=total or None)
            bar.update(tasks[sid], completed=done, total=total or None)

        for entry in entries:
            report = fetch_source(entry, root, workers=workers, url_map=url_map, progress=update,
                                  keep_archives=keep_archives)
            if report.instructions:
                manual.append((entry.id, report.instructions))
            else:
                console.print(f"{entry.id}: {len(report.fetched)} fetched, {len(report.skipped)} already complete "
                              f"({_size(report.bytes)} downloaded)")
    for sid, why in manual:
        console.print(f"[yellow]{sid}: manual step: {why}[/yellow]", soft_wrap=True)
    if manual:
        raise typer.Exit(2)


def check(
    root: Path = typer.Argument(..., help="Sources root (one folder per catalog id)."),
    source: Optional[list[str]] = typer.Option(None, "--source", help="Check only these ids (repeatable); default: every folder under ROOT."),
    full: bool = typer.Option(False, "--full", help="Decode every listed file, not a sample."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Before a build: per source, present or not, metadata readable, images listed, files missing or unreadable
    (a sample decoded; all with --full), size on disk against the expected size. Exits 1 when a source is
    incomplete."""
    from cytoimagenet.builder.check import check_source
    from cytoimagenet.catalog.registry import catalog

    if not root.is_dir():
        raise UserError(f"sources root {root} is not a folder")
    ids = source or sorted(p.name for p in root.iterdir() if p.is_dir() and p.name in catalog())
    if not ids:
        raise UserError(f"{root} holds no source folders named by catalog id (see `cytoimagenet sources list`)")
    results = [check_source(i, root, full=full) for i in ids]
    if as_json:
        out_console.print_json(json.dumps([r.as_dict() for r in results]))
    else:
        table = Table("id", "present", "metadata", "images", "files", "missing", "unreadable", "on disk", "expected",
                      "status", title=f"{root}")
        for r in results:
            table.add_row(r.source_id, "yes" if r.present else "no", "ok" if r.readable else "-", str(r.images),
                          str(r.files), str(r.missing), f"{r.unreadable}/{r.decoded}", _size(r.bytes_on_disk),
                          _size(r.expected_bytes), "complete" if r.complete else "INCOMPLETE")
        out_console.print(table)
        for r in results:
            for p in r.problems + r.examples:
                console.print(f"{r.source_id}: {p}", soft_wrap=True, highlight=False, markup=False)
    if not all(r.complete for r in results):
        raise typer.Exit(1)


def show(source_id: str = typer.Argument(..., help="Catalog id."),
         as_json: bool = typer.Option(False, "--json", help="Print the entry as JSON.")) -> None:
    """Everything the catalog knows of a source: layout, channels, labels, licence, citation, download route and
    the evidence for each fact."""
    from cytoimagenet.catalog.registry import get_source

    entry = get_source(source_id).entry
    if as_json:
        out_console.print_json(json.dumps(entry.model_dump()))
        return
    lic = entry.licence_terms
    terms = [t for t, on in (("attribution", lic.attribution), ("non-commercial", lic.noncommercial),
                             ("share-alike", lic.sharealike), ("no derivatives", lic.noderivatives)) if on]
    rows = [
        ("id", entry.id), ("name", entry.name), ("database", entry.database), ("homepage", entry.homepage),
        ("in CytoImageNet", "yes" if entry.in_cytoimagenet else "no (an extra source)"),
        ("evaluation only", "yes: left out of builds unless named with --source" if entry.evaluation_only else "no"),
        ("adaptable", "yes" if entry.adapter else "no"), ("layout", entry.layout),
        ("channels", ", ".join(entry.channels)), ("modality", entry.modality),
        ("organism", entry.organism or ""), ("cell type", entry.cell_type or ""),
        ("licence", f"{lic.id} ({lic.name}; {', '.join(terms) or 'no conditions'})" + (f" {lic.link}" if lic.link else "")),
        ("citation", entry.citation), ("note", entry.note),
    ]
    d = entry.download
    if d is None:
        rows.append(("download", "unknown: no route recorded"))
    else:
        rows.append(("download", f"{d.route}" + (f" kaggle {d.kaggle}" if d.kaggle else "") + (f" tree {d.tree}" if d.tree else "")
                     + (f"; {d.instructions}" if d.instructions else "")))
        for f in d.files:
            rows.append(("  file", f"{f.url} -> {f.path} ({_size(f.bytes)}" + (f", sha256 {f.sha256}" if f.sha256 else "")
                         + (f", md5 {f.md5}" if f.md5 else "") + ")"))
        rows.append(("  evidence", d.evidence))
    for fact, where in sorted(entry.evidence.items()):
        rows.append((f"evidence: {fact}", where))
    table = Table("field", "value", show_header=False, title=entry.id)
    for k, v in rows:
        table.add_row(k, v)
    out_console.print(table)
