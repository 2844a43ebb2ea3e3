"""The lean build driver: tasks built lazily, shard rows written to part files as results arrive, the parts
concatenated into the same bytes the whole table would give, the records table not read once the selection is
cached, and sidecars of the previous format still re-used."""

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cytoimagenet.builder import release as rel
from cytoimagenet.builder.executor import run_local
from cytoimagenet.builder.release import build_release

from spine_config import CONFIG

DEMO = ["bbbc021", "rxrx1"]
OUTPUTS = ("manifest.json", "metadata/metadata.parquet", "metadata/labels.parquet", "metadata/quarantine.parquet",
           "README.md", "croissant.json")


def outputs(release: Path) -> dict:
    return {name: (release / name).read_bytes() for name in OUTPUTS}


def _square(x):
    return x * x


@pytest.mark.parametrize("workers", [1, 2])
def test_run_local_pulls_tasks_a_bounded_window_ahead(workers):
    pulled = []

    def tasks():
        for i in range(40):
            pulled.append(i)
            yield i

    seen = []
    for result in run_local(_square, tasks(), workers):
        # never more than the window (2 a worker) plus the replacement for the result in hand
        assert len(pulled) <= max(1, 2 * workers) + len(seen) + 1, (len(pulled), len(seen))
        seen.append(result)
    assert sorted(seen) == [i * i for i in range(40)]


def test_concatenated_parts_are_the_bytes_of_the_whole_table(tmp_path, monkeypatch):
    # row groups break at ROW_GROUP_ROWS whatever the part sizes, as write_table breaks the whole table
    monkeypatch.setattr("cytoimagenet.builder.collect.ROW_GROUP_ROWS", 7)  # read where _concat_parts lives
    schema = rel.QUARANTINE_SCHEMA
    rows = [{"key": f"k{i}", "source_id": "s", "sample_id": str(i), "label": "a" * (i % 5), "split": "train",
             "source_files": [f"f{i}.tif"] * (i % 3), "reason": None if i % 4 else "dim"} for i in range(30)]
    paths, start = [], 0
    for n in (0, 3, 11, 7, 0, 9):  # empty parts, parts smaller and larger than a row group
        path = tmp_path / f"p{len(paths)}.parquet"
        table = pa.Table.from_pylist(rows[start:start + n], schema=schema) if n else schema.empty_table()
        path.write_bytes(rel._part_bytes(table))
        paths.append(path)
        start += n
    seen = []
    got = rel._concat_parts(paths, schema, lambda part: seen.append(part.num_rows))
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), buf, row_group_size=7, compression="zstd",
                   write_statistics=True, store_schema=False)
    assert got == buf.getvalue() and seen == [0, 3, 11, 7, 0, 9]
    assert pq.ParquetFile(io.BytesIO(got)).metadata.num_row_groups == 5
    # no part at all: the bytes of the empty table
    assert rel._concat_parts([], schema, lambda part: None) == rel.parquet_bytes(schema.empty_table())


def test_rows_go_to_part_files_and_a_rebuild_reads_neither_records_nor_rows_again(sources, release, tmp_path,
                                                                                   monkeypatch):
    out = tmp_path / "cytoimagenet"
    build_release(sources, out, CONFIG, workers=1, only=DEMO)
    assert outputs(out) == outputs(release)
    shards = tmp_path / ".cytoimagenet.work" / "shards"
    sidecars = sorted(shards.glob("*.json"))
    for sidecar in sidecars:
        meta = json.loads(sidecar.read_text())
        assert "records" not in meta and "quarantine" not in meta  # the rows are in the parts, not the sidecar
        part = pq.read_table(shards / f"{meta['name']}.records.parquet")
        assert part.num_rows == meta["samples"] and set(part.column("shard").to_pylist()) <= {meta["name"]}

    # with the selection cached, the records table is never read: garbage in its place changes nothing
    records = tmp_path / ".cytoimagenet.work" / "records.parquet"
    records.write_bytes(b"not parquet")
    monkeypatch.setattr(rel, "_select", lambda *a: pytest.fail("the selection was recomputed"))
    again = build_release(sources, out, CONFIG, workers=1, only=DEMO)
    assert again.reused_shards == again.shards == len(sidecars) and outputs(out) == outputs(release)
    assert again.warnings == json.loads((release / "manifest.json").read_text())["warnings"]


