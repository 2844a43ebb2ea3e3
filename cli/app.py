"""The `cytoimagenet` command. Thin: parses, calls the packages, prints. User errors are one line and exit 1."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cytoimagenet.cli.progress import console, progress_bar  # noqa: F401  (cli.v1 shows progress too)
from cytoimagenet.errors import UserError

app = typer.Typer(
    help="Build, validate, inspect and load CytoImageNet releases from microscopy source datasets.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    # help texts quote extras such as 'cytoimagenet[ray]' and '[default: ...]': no rich markup to eat brackets
    rich_markup_mode=None,
)
sources_app = typer.Typer(help="The catalog of source datasets.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")


def _mount_subcommands() -> None:
    from cytoimagenet.cli.evaluate import evaluate
    from cytoimagenet.cli.pretrain import pretrain
    from cytoimagenet.cli.publish import publish

    from cytoimagenet.cli.sources import check, fetch, show
    from cytoimagenet.cli.v1 import export, import_v1

    app.command("evaluate")(evaluate)
    app.command("pretrain")(pretrain)
    app.command("publish")(publish)
    sources_app.command("fetch")(fetch)
    sources_app.command("check")(check)
    sources_app.command("show")(show)
    app.command("import-v1")(import_v1)
    app.command("export")(export)


_mount_subcommands()
out_console = Console()


def _print_version(value: bool) -> None:
    if value:
        from cytoimagenet import __version__

        out_console.print(f"cytoimagenet {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print the package version and exit."),
) -> None:
    """Build, validate, inspect and load CytoImageNet releases from microscopy source datasets."""


# BuildConfig field -> the build option that sets it, so a config error names what the user typed
CONFIG_OPTIONS = {"seed": "--seed", "min_per_class": "--min-per-class", "max_per_class": "--max-per-class",
                  "shard_size": "--shard-size", "licences": "--licences"}


def training_sizes(values: Optional[list[str]]) -> list[int]:
    """--training-size values -> BuildConfig.training_sizes: absent means the default 224, 0 or none means none."""
    if not values:
        return [224]
    sizes = []
    for v in values:
        if v.strip().lower() in ("0", "none"):
            continue
        if not v.strip().isdigit():
            raise UserError(f"--training-size {v!r}: give a size in pixels (e.g. 224), or 0 / none for no "
                            "training-size shards")
        sizes.append(int(v))
    return sorted(set(sizes))


def build_config(**values):
    """BuildConfig from CLI values; a pydantic error becomes one line naming the option(s), not pydantic's dump."""
    import re

    from pydantic import ValidationError

    from cytoimagenet.format import BuildConfig

    try:
        return BuildConfig(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = next((str(part) for part in error.get("loc", ()) if str(part) in CONFIG_OPTIONS), None)
        msg = str(error.get("msg", "")).removeprefix("Value error, ")
        msg = re.sub("|".join(CONFIG_OPTIONS), lambda m: CONFIG_OPTIONS[m.group(0)], msg)
        if field is not None:
            raise UserError(f"{CONFIG_OPTIONS[field]} {values.get(field)!r}: {msg.lower()}") from None
        raise UserError(f"{msg}; give values that satisfy it") from None

# The demo sources are small, so the demo build uses class sizes that fit them.
DEMO_MIN_PER_CLASS = 20
DEMO_MAX_PER_CLASS = 40
DEMO_SHARD_SIZE = 64


@app.command()
def demo(
    folder: Path = typer.Argument(..., help="Where to write the demo source tree (ROOT/bbbc021, ROOT/rxrx1)."),
    seed: int = typer.Option(0, help="Seed of the synthetic images; the same seed gives identical files."),
) -> None:
    """Write a small synthetic source tree in the native layouts of BBBC021 and RxRx1 (marked SYNTHETIC.md: a
    release built from it says it is synthetic, and `publish` refuses it without --allow-synthetic)."""
    from cytoimagenet.catalog.demo import write_demo_sources

    write_demo_sources(folder, seed=seed)
    out_console.print(f"demo sources written to {folder} (build them with: cytoimagenet build --sources {folder})")


@app.command()
def build(
    sources: Optional[Path] = typer.Option(None, "--sources", help="ROOT holding one folder per catalog id, each as the source distributes it."),
    demo: bool = typer.Option(False, "--demo", help="Build from generated demo sources (BBBC021 + RxRx1 layouts)."),
    out: Path = typer.Option(Path("cytoimagenet"), "--out", help="Release folder; replaced atomically when the build succeeds."),
    seed: int = typer.Option(0, help="Seed of every random choice (sampling, split, shard order); 0 or above."),
    workers: int = typer.Option(1, min=1, help="Processes for the image stage (CPUs of the local Ray instance with --engine ray); never changes the output."),
    engine: str = typer.Option("local", "--engine", help="Where shard tasks run: 'local' (process pool) or 'ray' (pip install 'cytoimagenet[ray]'); the output is byte-identical."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster to join (host:port, ray://host:port or auto) with --engine ray; without it a local Ray instance is started. Sources and --out must be on storage every node mounts at the same path."),
    min_per_class: Optional[int] = typer.Option(None, min=1, help=f"Smallest class kept [default 287; {DEMO_MIN_PER_CLASS} with --demo]."),
    max_per_class: Optional[int] = typer.Option(None, min=1, help=f"Classes above this are downsampled [default 1000; {DEMO_MAX_PER_CLASS} with --demo]."),
    shard_size: Optional[int] = typer.Option(None, min=1, help=f"Samples per shard [default 1000; {DEMO_SHARD_SIZE} with --demo]."),
    source: Optional[list[str]] = typer.Option(None, "--source", help="Build only these catalog ids (repeatable)."),
    licences: str = typer.Option("all", "--licences", help="Source licences admitted: 'open' (CC0, CC BY), 'noncommercial' (also NC/SA terms and Kaggle rules), 'all' (also unknown terms). No-derivatives material is always left out unless --allow-noderivatives."),
    allow_noderivatives: bool = typer.Option(False, "--allow-noderivatives", help="Admit sources whose licence forbids derivatives: for a private build only; `publish` refuses the result."),
    training_size: Optional[list[str]] = typer.Option(None, "--training-size", help="Also write shards of each image reduced as `stream(image_size=N)` reduces it first, for training size N (repeatable) [default 224]; 0 or none: no such shards."),
    allow_missing: bool = typer.Option(False, "--allow-missing", help="Build even when the quick source check finds a source missing 10%% or more of its files (a plate not unpacked?)."),
) -> None:
    """Build a release: labels, split, standardised images, WebDataset shards, metadata, manifest and card.
    Runs the quick `sources check` first: a source missing 10% or more of the files its metadata lists stops the
    build before any image work (override with --allow-missing); fewer missing files are quarantined."""
    from cytoimagenet.builder.executor import check_engine
    from cytoimagenet.builder.release import build_release

    if demo == (sources is not None):
        raise UserError("give exactly one of --demo or --sources ROOT")
    # before the demo tree is generated: a missing Ray or a typo in --engine should cost nothing
    check_engine(engine, address)
    defaults = (DEMO_MIN_PER_CLASS, DEMO_MAX_PER_CLASS, DEMO_SHARD_SIZE) if demo else (287, 1000, 1000)
    from cytoimagenet.catalog.demo import is_synthetic

    config = build_config(
        seed=seed,
        min_per_class=min_per_class or defaults[0],
        max_per_class=max_per_class or defaults[1],
        shard_size=shard_size or defaults[2],
        # generated images (--demo, or a tree `cytoimagenet demo` wrote) make a release that must say so
        synthetic=demo or is_synthetic(sources),
        licences=licences,
        allow_noderivatives=allow_noderivatives,
        training_sizes=training_sizes(training_size),
    )
    with tempfile.TemporaryDirectory(prefix="cytoimagenet-demo-") as tmp:
        if demo:
            from cytoimagenet.catalog.demo import write_demo_sources

            sources = write_demo_sources(Path(tmp), seed=seed)
            # named: BBBC021 is evaluation-only, so a build from a sources root leaves it out unless named
            source = source or ["bbbc021", "rxrx1"]
        if not demo:
            _quick_check(sources, source, allow_missing)
        with progress_bar() as update:
            report = build_release(sources, out, config, workers=workers, only=source, progress=update,
                                   engine=engine, address=address)
    for sid, why in report.skipped_sources.items():
        console.print(f"[yellow]skipped source {sid}: {why}[/yellow]")
    for warning in report.warnings:
        console.print(Text.assemble(("warning: ", "yellow"), warning), soft_wrap=True)
    out_console.print(
        f"release {report.version} written to {report.out}: {report.samples.get('train', 0)} train + "
        f"{report.samples.get('validation', 0)} validation samples, {report.labels} classes, {report.shards} shards, "
        f"{report.quarantined} quarantined (metadata/quarantine.parquet)"
    )


MISSING_REFUSED = 0.10  # a source missing this share of its listed files is not unpacked whole


def _quick_check(root: Path, only: Optional[list[str]], allow_missing: bool) -> None:
    """`sources check` in its quick form, before hours of image work: a source missing a large share of its files
    (a plate not unpacked, a zip not fetched) stops the build; a few missing or unreadable files are quarantined."""
    from cytoimagenet.builder.check import check_source
    from cytoimagenet.catalog.registry import catalog

    if not root.is_dir():
        return  # the build names the problem
    ids = only or sorted(p.name for p in root.iterdir() if p.is_dir() and p.name in catalog()
                         and catalog()[p.name].adaptable)
    stop = []
    for sid in ids:
        if sid not in catalog() or not (root / sid).is_dir():
            continue  # the build names it
        r = check_source(sid, root, sample=16)
        if not r.readable:
            continue  # the build stops on it with the adapter's own message
        if r.missing or r.unreadable:
            console.print(f"[yellow]check {sid}: {r.missing} of {r.files} listed file(s) missing, {r.unreadable} of "
                          f"{r.decoded} sampled unreadable (quarantined in the build)[/yellow]", highlight=False)
        if r.files and r.missing / r.files >= MISSING_REFUSED:
            stop.append(f"{sid} misses {r.missing} of {r.files} files (e.g. {r.examples[0].split(': ', 1)[-1]})")
    if stop and not allow_missing:
        raise UserError("sources incomplete: " + "; ".join(stop) + "; fetch or unpack them (`cytoimagenet sources "
                        f"check {root}` lists them), or build anyway with --allow-missing")


@app.command()
def validate(
    release: Path = typer.Argument(Path("cytoimagenet"), help="Release folder."),
    workers: int = typer.Option(1, min=1, help="Processes checking shards in parallel (one shard at a time each); "
                                "the same problems, in the same order, for any count."),
    decoder: str = typer.Option("auto", help="PNG decoder: auto (Wuffs when pywuffs is installed, else Pillow), "
                                "wuffs or pil."),
) -> None:
    """Check a release: checksums and counts against the manifest, every sample decodes with its declared fields,
    labels in range, unique keys, disjoint splits, a card that parses. Exits 1 listing each problem."""
    from cytoimagenet.validation.release import validate_release

    stats: dict = {}
    with progress_bar() as update:
        problems = validate_release(release, progress=update, stats=stats, workers=workers, decoder=decoder)
    if problems:
        for p in problems:
            out_console.print(Text.assemble(("✗ ", "red"), p), soft_wrap=True)
        out_console.print(f"{release}: {len(problems)} problem(s)")
        raise typer.Exit(1)
    out_console.print(
        f"[green]✓[/green] {release} is a valid release: {stats['samples']} samples in {stats['shards']} shards decode "
        f"and match the manifest; group leakage between splits: {stats['leaked_groups']} of {stats['groups']} groups"
    )


@app.command()
def info(
    release: Path = typer.Argument(Path("cytoimagenet"), help="Release folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary (or the matching samples) as JSON."),
    label: Optional[list[str]] = typer.Option(None, "--label", help="List the samples of this label (repeatable)."),
    category: Optional[list[str]] = typer.Option(None, "--category", help="... of this category: organism, cell_type, cell_visible, phenotype, compound, gene, sirna."),
    source: Optional[list[str]] = typer.Option(None, "--source", help="... from this catalog source id."),
    split: Optional[list[str]] = typer.Option(None, "--split", help="... in this split: train or validation."),
    limit: int = typer.Option(20, "--limit", min=0, help="Rows to show when listing samples (0 = all)."),
) -> None:
    """Summarise a release: version, splits, classes per category, sources, shards.
    With --label/--category/--source/--split, list the matching samples instead."""
    if label or category or source or split:
        from cytoimagenet.loaders import query

        columns = ["key", "label", "category", "source_id", "split", "shard", "idx", "crop"]
        rows = query(release, label=label, category=category, source=source, split=split, columns=columns)
        if as_json:
            out_console.print_json(rows.to_json(orient="records"))
            return
        table = Table(*columns, title=f"{len(rows)} matching samples")
        for r in (rows if limit == 0 else rows.head(limit)).itertuples(index=False):
            table.add_row(*map(str, r))
        out_console.print(table)
        return
    from cytoimagenet.validation.release import summarise

    summary = summarise(release)
    problems = summary["problems"]
    if as_json:
        out_console.print_json(json.dumps(summary))
        if problems:
            raise typer.Exit(1)
        return
    out_console.print(Text.assemble((summary["name"], "bold"), f" {summary['version']} ({release})"))
    if summary["synthetic"]:
        out_console.print(f"synthetic demo release: generated images in the native layouts of "
                          f"{', '.join(summary['imitates']) or 'the demo sources'}; not data of those datasets")
    out_console.print(f"samples: {summary['splits']}  classes: {summary['classes']}  shards: {summary['shards']}  "
                      f"bytes: {summary['bytes']:,}  quarantined: {summary['quarantined']}")
    for size, row in summary["training_shards"].items():
        out_console.print(f"training-size copy data/{size}/: {row['shards']} shards, {row['bytes']:,} bytes "
                          f"(read by stream(image_size={size}) and pretrain --image-size {size})")
    table = Table("category", "classes", "samples")
    for cat, row in summary["categories"].items():
        table.add_row(cat, str(row["classes"]), str(row["samples"]))
    out_console.print(table)
    table = Table("source", "samples")
    for sid, n in summary["sources"].items():
        table.add_row(sid, str(n))
    out_console.print(table)
    if problems:
        # only what a stat shows (missing or resized shards): cheap enough for every `info`
        for p in problems:
            console.print(Text.assemble(("✗ ", "red"), p), soft_wrap=True)
        console.print(f"{release}: {len(problems)} problem(s); run `cytoimagenet validate {release}` for a full check")
        raise typer.Exit(1)


@app.command()
def schema() -> None:
    """Print the JSON Schema of a sample's metadata record."""
    from cytoimagenet.format import SampleRecord

    out_console.print_json(json.dumps(SampleRecord.model_json_schema()))


@sources_app.command("list")
def sources_list(as_json: bool = typer.Option(False, "--json", help="Print the entries as JSON.")) -> None:
    """The source datasets in the catalog."""
    from cytoimagenet.catalog.registry import catalog

    entries = [s.entry for s in catalog().values()]
    if as_json:
        out_console.print_json(json.dumps([e.model_dump() for e in entries]))
        return
    forty = sum(e.in_cytoimagenet for e in entries)
    read = sum(e.in_cytoimagenet and e.adapter is not None for e in entries)
    table = Table("id", "database", "name", "in", "modality", "licence", "adaptable",
                  title=f"{forty} CytoImageNet sources ({read} read from their real layout) and "
                        f"{len(entries) - forty} more in the catalog")
    for e in entries:
        role = "evaluation only" if e.evaluation_only else "CytoImageNet" if e.in_cytoimagenet else "extra"
        # a source that cannot be read says why (its note starts "Not adaptable: ...")
        why = e.note.split(":", 1)[1].strip().split(";")[0] if ":" in e.note else e.note
        table.add_row(e.id, e.database, e.name, role, e.modality, e.licence,
                      "yes" if e.adapter else f"no: {why}")
    out_console.print(table)


def _error_line(message: str) -> None:
    # one unwrapped line (a message naming a path with brackets must not be read as markup)
    console.print(Text.assemble(("error: ", "bold red"), " ".join(message.split())), soft_wrap=True)


def _click_errors():
    # typer >= 0.20 vendors its own click; older ones raise click's own classes
    try:
        from typer._click.exceptions import NoArgsIsHelpError, UsageError
    except ImportError:
        from click.exceptions import NoArgsIsHelpError, UsageError
    return NoArgsIsHelpError, UsageError


def main() -> None:
    """The console script: every user error (bad input, or an option the parser refuses) is one line on stderr
    and exit status 1; --help and no arguments print the help."""
    no_args, usage = _click_errors()
    try:
        code = app(standalone_mode=False)
    except UserError as exc:
        _error_line(str(exc))
        sys.exit(1)
    except no_args as exc:
        exc.show()
        sys.exit(0)
    except usage as exc:
        where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        _error_line(exc.format_message() + where)
        sys.exit(1)
    except typer.Abort:
        _error_line("aborted")
        sys.exit(1)
    except typer.TyperException as exc:  # the parser's other errors (a file option that cannot be opened, ...)
        _error_line(exc.format_message() if hasattr(exc, "format_message") else str(exc))
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
