"""Pretraining on the demo release, on CPU: tiny images, a few steps. It trains, checkpoints, resumes exactly,
evaluates top-1/top-5, writes its log, plot and final artifacts, and its final model feeds feature extraction."""

import io
import json
import zipfile

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("keras")

from typer.testing import CliRunner  # noqa: E402

from cytoimagenet.cli.pretrain import app  # noqa: E402
from cytoimagenet.errors import UserError  # noqa: E402
from cytoimagenet.suite import pretrain as P  # noqa: E402

# keras warns about its own internals here (functional input structure, nested containers while loading weights)
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")

# one step an epoch is enough: epoch 2 still starts from epoch 1's weights and Adam moments
SMALL = dict(image_size=32, batch_size=8, steps_per_epoch=1, validation_steps=1)
runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    # on a shared 2-core machine torch's own thread pool oversubscribes the cores and runs ~10x slower
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def straight(release, tmp_path_factory):
    """Two epochs in one go: the reference the resumed run must reproduce."""
    out = tmp_path_factory.mktemp("pretrain") / "straight"
    lines = []
    card = P.pretrain(release, out, P.PretrainConfig(epochs=2, **SMALL), verbose=0, log=lines.append)
    return out, card, lines


def _weights(path):
    """Every array of a .keras file by its path in the weights store, without building the model."""
    import h5py

    with zipfile.ZipFile(path) as z:
        store = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
        out = {}
        store.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def test_config_checks_and_precision_policy():
    with pytest.raises(UserError, match="channels must be 1 or 3"):
        P.PretrainConfig(channels=2).check()
    with pytest.raises(UserError, match="image_size must be at least 32"):
        P.PretrainConfig(image_size=16).check()
    with pytest.raises(UserError, match="checkpoint_every must be at least 1"):
        P.PretrainConfig(checkpoint_every=0).check()
    assert P.precision_policy(False, cuda=True) == "float32"
    assert P.precision_policy(True, cuda=False) == "mixed_bfloat16"


@pytest.mark.slow
def test_training_writes_checkpoint_log_plot_and_final_artifacts(straight, release):
    out, card, lines = straight
    manifest = json.loads((release / "manifest.json").read_text())
    state = json.loads((out / P.STATE).read_text())
    assert state["epoch"] == 2 and state["checkpoint"] == "checkpoints/epoch-0002.keras"
    assert sorted(p.name for p in (out / P.CHECKPOINTS).iterdir()) == ["epoch-0002.keras"]  # only the last kept
    assert state["release"]["version"] == manifest["version"] and state["release"]["release_id"] == manifest["release_id"]
    # resolved on a CPU: no mixed precision, decoding in the training process
    assert state["config"]["mixed_precision"] is False and state["config"]["workers"] == 0
    assert state["precision"] == "float32"

    rows = (out / P.LOG).read_text().splitlines()
    assert rows[0].split(",") == list(P.LOG_COLUMNS) and len(rows) == 3
    for row in state["history"]:
        for key in ("top1", "top5", "val_top1", "val_top5"):
            assert 0.0 <= row[key] <= 1.0
        assert row["top5"] >= row["top1"] and row["val_top5"] >= row["val_top1"]
        assert row["train_images"] == SMALL["steps_per_epoch"] * SMALL["batch_size"] and row["train_images_per_s"] > 0
    assert (out / P.CURVES).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    assert json.loads((out / P.LABELS).read_text()) == manifest["labels"]
    saved = json.loads((out / P.CARD).read_text())
    assert saved == card
    assert card["release"]["version"] == manifest["version"] and card["output"]["units"] == len(manifest["labels"])
    assert card["features"] == {"layer": "avg_pool", "dim": 1280, "how": card["features"]["how"]}
    assert card["input"]["shape"] == [32, 32, 3] and card["metrics"]["val_top5"] is not None

    # the throughput report: the loader alone and training, printed and in the JSON
    t = card["throughput"]
    assert t["loader"]["steps"] == SMALL["steps_per_epoch"] and t["loader"]["images_per_s"] > 0
    assert t["train_images_per_s"] > 0 and 0 <= t["data_wait_fraction"] <= 1 and t["verdict"]
    assert any(line.startswith("loader alone:") for line in lines)
    assert any(line.startswith("throughput:") for line in lines)

    # the final model has no optimizer state (a quarter of a checkpoint) and computes in float32
    assert (out / P.FINAL).stat().st_size < 0.5 * (out / state["checkpoint"]).stat().st_size


