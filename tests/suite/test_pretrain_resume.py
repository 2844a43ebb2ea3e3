"""Mid-epoch resume of pretraining, on CPU with a tiny setting: a run killed right after a step checkpoint and
resumed (twice: in the first epoch, then in the last) ends with exactly the weights and metrics of a run that was
never interrupted."""

import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("keras")

from test_pretrain import _weights  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from cytoimagenet.cli.pretrain import app  # noqa: E402
from cytoimagenet.suite import pretrain as P  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")

TINY = ["--image-size", "32", "--batch-size", "8", "--steps-per-epoch", "3", "--validation-steps", "1",
        "--benchmark-steps", "0", "--epochs", "2", "--verbose", "0"]
runner = CliRunner()


class Killed(Exception):
    pass


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def kill_after_step_checkpoint(monkeypatch, at: tuple[int, int]):
    """The process dies just after the step checkpoint of (epoch, step) is complete."""
    save = P._Run.save_step

    def save_then_die(self, epoch, step, seconds):
        save(self, epoch, step, seconds)
        if (epoch, step) == at:
            raise Killed(f"killed after epoch {epoch} step {step}")

    monkeypatch.setattr(P._Run, "save_step", save_then_die)


@pytest.mark.slow
def test_killed_mid_epoch_and_resumed_matches_the_uninterrupted_run(release, tmp_path, monkeypatch):
    ref = tmp_path / "straight"
    res = runner.invoke(app, [str(release), "--out", str(ref), *TINY, "--json"])  # no step checkpoints at all
    assert res.exit_code == 0, res.output
    ref_card = json.loads(res.stdout)

    out = tmp_path / "killed"
    kill_after_step_checkpoint(monkeypatch, (0, 2))
    res = runner.invoke(app, [str(release), "--out", str(out), *TINY, "--checkpoint-every", "2"])
    assert isinstance(res.exception, Killed)
    state = json.loads((out / P.STATE).read_text())
    assert (state["epoch"], state["step"]) == (0, 2) and state["checkpoint"] == "checkpoints/step-0000-000002.keras"
    assert (state["stream"]["epoch"], state["stream"]["batches"]) == (0, 2)
    assert sorted(p.name for p in (out / P.CHECKPOINTS).iterdir()) == ["step-0000-000002.keras",
                                                                        "step-0000-000002.npz"]

    # resumed in epoch 1 of 2 (its rest, then epoch 2), and killed again in epoch 2 after step 1 (step 4 overall)
    kill_after_step_checkpoint(monkeypatch, (1, 1))
    res = runner.invoke(app, [str(release), "--out", str(out), "--resume", "--verbose", "0"])
    assert isinstance(res.exception, Killed), res.output
    state = json.loads((out / P.STATE).read_text())
    assert (state["epoch"], state["step"]) == (1, 1) and [r["epoch"] for r in state["history"]] == [1]
    assert sorted(p.name for p in (out / P.CHECKPOINTS).iterdir()) == ["step-0001-000001.keras",
                                                                        "step-0001-000001.npz"]

    # fewer epochs than the one the checkpoint is in would end the run mid-epoch: refused, nothing changed
    before = (out / P.STATE).read_bytes()
    res = runner.invoke(app, [str(release), "--out", str(out), "--resume", "--epochs", "1", "--verbose", "0"])
    # (this sub-app leaves the one-line rendering of a UserError to the cytoimagenet entry point)
    assert isinstance(res.exception, P.UserError), res.output
    assert "would end the run mid-epoch: pass --epochs 2 or more" in str(res.exception)
    assert (out / P.STATE).read_bytes() == before and not (out / P.FINAL).exists()

    monkeypatch.undo()
    res = runner.invoke(app, [str(release), "--out", str(out), "--resume", "--verbose", "0", "--json"])
    assert res.exit_code == 0, res.output
    card = json.loads(res.stdout)
    assert card["trained"]["epochs"] == 2

    want, got = _weights(ref / P.FINAL), _weights(out / P.FINAL)
    assert want.keys() == got.keys() and len(want) > 300
    for name in want:  # bit-exact: CPU kernels at one thread are deterministic run to run
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
    history = json.loads((out / P.STATE).read_text())["history"]
    ref_history = json.loads((ref / P.STATE).read_text())["history"]
    for row, ref_row in zip(history, ref_history, strict=True):
        for key in ("loss", "top1", "top5", "val_loss", "val_top1", "val_top5", "train_images"):
            # an epoch's metrics are of all its steps, before and after the kill
            assert row[key] == ref_row[key], (row["epoch"], key)
    assert card["metrics"] == ref_card["metrics"]
    state = json.loads((out / P.STATE).read_text())
    assert state["step"] == 0 and sorted(p.name for p in (out / P.CHECKPOINTS).iterdir()) == ["epoch-0002.keras"]
