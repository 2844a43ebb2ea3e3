import numpy as np
import pandas as pd

from cytoimagenet.builder.labels import allocate, assign_labels, candidate_labels, token_table
from cytoimagenet.builder.plan import split_groups


def records(**columns):
    n = len(next(iter(columns.values())))
    base = {c: [None] * n for c in ("organism", "cell_type", "cell_visible", "phenotype", "compound", "gene", "sirna")}
    base.update(columns)
    df = pd.DataFrame(base)
    df["source_id"] = "src"
    df["sample_id"] = [f"s{i:05d}" for i in range(n)]
    df["group"] = df["sample_id"]
    return df


def test_tokens_match_exactly_not_as_substrings_or_regex():
    df = records(compound=["rab5"] * 30 + ["rab5a"] * 40 + ["x(y)"] * 35 + ["rab5|dmso"] * 5)
    sel = assign_labels(df, min_per_class=30, max_per_class=100, seed=0)
    counts = sel["label"].value_counts().to_dict()
    assert counts == {"rab5": 35, "rab5a": 40, "x(y)": 35}


def test_rarest_first_and_no_image_reused():
    # every row holds "human"; the rare compound takes its rows first, human gets the rest
    df = records(organism=["human"] * 100, compound=["taxol"] * 30 + [None] * 70)
    sel = assign_labels(df, min_per_class=20, max_per_class=1000, seed=0)
    assert sel["sample_id"].is_unique
    assert sel["label"].value_counts().to_dict() == {"human": 70, "taxol": 30}


def test_label_left_below_min_after_reuse_is_skipped():
    df = records(organism=["human"] * 40, compound=["taxol"] * 30 + [None] * 10)
    sel = assign_labels(df, min_per_class=20, max_per_class=1000, seed=0)
    assert set(sel["label"]) == {"taxol"}  # only 10 unused "human" rows remain


def test_downsampling_caps_class_and_covers_every_stratum():
    # 3 singleton strata beside a large one: proportional rounding would give them zero rows
    cell_types = ["rare1", "rare2", "rare3"] + ["common"] * 997
    df = records(organism=["mouse"] * 1000, cell_type=cell_types)
    sel = assign_labels(df, min_per_class=10, max_per_class=50, seed=0)
    mouse = sel[sel["label"] == "mouse"]
    assert len(mouse) == 50
    assert {"rare1", "rare2", "rare3"} <= set(mouse["cell_type"])


def test_allocate_largest_remainder_properties():
    sizes = np.array([1, 1, 1, 50, 100, 7])
    q = allocate(sizes, 20, np.arange(6))
    assert q.sum() == 20 and (q >= 1).all() and (q <= sizes).all()
    assert allocate(sizes, 3, np.arange(6)).tolist() == [0, 0, 0, 1, 1, 1]  # more strata than budget: largest first
    assert allocate(sizes, 500, np.arange(6)).tolist() == sizes.tolist()


def test_sampling_is_independent_of_row_order_and_seeded():
    df = records(cell_type=[f"c{i % 7}" for i in range(300)], organism=["human"] * 300)
    a = assign_labels(df, 10, 40, seed=1)
    b = assign_labels(df.sample(frac=1, random_state=3).reset_index(drop=True), 10, 40, seed=1)
    c = assign_labels(df, 10, 40, seed=2)
    assert a.equals(b)
    pairs = lambda s: set(zip(s["sample_id"], s["label"]))
    assert pairs(a) != pairs(c)


def test_a_label_is_a_category_and_token_pair():
    # the phenotype "actin" is counted on its own rows only, and named apart from the stained structure
    df = records(cell_visible=["actin"] * 30, phenotype=["actin"] * 10 + [None] * 20)
    cands = candidate_labels(token_table(df), 5).set_index("label")
    assert cands[["category", "token", "count"]].to_dict("index") == {
        "actin (phenotype)": {"category": "phenotype", "token": "actin", "count": 10},
        "actin": {"category": "cell_visible", "token": "actin", "count": 30},
    }


def test_grouped_split_never_leaks_and_keeps_near_ten_percent():
    n = 2000
    df = records(cell_type=[f"c{i % 4}" for i in range(n)])
    df["group"] = [f"well{i // 5}" for i in range(n)]  # 5 fields per well
    df["label"] = df["cell_type"]
    split = split_groups(df, 0.1, seed=0)
    per_group = split.groupby(df["group"]).nunique()
    assert (per_group == 1).all()
    frac = (split == "validation").groupby(df["label"]).mean()
    assert ((frac > 0.07) & (frac < 0.13)).all()
    assert not split.equals(split_groups(df, 0.1, seed=1))
