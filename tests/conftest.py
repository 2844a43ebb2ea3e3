import os
import tempfile

# Tests never reach the Hub, and never touch the user's caches.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="cytoimagenet-test-hf-"))
os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

from spine_config import CONFIG, SHAPES


@pytest.fixture(scope="session")
def sources(tmp_path_factory):
    from cytoimagenet.catalog import demo

    return demo.write_demo_sources(tmp_path_factory.mktemp("sources"), seed=0, **SHAPES)


@pytest.fixture(scope="session")
def release(sources, tmp_path_factory):
    from cytoimagenet.builder.release import build_release

    out = tmp_path_factory.mktemp("rel") / "cytoimagenet"
    build_release(sources, out, CONFIG, workers=1, only=["bbbc021", "rxrx1"])  # bbbc021 is evaluation-only: named
    return out
