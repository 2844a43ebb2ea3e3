"""state.json through the typed RunState: the keys and their order are the file format, so a state read and
written back is the same file, and the mid-epoch fields appear only once a checkpoint exists."""

import json

import pytest

from cytoimagenet.errors import UserError
from cytoimagenet.suite import pretrain as P


def _fresh():
    return P.RunState(config={"seed": 0}, precision="float32", init="random", release={"release_id": "r"},
                      software={"python": "3"}, throughput={"device": {"device": "cpu"}})


def test_a_run_without_checkpoint_has_no_position_and_round_trips(tmp_path):
    state = _fresh()
    state.write(tmp_path)
    text = (tmp_path / P.STATE).read_text()
    assert list(json.loads(text)) == ["format", "epoch", "checkpoint", "config", "precision", "init", "release",
                                      "history", "throughput", "software"]
    again = P.RunState.from_json(P.read_state(tmp_path), tmp_path / P.STATE)
    assert again == state
    again.write(tmp_path)
    assert (tmp_path / P.STATE).read_text() == text


def test_a_step_checkpoint_names_its_position_after_the_other_fields(tmp_path):
    state = _fresh()
    state.checkpoint, state.step, state.step_state = "checkpoints/step-0000-000002.keras", 2, "checkpoints/s.npz"
    state.stream, state.partial = {"epoch": 0, "batches": 2}, {"wait": 0.0, "images": 16, "train_seconds": 1.0}
    out = state.to_json()
    assert list(out)[-4:] == ["step", "step_state", "stream", "partial"] and out["step"] == 2
    assert P.RunState.from_json(out, tmp_path) == state


def test_an_incomplete_state_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="'precision' missing"):
        P.RunState.from_json({"format": 1, "config": {}, "init": "random", "release": {}, "software": {}}, tmp_path)
