"""Native metadata tables as people really leave them: saved from Excel, cut to the header, with a column pasted
twice, with plate names that differ only in punctuation. Each is read right or refused in one line naming the file."""

from __future__ import annotations

import pandas as pd
import pytest

from cytoimagenet.catalog.registry import get_source
from cytoimagenet.catalog.source import SourceEntry, read_csv, safe_ids, standardise_records
from cytoimagenet.errors import UserError
from test_adapters import BBBC021_ROWS, write_bbbc021


def test_excel_style_trailing_comma_on_every_row_reads_the_same_table(tmp_path):
    plain = write_bbbc021(tmp_path / "plain")
    excel = write_bbbc021(tmp_path / "excel")
    csv = excel / "BBBC021_v1_image.csv"
    lines = csv.read_text().splitlines()
    # Excel keeps the header as it is and leaves a trailing separator on the data rows
    csv.write_text("\n".join([lines[0]] + [line + "," for line in lines[1:]]) + "\n")
    got = get_source("bbbc021").records(excel)
    want = get_source("bbbc021").records(plain)
    pd.testing.assert_frame_equal(got, want)
    # and when the header ends in a separator too, the unnamed empty column is dropped
    csv.write_text("\n".join(line + "," for line in lines) + "\n")
    assert "Unnamed: 13" not in read_csv(csv, [])
    pd.testing.assert_frame_equal(get_source("bbbc021").records(excel), want)


def test_header_only_csv_is_one_line_naming_the_file(tmp_path):
    folder = write_bbbc021(tmp_path)
    csv = folder / "BBBC021_v1_image.csv"
    csv.write_text(csv.read_text().splitlines()[0] + "\n")
    with pytest.raises(UserError, match=r"BBBC021_v1_image\.csv: lists no images") as err:
        get_source("bbbc021").records(folder)
    assert "\n" not in str(err.value)


def test_zero_byte_csv_is_one_line_naming_the_file(tmp_path):
    (tmp_path / "m.csv").write_bytes(b"")
    with pytest.raises(UserError, match=r"m\.csv: the file is empty"):
        read_csv(tmp_path / "m.csv", ["a"])


def test_duplicated_column_is_refused_naming_it(tmp_path):
    (tmp_path / "m.csv").write_text("plate,well,compound,compound\np1,A01,taxol,dmso\n")
    with pytest.raises(UserError, match=r"m\.csv: column 'compound' appears 2 times"):
        read_csv(tmp_path / "m.csv", ["plate"])


def test_header_only_table_allowed_where_the_caller_says_so(tmp_path):
    (tmp_path / "m.csv").write_text("compound,concentration,moa\n")
    assert read_csv(tmp_path / "m.csv", ["moa"], allow_empty=True).empty


def test_plates_differing_only_in_punctuation_stay_two_samples(tmp_path):
    rows = [BBBC021_ROWS[0], (1, 235, "Week1.22123", "B02", 1, "taxol", "0.3")]
    folder = write_bbbc021(tmp_path, rows=rows)
    rec = get_source("bbbc021").records(folder)
    assert len(rec) == 2 and rec["sample_id"].is_unique
    assert all(set(s) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") for s in rec["sample_id"])


def test_safe_ids_change_only_clashing_ids():
    ids = safe_ids(pd.Series(["Week1.22123_B02", "Week1_22123_B02", "jw-1h 1", "plain_7"]))
    assert ids[0] != ids[1] and ids[0].startswith("Week1_22123_B02-") and ids[1].startswith("Week1_22123_B02-")
    assert ids[2] == "jw-1h_1" and ids[3] == "plain_7"


def test_the_same_id_twice_is_still_refused():
    entry = SourceEntry(id="x", database="d", name="n", dir_name="x", homepage="h", licence="CC0-1.0", citation="c",
                        modality="fluorescence", channels=["a"])
    raw = pd.DataFrame({"sample_id": ["p1.A01", "p1.A01"], "group": ["g", "g"],
                        "source_files": [["a.png"], ["b.png"]], "channels": [["a"], ["a"]]})
    with pytest.raises(UserError, match="the same image twice"):
        standardise_records(raw, entry)