@pytest.mark.slow
def test_cli_resume_continues_exactly(straight, release, tmp_path):
    ref_out, ref_card, _ = straight
    out = tmp_path / "resumed"
    args = [str(release), "--out", str(out), "--image-size", "32", "--batch-size", "8", "--steps-per-epoch", "1",
            "--validation-steps", "1", "--verbose", "0"]
    res = runner.invoke(app, args + ["--epochs", "1"])
    assert res.exit_code == 0, res.output
    assert "images/s: loader" in res.stdout and "final model:" in res.stdout

    # a second fresh run into the same folder, or a resume that changes the computation, is refused
    again = runner.invoke(app, args + ["--epochs", "2"])
    assert isinstance(again.exception, UserError) and "--resume" in str(again.exception)
    changed = runner.invoke(app, [str(release), "--out", str(out), "--resume", "--epochs", "2", "--batch-size", "4"])
    assert isinstance(changed.exception, UserError) and "batch_size" in str(changed.exception)

    # only --epochs given: every other setting comes from the run itself
    res = runner.invoke(app, [str(release), "--out", str(out), "--resume", "--epochs", "2", "--verbose", "0",
                              "--json"])
    assert res.exit_code == 0, res.output
    card = json.loads(res.stdout)
    assert card["trained"]["epochs"] == 2

    ref, got = _weights(ref_out / P.FINAL), _weights(out / P.FINAL)
    assert ref.keys() == got.keys() and len(ref) > 300
    for name in ref:
        np.testing.assert_allclose(got[name], ref[name], rtol=0, atol=1e-6, err_msg=name)
    # the same epochs, the same metrics: epoch 2 saw the same batches and the same dropout draws
    for key in ("loss", "top1", "top5", "val_loss", "val_top1", "val_top5"):
        assert card["metrics"][key] == pytest.approx(ref_card["metrics"][key], abs=1e-6)
    history = json.loads((out / P.STATE).read_text())["history"]
    assert [r["epoch"] for r in history] == [1, 2] and len((out / P.LOG).read_text().splitlines()) == 3


@pytest.mark.slow
def test_pretrained_model_feeds_feature_extraction_and_seeds_a_new_run(straight, tmp_path):
    from cytoimagenet.suite.features import FEATURE_DIM, Extractor, efficientnet_b0, extract

    out, _, _ = straight
    ex = Extractor(weights=out / P.FINAL, batch_size=4)
    assert ex.image_size == 32 and ex.in_channels == 3  # taken from the saved model, whatever was asked
    rng = np.random.default_rng(0)
    images = [[rng.integers(0, 4096, (40, 40)).astype(np.uint16) for _ in range(2)] for _ in range(3)]
    per = extract(images, "per_channel_norm", ex, image_size=ex.image_size, batch_size=2)
    merged = extract(images, "merged", ex, image_size=ex.image_size)
    assert per.shape == (3, 2 * FEATURE_DIM) and merged.shape == (3, FEATURE_DIM)
    assert np.isfinite(per).all() and per.std() > 0

    # a new run can start from it: with another label count only the backbone (up to avg_pool) carries over
    model = efficientnet_b0(32, 3, classes=5)
    assert P.load_start_weights(model, out / P.FINAL) == "backbone"
    for layer in ("stem_conv", "top_conv"):
        np.testing.assert_array_equal(model.get_layer(layer).get_weights()[0],
                                      ex.model.get_layer(layer).get_weights()[0])
    # ... or from weights of EfficientNetB0 without its top (the shape ImageNet weights come in)
    ex.model.save_weights(tmp_path / "notop.weights.h5")
    top = model.get_layer("top_conv")
    top.set_weights([np.zeros_like(w) for w in top.get_weights()])
    assert P.load_start_weights(model, tmp_path / "notop.weights.h5") == "backbone"
    np.testing.assert_array_equal(top.get_weights()[0], ex.model.get_layer("top_conv").get_weights()[0])
    (tmp_path / "bogus.weights.h5").write_bytes(b"not hdf5")
    with pytest.raises(UserError, match="neither weights of this model nor of EfficientNetB0"):
        P.load_start_weights(model, tmp_path / "bogus.weights.h5")
    with pytest.raises(UserError, match="does not exist"):
        P.load_start_weights(model, tmp_path / "missing.weights.h5")


def test_mixed_precision_model_is_saved_computing_in_float32():
    import keras

    from cytoimagenet.suite.features import efficientnet_b0

    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        mixed = efficientnet_b0(32, 1, classes=4)
    finally:
        keras.config.set_dtype_policy("float32")
    assert mixed.get_layer("stem_conv").dtype_policy.name == "mixed_bfloat16"
    assert mixed.get_layer("predictions").dtype_policy.name == "float32"  # the softmax never runs in bfloat16
    lean = P.inference_model(mixed, 4, 32, 1)
    assert {layer.dtype_policy.name for layer in lean.layers} == {"float32"}
    for a, b in zip(lean.get_weights(), mixed.get_weights()):
        np.testing.assert_array_equal(a, b)
