"""Mid-epoch resume: a stream restored from ``state_dict()`` after k batches yields exactly the batches the
interrupted one had not delivered, in order, with the same pixels, across workers, nodes and epoch boundaries."""

import copy

import numpy as np
import pytest
from loader_helpers import worker_batches

from cytoimagenet.errors import UserError
from cytoimagenet.loaders import stream
from cytoimagenet.loaders.streaming import resumed_role

FAST = dict(image_size=8, return_keys=True, shuffle_buffer=50)  # rotations on: the pixels must match too


def simulated_loader(s, workers: int, monkeypatch) -> list:
    """What torch's DataLoader yields: each worker iterates its own copy of the stream (as a forked worker does),
    batches are taken from the workers in turn from worker 0, skipping those that are done."""
    if workers == 0:
        return list(s)
    per_worker = [worker_batches(copy.copy(s), w, workers, monkeypatch) for w in range(workers)]
    s._resume = None  # the main process's copy forgets it once the workers have started, as StreamLoader does
    out, i = [], 0
    while any(per_worker):
        if per_worker[i % workers]:
            out.append(per_worker[i % workers].pop(0))
        i += 1
    return out


def flat(batches) -> tuple[list, np.ndarray, bytes]:
    if not batches:
        return [], np.empty(0, np.int64), b""
    return ([k for b in batches for k in b[2]], np.concatenate([np.asarray(b[1]) for b in batches]),
            b"".join(np.ascontiguousarray(b[0]).tobytes() for b in batches))


def assert_same(got, want):
    gk, gl, gp = flat(got)
    wk, wl, wp = flat(want)
    assert gk == wk, "the same samples in the same order"
    assert np.array_equal(gl, wl), "the same labels"
    assert gp == wp, "the same pixel bytes"


def test_resumed_role_continues_the_round_robin():
    for workers in (1, 2, 3):
        for k in range(8):
            # slot r continues with batch k + r: its worker's share of the batches before k is already delivered
            for r in range(workers):
                w, done = resumed_role(k, r, workers)
                assert (k + r) % workers == w and done == len(range(w, k, workers))


@pytest.mark.parametrize("workers,world,batch,drop_last,ks", [
    (0, 1, 16, False, (1, 5)),      # the stream in the training process
    (2, 1, 16, False, (1, 2, 5)),   # even and odd counts: the resumed round-robin starts at either worker
    (2, 2, 7, False, (3,)),         # two nodes, a short last batch, a share that splits shards mid-way
    (3, 2, 5, True, (4,)),          # DDP-style: equal full batches per node
])
def test_resume_after_k_batches_matches_the_uninterrupted_epoch(release, monkeypatch, workers, world, batch,
                                                                drop_last, ks):
    for rank in range(world):
        opts = dict(batch_size=batch, rank=rank, world_size=world, drop_last=drop_last, seed=3, epoch=1, **FAST)
        full = simulated_loader(stream(release, **opts), workers, monkeypatch)
        assert len(full) == len(stream(release, **opts))
        for k in ks + (len(full) - 1, len(full)):  # also the last batch, and a finished epoch
            interrupted = stream(release, **opts)
            state = interrupted.state_dict(batches=k, num_workers=workers)
            resumed = stream(release, **{**opts, "epoch": 0})  # the state sets the epoch
            resumed.load_state_dict(state)
            assert resumed.epoch == 1
            rest = simulated_loader(resumed, workers, monkeypatch)
            assert_same(full[:k] + rest, full)
            # the resume is for one pass: the next one is the whole epoch again
            assert_same(simulated_loader(resumed, workers, monkeypatch), full)


def test_counted_position_without_workers_and_lockstep_nodes(release):
    """Iterated in the training process the stream counts itself; with drop_last every node is at the same
    position, so rank 0's state resumes rank 1."""
    opts = dict(batch_size=8, world_size=2, drop_last=True, **FAST)
    full = list(stream(release, rank=1, **opts))
    s0 = stream(release, rank=0, **opts)
    it = iter(s0)
    for _ in range(3):
        next(it)
    state = s0.state_dict()
    assert (state["epoch"], state["batches"], state["num_workers"]) == (0, 3, 1)
    r1 = stream(release, rank=1, **opts)
    r1.load_state_dict(state)
    assert_same(full[:3] + list(r1), full)


def test_epoch_boundaries(release):
    opts = dict(batch_size=16, **FAST)
    s = stream(release, **opts)
    n = len(list(s))
    end = s.state_dict()
    assert (end["epoch"], end["batches"]) == (0, n), "a finished epoch is a position too"
    r = stream(release, **opts)
    r.load_state_dict(end)
    assert list(r) == [], "nothing left of epoch 0"
    r.load_state_dict(end)
    r.set_epoch(1)  # the next epoch starts at its beginning
    s.set_epoch(1)
    assert s.state_dict()["batches"] == 0
    assert_same(list(r), list(stream(release, epoch=1, **opts)))


