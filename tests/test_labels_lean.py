"""assign_labels works on integer token codes read straight from arrow: the selection must not depend on how the
records' columns are stored (object or arrow strings, one chunk or several) nor on the table's index."""

import pandas as pd

from cytoimagenet.builder.labels import assign_labels, candidate_labels, token_table
from test_labels import records

KEY = ["sample_id", "label", "category"]


def _table():
    n = 300
    return records(
        organism=["human" if i % 3 else "mouse" for i in range(n)],
        cell_type=[f"c{i % 5}" for i in range(n)],
        # a token repeated within a cell counts once for that row
        cell_visible=["actin|nucleus|actin" if i % 4 == 0 else ("nucleus" if i % 4 == 1 else None) for i in range(n)],
        compound=[None if i % 2 else f"cpd({i % 7}" for i in range(n)],
        gene=[None] * n,  # all missing: typed null by arrow when the column is object
    )


def test_selection_does_not_depend_on_column_storage_or_index():
    obj = _table()
    want = assign_labels(obj, 20, 40, seed=0)
    assert len(want) and want["sample_id"].is_unique

    arrow = obj.astype({c: "str" for c in ("organism", "cell_type", "cell_visible", "compound")})
    # several arrow chunks: the codes of every chunk must index one dictionary
    chunked = pd.concat([arrow.iloc[:100], arrow.iloc[100:210], arrow.iloc[210:]])
    assert chunked["cell_visible"].array._pa_array.num_chunks == 3
    # an index that is neither 0..n-1 nor unique: rows are taken by position
    relabelled = chunked.set_axis([7] * len(chunked))
    for frame in (arrow, chunked, relabelled):
        got = assign_labels(frame, 20, 40, seed=0)
        assert got[KEY].astype(str).values.tolist() == want[KEY].astype(str).values.tolist()


def test_repeated_token_in_a_cell_counts_once():
    df = _table()
    cands = candidate_labels(token_table(df), 20).set_index("label")
    assert cands.loc["actin", "count"] == 75 and cands.loc["nucleus", "count"] == 150
    assert not token_table(df).duplicated(["row", "column", "token"]).any()
