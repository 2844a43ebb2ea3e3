"""benchmarks/bench_stream.py's peer comparison is fair only if every peer's images are the stream's, key for key:
the same decoder, the same resize + rotation, the same angle per sample and epoch."""

import importlib.util
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_stream.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_stream_under_test", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def release(bench, tmp_path_factory):
    rng = np.random.default_rng(3)
    pngs = []
    for _ in range(4):
        # 512 px like the benchmark's, so the stream's 2x box reduction runs too
        pixels = rng.integers(0, 256, (64, 64), dtype=np.uint8).repeat(8, 0).repeat(8, 1)
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format="PNG")
        pngs.append(buf.getvalue())
    return bench.make_release(tmp_path_factory.mktemp("bench") / "release", 128, pngs, shard_size=64)


def _stream_images(release, epoch):
    from cytoimagenet.loaders import stream

    out = {}
    for images, labels, keys in stream(release, batch_size=64, image_size=224, epoch=epoch, return_keys=True):
        out.update(zip(keys, images[..., 0]))  # the stream's batches are (N, H, W, 1)
    return out


def test_peer_images_are_the_streams(bench, release):
    expected = _stream_images(release, epoch=1)
    got = {}
    assert bench._peer_batches(bench._canonical_samples(release), 128, 1, "auto", got) == 128
    assert sorted(got) == sorted(expected)
    assert all(np.array_equal(got[k], expected[k]) for k in expected)


def test_webdataset_pipeline_reads_the_canonical_shards_into_the_streams_images(bench, release):
    expected = _stream_images(release, epoch=2)
    got = {}
    assert bench.run_webdataset(release, 128, epoch=2, keep=got) == 128
    assert sorted(got) == sorted(expected)
    assert all(np.array_equal(got[k], expected[k]) for k in expected)


def test_a_peer_that_cannot_import_is_a_one_line_reason(bench, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "litdata", None)  # what an absent package looks like to `import`
    reason = bench.peer_missing("litdata")
    assert reason.startswith("ModuleNotFoundError") and "litdata" in reason and "\n" not in reason
