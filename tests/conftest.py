import os
import tempfile

# Tests never reach the Hub, and never touch the user's caches.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="cytoimagenet-test-hf-"))
os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

from cytoimagenet.validation.schema import BuildConfig

CONFIG = BuildConfig(seed=0, min_per_class=20, max_per_class=40, shard_size=48)
# the demo at reduced resolution (same layouts and classes), still large enough for 70 px crops
SHAPES = dict(bbbc021_shape=(160, 200), rxrx1_shape=(144, 144))


@pytest.fixture(scope="session")
def sources(tmp_path_factory):
    from cytoimagenet.catalog import demo

    return demo.write_demo_sources(tmp_path_factory.mktemp("sources"), seed=0, **SHAPES)


@pytest.fixture(scope="session")
def release(sources, tmp_path_factory):
    from cytoimagenet.builder.release import build_release

    out = tmp_path_factory.mktemp("rel") / "cytoimagenet"
    build_release(sources, out, CONFIG, workers=1)
    return out
