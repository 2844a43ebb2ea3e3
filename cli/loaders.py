"""`cytoimagenet info DIR --label actin [--category ...] [--source ...] [--split ...] [--limit N] [--json]`.

The query half of `info`: when any filter is given, `info` prints the matching samples instead of the release
summary. Wire it into cli/app.py's `info` with four options and one call:

    label: Optional[list[str]] = typer.Option(None, "--label", help="only samples of this label (repeatable)")
    category: Optional[list[str]] = typer.Option(None, "--category", help="organism, cell_type, ..., sirna")
    source: Optional[list[str]] = typer.Option(None, "--source", help="catalog id of the source, e.g. rxrx1")
    split: Optional[list[str]] = typer.Option(None, "--split", help="train or validation")
    limit: int = typer.Option(20, "--limit", min=0, help="rows to list (0: counts only)")
    ...
    if label or category or source or split:
        from cytoimagenet.cli.loaders import show_query
        show_query(release, label=label, category=category, source=source, split=split, limit=limit,
                   as_json=as_json, console=out_console)
        return

Bad filters raise `UserError` (an unknown label names the closest ones), which `main` prints as one line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, Sequence

LIST_COLUMNS = ("key", "label", "category", "source_id", "split", "shard", "width", "height")


def query_result(release: Path, *, label: Optional[Sequence[str]] = None, category: Optional[Sequence[str]] = None,
                 source: Optional[Sequence[str]] = None, split: Optional[Sequence[str]] = None,
                 limit: int = 20) -> dict:
    """The query as plain data: filters, counts and the first `limit` rows (what `--json` prints)."""
    from cytoimagenet.loaders.tables import query, summary

    table = query(release, label=label or None, category=category or None, source=source or None, split=split or None)
    filters = {k: list(v) for k, v in (("label", label), ("category", category), ("source", source), ("split", split)) if v}
    columns = [c for c in LIST_COLUMNS if c in table.columns]
    rows = table[columns].head(limit).to_dict(orient="records") if limit else []
    return {"release": str(release), "filters": filters, **summary(table), "rows": rows}


def show_query(release: Path, *, label=None, category=None, source=None, split=None, limit: int = 20,
               as_json: bool = False, console=None) -> dict:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    result = query_result(Path(release), label=label, category=category, source=source, split=split, limit=limit)
    if as_json:
        console.print_json(json.dumps(result, default=str))
        return result
    described = " ".join(f"{k}={','.join(v)}" for k, v in result["filters"].items())
    console.print(f"[bold]{result['samples']}[/bold] samples match {described} in {release}  "
                  f"splits: {result['splits']}")
    if len(result["labels"]) > 1 or len(result["sources"]) > 1:
        counts = Table("label", "samples", title="by label")
        for name, n in result["labels"].items():
            counts.add_row(name, str(n))
        console.print(counts)
        sources = Table("source", "samples", title="by source")
        for name, n in result["sources"].items():
            sources.add_row(name, str(n))
        console.print(sources)
    if result["rows"]:
        columns = list(result["rows"][0])
        listing = Table(*columns, title=f"first {len(result['rows'])} of {result['samples']}")
        for row in result["rows"]:
            listing.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
        console.print(listing)
    return result
