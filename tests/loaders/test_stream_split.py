"""Splitting an epoch across nodes and DataLoader workers: every sample once, exact lengths, deterministic."""

import numpy as np
import pytest
from loader_helpers import as_dataloader, keys_of, train_keys

from cytoimagenet.loaders import stream
from cytoimagenet.loaders.streaming import node_range, segments, worker_range

FAST = dict(image_size=8, rotate=False, return_keys=True)


@pytest.mark.parametrize("world,workers,batch,drop_last", [
    (2, 2, 16, False),  # the 2 nodes x 2 workers case
    (2, 2, 16, True),
    (3, 2, 7, False),   # shares that split shards mid-way and a short last batch
    (1, 3, 64, False),  # more workers than some shards hold batches
    (2, 3, 5, True),
])
def test_nodes_and_workers_share_an_epoch_exactly(release, monkeypatch, world, workers, batch, drop_last):
    expected = train_keys(release)
    seen, node_batches = [], []
    for rank in range(world):
        s = stream(release, batch_size=batch, rank=rank, world_size=world, drop_last=drop_last, **FAST)
        batches = as_dataloader(s, workers, monkeypatch)
        assert len(batches) == len(s), "len() is the exact number of batches a node yields"
        sizes = [len(b[1]) for b in batches]
        assert all(n == batch for n in sizes[:-1]) and 0 < sizes[-1] <= batch
        keys = keys_of(batches)
        assert len(keys) == s.num_samples
        node_batches.append(len(batches))
        seen += keys
    assert len(seen) == len(set(seen)), "no sample twice"
    if drop_last:
        per_node = (len(expected) // world) // batch
        assert node_batches == [per_node] * world, "every node the same number of full batches (DDP)"
        assert len(seen) == world * per_node * batch and set(seen) <= expected
    else:
        assert set(seen) == expected, "no sample dropped"
        assert sum(node_batches) >= -(-len(expected) // batch)


def test_epoch_length_matches_manifest(release):
    s = stream(release, batch_size=10, **FAST)
    n = len(train_keys(release))
    assert s.num_samples == n and len(s) == -(-n // 10)
    assert len(stream(release, batch_size=10, drop_last=True, **FAST)) == n // 10
    assert len(list(s)) == len(s)


def test_partition_arithmetic_is_exact():
    counts = [48, 48, 48, 17]
    total = sum(counts)
    for world in (1, 2, 3, 5):
        for batch in (1, 7, 64):
            for workers in (1, 2, 3, 4):
                positions = []
                for rank in range(world):
                    lo, hi, batches = node_range(total, rank, world, batch, drop_last=False)
                    got = []
                    for w in range(workers):
                        a, b, owned = worker_range(lo, hi, batches, batch, w, workers)
                        assert owned == len(range(w, batches, workers))
                        got += [(s.shard, i) for s in segments(counts, [3, 1, 0, 2], a, b) for i in range(s.start, s.stop)]
                    assert len(got) == hi - lo
                    positions += got
                assert len(set(positions)) == total == len(positions)


def test_order_is_deterministic_per_seed_and_epoch(release, monkeypatch):
    def run(**kw):
        batches = as_dataloader(stream(release, batch_size=16, image_size=16, return_keys=True, **kw), 2, monkeypatch)
        return keys_of(batches), np.concatenate([b[0] for b in batches])

    keys0, images0 = run(seed=0, epoch=0)
    again, images_again = run(seed=0, epoch=0)
    assert keys0 == again and np.array_equal(images0, images_again)
    keys1, images1 = run(seed=0, epoch=1)
    assert keys1 != keys0 and set(keys1) == set(keys0)
    other_seed, _ = run(seed=1, epoch=0)
    assert other_seed != keys0

    s = stream(release, batch_size=16, image_size=16, return_keys=True, seed=0)
    s.set_epoch(1)
    assert keys_of(as_dataloader(s, 2, monkeypatch)) == keys1


def test_rotation_angle_depends_on_sample_not_on_workers(release, monkeypatch):
    """The same sample gets the same pixels whichever worker decodes it."""
    def by_key(workers):
        out = {}
        for images, labels, keys in as_dataloader(stream(release, batch_size=8, image_size=16, return_keys=True), workers,
                                                  monkeypatch):
            out.update({k: im for k, im in zip(keys, images)})
        return out

    one, three = by_key(1), by_key(3)
    assert one.keys() == three.keys()
    assert all(np.array_equal(one[k], three[k]) for k in one)


def test_resampled_stream_is_endless_and_each_pass_is_complete(release):
    s = stream(release, batch_size=16, resampled=True, **FAST)
    with pytest.raises(TypeError):
        len(s)
    n = len(train_keys(release))
    keys = []
    for images, labels, batch_keys in s:
        assert len(batch_keys) == 16
        keys += batch_keys
        if len(keys) >= 2 * n + 16:
            break
    assert sorted(keys[:n]) == sorted(train_keys(release)), "the first pass is one whole epoch"
    assert sorted(keys[n:2 * n]) == sorted(train_keys(release))
    assert keys[:n] != keys[n:2 * n], "the next pass is the next epoch's order"


def test_unshuffled_validation_stream_follows_the_shards(release):
    s = stream(release, "validation", batch_size=4, shuffle=False, **FAST)
    keys = keys_of(list(s))
    assert set(keys) == train_keys(release, "validation")
    assert keys == keys_of(list(s)), "no shuffle: the same order every time"


def test_bad_requests_are_user_errors(release, tmp_path):
    from cytoimagenet.errors import UserError

    with pytest.raises(UserError, match="rank"):
        stream(release, rank=2, world_size=2)
    with pytest.raises(UserError, match="output"):
        stream(release, output="tensorflow")
    with pytest.raises(UserError, match="not a CytoImageNet release"):
        stream(tmp_path)
    with pytest.raises(UserError, match="split"):
        stream(release, split="test")


def test_hub_repo_ids_download_only_the_split(release, monkeypatch, tmp_path):
    """A repo id goes through huggingface_hub's snapshot_download (the manifest, then the split's shards: the full
    ones here, as the release has no training-size shards for image_size 8) at the revision."""
    import huggingface_hub

    calls = []

    def fake_snapshot_download(repo_id, **kwargs):
        calls.append((repo_id, kwargs))
        return str(release)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    monkeypatch.chdir(tmp_path)
    s = stream("cytoimagenet/demo", "validation", revision="v1.0.1", batch_size=8, **FAST)
    assert calls == [("cytoimagenet/demo", {"repo_type": "dataset", "revision": "v1.0.1",
                                            "allow_patterns": ["manifest.json"]}),
                     ("cytoimagenet/demo", {"repo_type": "dataset", "revision": "v1.0.1",
                                            "allow_patterns": ["manifest.json", "data/validation-*.tar"]})]
    assert set(keys_of(list(s))) == train_keys(release, "validation")


def test_shuffle_buffer_is_bounded_in_bytes(release, monkeypatch):
    """A byte cap smaller than one image still streams every sample once (the buffer then holds one sample)."""
    s = stream(release, batch_size=16, shuffle_bytes=1, **FAST)
    assert sorted(keys_of(list(s))) == sorted(train_keys(release))
