import numpy as np
import pytest

from cytoimagenet.suite.knn import (
    accuracy_summary,
    exclude_any,
    exclude_same,
    exclude_self,
    exclude_sharing,
    knn_classify,
    knn_search,
    vote,
    wilson_interval,
)


def test_cosine_not_euclidean():
    # a is almost parallel to the query but far; b is close but at 45 degrees
    q = np.array([[1.0, 0.0]])
    ref = np.array([[10.0, 1.0], [0.5, 0.5]])
    idx_cos, sim_cos = knn_search(q, ref, 1)
    idx_euc, _ = knn_search(q, ref, 1, metric="euclidean")
    assert idx_cos[0, 0] == 0
    assert idx_euc[0, 0] == 1
    assert sim_cos[0, 0] == pytest.approx(10 / np.sqrt(101))


def test_neighbours_ordered_by_similarity_then_index_not_label():
    q = np.array([[1.0, 0.0]])
    # refs 1 and 3 are identical (a tie); ref 0 is nearest; ref 2 is far
    ref = np.array([[1.0, 0.01], [1.0, 0.5], [0.0, 1.0], [1.0, 0.5]])
    idx, sims = knn_search(q, ref, 3)
    assert idx.tolist() == [[0, 1, 3]]
    assert sims[0, 1] == sims[0, 2]
    # the tied pair carries labels in the order that a label-id tie-break would reverse
    labels = np.array([5, 9, 2, 1])
    assert knn_classify(q, ref[1:], labels[1:], 1)[0] == 9


def test_tie_at_kth_place_takes_lower_index():
    q = np.array([[1.0, 0.0]])
    ref = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    idx, _ = knn_search(q, ref, 2)
    assert idx.tolist() == [[1, 2]]


def test_vote_ties_broken_by_summed_similarity_then_nearest():
    # two votes each; class 1 has the larger similarity sum though its label id is larger
    labels = np.array([[0, 1, 0, 1]])
    sims = np.array([[0.95, 0.9, 0.3, 0.9]])
    assert vote(labels, sims, 2)[0] == 1
    # equal counts and equal sums: the class of the nearest neighbour (class 1 here) wins
    labels = np.array([[1, 0, 0, 1]])
    sims = np.array([[0.9, 0.7, 0.7, 0.5]])
    assert vote(labels, sims, 2)[0] == 1
    labels = np.array([[0, 1, 1, 0]])
    assert vote(labels, sims, 2)[0] == 0
    # majority beats similarity
    assert vote(np.array([[1, 0, 0]]), np.array([[0.99, 0.1, 0.1]]), 2)[0] == 0
    # no admissible neighbour at all
    assert vote(np.array([[-1, -1]]), np.array([[-np.inf, -np.inf]]), 2)[0] == -1


def _brute_force(q, r, k, excluded):
    qn = q / np.linalg.norm(q, axis=1, keepdims=True)
    rn = r / np.linalg.norm(r, axis=1, keepdims=True)
    s = np.round(qn @ rn.T, 10)
    out = []
    for i in range(len(q)):
        cand = [j for j in range(len(r)) if not excluded[i, j]]
        cand.sort(key=lambda j: (-s[i, j], j))
        out.append(cand[:k])
    return out


def test_chunked_search_matches_brute_force_with_ties_and_exclusions():
    rng = np.random.default_rng(1)
    # small integer vectors: many exact duplicates, so many ties
    r = rng.integers(1, 4, size=(60, 3)).astype(float)
    q = r[:25]
    groups = rng.integers(0, 5, size=60)
    rule = exclude_same(groups[:25], groups)
    excluded = rule(np.arange(25))
    expected = _brute_force(q, r, 5, excluded)
    for chunk in (1 << 24, 60, 7 * 60):
        idx, _ = knn_search(q, r, 5, exclude=rule, chunk_elements=chunk)
        assert idx.tolist() == expected


def test_leave_one_out_excludes_the_query_by_identity():
    x = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])  # two exact duplicate pairs
    labels = np.array([0, 1, 0, 1])
    ids = np.arange(4)
    for chunk in (1 << 24, 4):  # also when the query's row is not its position in the chunk
        pred = knn_classify(x, x, labels, 1, exclude=exclude_self(ids, ids), chunk_elements=chunk)
        # each row's only neighbour at similarity 1 is its twin of the other class
        assert pred.tolist() == [1, 0, 1, 0]


def test_too_few_admissible_neighbours_are_marked():
    x = np.eye(3)
    idx, sims = knn_search(x, x, 3, exclude=exclude_self(np.arange(3), np.arange(3)))
    assert (idx[:, 2] == -1).all() and np.isneginf(sims[:, 2]).all()
    assert (idx[:, :2] >= 0).all()


def test_exclude_sharing_and_any():
    members = np.array([[1, 0], [1, 1], [0, 1]], dtype=bool)
    m = exclude_sharing(members, members)(np.arange(3))
    assert m.tolist() == [[True, True, False], [True, True, True], [False, True, True]]
    both = exclude_any(exclude_same(np.array([0, 1, 2]), np.array([0, 1, 2])), None)
    assert both(np.array([2])).tolist() == [[False, False, True]]
    assert exclude_any(None, None) is None


def test_wilson_interval_known_values():
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4)
    assert hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 20)[0] == 0.0
    assert wilson_interval(20, 20)[1] == pytest.approx(1.0)
    assert all(np.isnan(wilson_interval(0, 0)))


def test_accuracy_summary_confusion_and_per_class():
    s = accuracy_summary(np.array([0, 0, 1, 1]), np.array([0, 1, 1, -1]), ["a", "b"])
    assert s["accuracy"] == 0.5 and s["n"] == 4 and s["correct"] == 2
    assert s["per_class"] == {"a": {"accuracy": 0.5, "n": 2}, "b": {"accuracy": 0.5, "n": 2}}
    assert s["confusion"]["classes"] == ["a", "b"]
    assert s["confusion"]["predicted"][-1] == "(no neighbour)"
    assert s["confusion"]["matrix"] == [[1, 1, 0], [0, 1, 1]]
    assert s["ci95_low"] < 0.5 < s["ci95_high"]