def test_resampled_resume_runs_on_across_epochs(release, monkeypatch):
    """An endless stream: its workers' batches straddle epochs; a resume far past the first epoch skips whole
    epochs by arithmetic and continues the same endless sequence."""
    opts = dict(batch_size=16, resampled=True, seed=5, **FAST)
    per_epoch = stream(release, **opts).batches_per_epoch
    for workers in (0, 2):
        want = 2 * per_epoch + 6

        def take(s, n):
            out, it = [], iter(simulated_loader_endless(s, workers, monkeypatch))
            for _ in range(n):
                out.append(next(it))
            return out

        full = take(stream(release, **opts), want)
        for k in (per_epoch - 1, per_epoch + 2, 2 * per_epoch + 1):
            resumed = stream(release, **opts)
            resumed.load_state_dict(stream(release, **opts).state_dict(batches=k, num_workers=workers))
            assert_same(full[:k] + take(resumed, want - k), full)


def simulated_loader_endless(s, workers, monkeypatch):
    if workers == 0:
        yield from s
        return
    from cytoimagenet.loaders import streaming

    iters = []
    for w in range(workers):
        c = copy.copy(s)
        monkeypatch.setattr(streaming, "_worker", lambda w=w: (w, workers))
        iters.append(iter(c))  # the role and the skip are fixed when the pass starts
        monkeypatch.undo()
    i = 0
    while True:
        yield next(iters[i % workers])
        i += 1


def test_real_dataloader_counts_in_the_main_process(release):
    """torch's DataLoader with 0 and 2 worker processes: interrupted after k batches (some prefetched and never
    delivered), the position counted by Stream.loader resumes to exactly the rest."""
    pytest.importorskip("torch")
    opts = dict(batch_size=16, seed=1, **FAST)
    for workers, k in ((0, 2), (2, 3)):
        full = [tuple(b) for b in stream(release, **opts).loader(num_workers=workers)]
        s = stream(release, **opts)
        got = []
        for batch in s.loader(num_workers=workers):
            got.append(tuple(batch))
            if len(got) == k:
                break
        state = s.state_dict()
        assert (state["batches"], state["num_workers"]) == (k, max(1, workers))
        r = stream(release, **opts)
        r.load_state_dict(state)
        rest = [tuple(b) for b in r.loader(num_workers=workers)]
        assert_same(got + rest, full)
        assert_same([tuple(b) for b in r.loader(num_workers=workers)], full)


def test_a_state_of_another_stream_is_refused(release, monkeypatch):
    state = stream(release, batch_size=16, **FAST).state_dict(batches=2, num_workers=2)
    other = stream(release, batch_size=8, **FAST)
    with pytest.raises(UserError, match="batch_size"):
        other.load_state_dict(state)
    same = stream(release, batch_size=16, **FAST)
    same.load_state_dict(state)
    with pytest.raises(UserError, match="num_workers=2"):
        list(same)  # resumed without the 2 workers the order was made with
    with pytest.raises(UserError, match="batches must be"):
        same.state_dict(batches=10 ** 6)
    with pytest.raises(UserError, match="format"):
        same.load_state_dict({"batches": 1})


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_keras_adapter_resumes_with_decoding_workers(release):
    """The Keras dataset with 2 decoding processes: its state after k served batches resumes to the rest of the
    epoch, as long as what is left, and survives keras' peek at batch 0 (with the on_epoch_end keras sends after
    it)."""
    pytest.importorskip("keras")
    opts = dict(batch_size=16, image_size=8, seed=2)
    full = stream(release, **opts).keras(workers=2)
    want = [full[i] for i in range(len(full))]
    ds = stream(release, **opts).keras(workers=2)
    k = 3
    got = [ds[i] for i in range(k)]
    state = ds.state_dict()
    assert (state["batches"], state["num_workers"]) == (k, 2)
    resumed = stream(release, **opts).keras(workers=2)
    resumed.load_state_dict(state)
    assert len(resumed) == len(full) - k
    resumed[0]
    resumed.on_epoch_end()  # what keras does after its pre-fit peek
    got += [resumed[i] for i in range(len(resumed))]
    assert len(got) == len(want)
    for (x, y), (wx, wy) in zip(got, want):
        assert np.array_equal(y, wy) and np.asarray(x).tobytes() == np.asarray(wx).tobytes()
    resumed.on_epoch_end()
    assert len(resumed) == len(full), "after the resumed epoch, whole epochs"
