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
def demo_sources(tmp_path_factory):
    """The tree `cytoimagenet demo` writes, SYNTHETIC.md markers and all: builds from it are synthetic."""
    from cytoimagenet.catalog import demo

    return demo.write_demo_sources(tmp_path_factory.mktemp("demo-sources"), seed=0, **SHAPES)


@pytest.fixture(scope="session")
def sources(tmp_path_factory):
    """The demo's files standing in for real sources in their native layouts: without the markers, so builds
    from it take the path real data takes (citations, licences, publish)."""
    from cytoimagenet.catalog import demo

    root = demo.write_demo_sources(tmp_path_factory.mktemp("sources"), seed=0, **SHAPES)
    for marker in root.rglob(demo.SYNTHETIC_MARKER):
        marker.unlink()
    return root


@pytest.fixture(scope="session")
def release(sources, tmp_path_factory):
    from cytoimagenet.builder.release import build_release

    out = tmp_path_factory.mktemp("rel") / "cytoimagenet"
    build_release(sources, out, CONFIG, workers=1, only=["bbbc021", "rxrx1"])  # bbbc021 is evaluation-only: named
    return out
