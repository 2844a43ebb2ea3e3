"""Fixtures of the card, figures, Croissant and publishing tests: two different finished releases, and a local
Hub (hub_server.py) that the real huggingface_hub client talks to.

Test modules import the fixtures from here rather than from a conftest.py: a second conftest.py would replace
the root one as the importable `conftest` module, which other tests import CONFIG from."""

import os
import shutil
import tempfile

# mlcroissant extracts archives into its cache, read once at import: keep it out of the user's home.
os.environ.setdefault("CROISSANT_CACHE", tempfile.mkdtemp(prefix="cytoimagenet-test-croissant-"))

import pytest
from hub_server import HubServer

TOKEN = "hf_TestOnlySecret_7f3a9c1e5b"
ORG = "cyto-org"

# Each importing module registers these fixtures anew; the builds are cached here so they run once a session.
_BUILT: dict = {}


def finish(release):
    """Figures, Croissant and card, as a release build writes them."""
    from cytoimagenet.builder.card import write_card
    from cytoimagenet.builder.croissant import write_croissant
    from cytoimagenet.builder.figures import write_figures
    from cytoimagenet.format import Manifest

    manifest = Manifest.model_validate_json((release / "manifest.json").read_text())
    write_figures(release, manifest)
    write_croissant(release, manifest)
    write_card(release, manifest)
    return release


@pytest.fixture(scope="session")
def release_a(release, tmp_path_factory):
    if "a" not in _BUILT:
        # a copy: the session release is shared with other test modules
        out = tmp_path_factory.mktemp("pub-a") / "cytoimagenet"
        shutil.copytree(release, out)
        _BUILT["a"] = finish(out)
    return _BUILT["a"]


@pytest.fixture(scope="session")
def release_b(sources, tmp_path_factory):
    """One source, another seed, bigger shards: different content, fewer shards than release_a, quick to build."""
    if "b" not in _BUILT:
        from cytoimagenet.builder.release import build_release
        from cytoimagenet.format import BuildConfig

        out = tmp_path_factory.mktemp("pub-b") / "cytoimagenet"
        build_release(sources, out, BuildConfig(seed=1, min_per_class=20, max_per_class=40, shard_size=96),
                      workers=1, only=["rxrx1"])
        _BUILT["b"] = finish(out)
    return _BUILT["b"]


@pytest.fixture
def hub(monkeypatch):
    """A local Hub; huggingface_hub pointed at it (HF_ENDPOINT is read at import, so the constants are patched),
    LFS transfer instead of Xet, online, no progress bars, the test token in HF_TOKEN."""
    import huggingface_hub.constants as constants
    from huggingface_hub.utils import disable_progress_bars, enable_progress_bars

    with HubServer(token=TOKEN) as server:
        monkeypatch.setattr(constants, "ENDPOINT", server.url)
        monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                            server.url + "/{repo_id}/resolve/{revision}/{filename}")
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
        monkeypatch.setenv("HF_TOKEN", TOKEN)
        disable_progress_bars()
        try:
            yield server
        finally:
            enable_progress_bars()