def test_a_tampered_part_is_recomputed_and_an_old_sidecar_is_converted(sources, release, tmp_path):
    out = tmp_path / "cytoimagenet"
    build_release(sources, out, CONFIG, workers=1, only=DEMO)
    shards = tmp_path / ".cytoimagenet.work" / "shards"
    sidecars = sorted(shards.glob("*.json"))
    # one part no longer what its sidecar names: that shard is made again, not trusted
    tampered = shards / f"{sidecars[0].stem}.records.parquet"
    table = pq.read_table(tampered)
    tampered.write_bytes(rel._part_bytes(table.slice(1)))
    # the others as the previous driver wrote them: the rows inside the sidecar, no part files
    for sidecar in sidecars[1:]:
        meta = json.loads(sidecar.read_text())
        for part in rel.PARTS:
            path = shards / f"{meta['name']}.{part}.parquet"
            meta[part] = pq.read_table(path).to_pylist()
            path.unlink()
        # (with the training-size shards' checksums, which that driver's sidecars would carry for this digest)
        sidecar.write_text(json.dumps({k: meta[k] for k in ("name", "path", "sha256", "bytes", "records",
                                                             "quarantine", "digest", "sized")}, sort_keys=True))
    report = build_release(sources, out, CONFIG, workers=1, only=DEMO)
    assert report.reused_shards == len(sidecars) - 1
    assert outputs(out) == outputs(release)
    for sidecar in sidecars:  # converted: parts written, rows out of the sidecar
        meta = json.loads(sidecar.read_text())
        assert "parts" in meta and "records" not in meta
        assert all((shards / f"{meta['name']}.{part}.parquet").is_file() for part in rel.PARTS)


def _records(sid: str, n: int, *, gene=None) -> "pd.DataFrame":
    import pandas as pd

    from cytoimagenet.catalog.source import RECORD_COLUMNS

    frame = pd.DataFrame({c: pd.Series([None] * n, dtype=object) for c in RECORD_COLUMNS})
    frame["source_id"], frame["sample_id"], frame["group"] = sid, [f"{sid}-{i}" for i in range(n)], "g"
    frame["microscopy"] = "fluorescence"
    frame["gene"] = pd.Series([gene] * n, dtype=object)
    frame["source_files"] = [[f"{i}_w{c}.tif" for c in range(1 + i % 3)] for i in range(n)]
    frame["channels"] = [["nucleus", "actin", "er"][:1 + i % 3] for i in range(n)]
    return frame


def test_the_records_table_is_written_one_source_at_a_time(tmp_path):
    import gc
    import weakref

    import pandas as pd

    from cytoimagenet.builder.sources import SOURCE_WARNINGS, write_records

    # a source with no gene labels at all next to one with: one fixed schema, whatever each source holds
    frames = {"a": _records("a", 5), "b": _records("b", 0), "c": _records("c", 4, gene="tp53 targeted")}
    frames["a"].attrs = {SOURCE_WARNINGS: ["a/x.csv: no gene labels"]}
    alive = []

    def sources():
        for sid in sorted(frames):
            gc.collect()
            # when the next source is read, the previous one's table (its lists as Python objects) is let go
            assert not any(ref() is not None for ref in alive), "a written source's table is still held"
            frame = frames.pop(sid)
            alive.append(weakref.ref(frame))
            yield sid, frame
            del frame

    attrs = write_records(sources(), tmp_path / "records.parquet")
    assert attrs == {SOURCE_WARNINGS: {"a": ["a/x.csv: no gene labels"]}}
    got = pd.read_parquet(tmp_path / "records.parquet")
    assert got["sample_id"].tolist() == [f"a-{i}" for i in range(5)] + [f"c-{i}" for i in range(4)]
    assert got["gene"].isna().tolist() == [True] * 5 + [False] * 4 and set(got["gene"].dropna()) == {"tp53 targeted"}
    assert [list(f) for f in got["source_files"]][:3] == [["0_w0.tif"], ["1_w0.tif", "1_w1.tif"],
                                                          ["2_w0.tif", "2_w1.tif", "2_w2.tif"]]


def test_a_source_failing_midway_leaves_no_records_table_to_reuse(tmp_path):
    from cytoimagenet.builder.cache import ensure_written_table, is_cached
    from cytoimagenet.builder.sources import write_records
    from cytoimagenet.errors import UserError

    def sources():
        yield "a", _records("a", 3)
        raise UserError("b/metadata.csv: broken")

    with pytest.raises(UserError, match="broken"):
        ensure_written_table(tmp_path, "records", "k1", lambda path: write_records(sources(), path))
    assert not is_cached(tmp_path, "records", "k1")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
