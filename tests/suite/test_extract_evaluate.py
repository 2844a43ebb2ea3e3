"""`cytoimagenet evaluate TASK --data DIR` without --features: features extracted from the native layout."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("keras")
pytest.importorskip("torch")


@pytest.fixture(scope="module")
def bbbc021_dir(sources, tmp_path_factory):
    """The demo's BBBC021 tree without its planted unreadable rows (the real dataset has none)."""
    import shutil

    from cytoimagenet.catalog import demo

    folder = tmp_path_factory.mktemp("task") / "bbbc021"
    shutil.copytree(sources / "bbbc021", folder)
    table = pd.read_csv(folder / "BBBC021_v1_image.csv")
    bad_wells = {sid.split("-")[1] for sid in demo.BBBC021_UNREADABLE}
    table = table[~table["Image_Metadata_Well_DAPI"].isin(bad_wells)].copy()
    # NSC needs a second compound per mechanism (the real data has several): taxol on the first plate
    # becomes docetaxel, another microtubule stabilizer
    first_plate = table["Image_Metadata_Plate_DAPI"] == table["Image_Metadata_Plate_DAPI"].iloc[0]
    taxol = table["Image_Metadata_Compound"] == "taxol"
    table.loc[first_plate & taxol, "Image_Metadata_Compound"] = "docetaxel"
    table.to_csv(folder / "BBBC021_v1_image.csv", index=False)
    moa = pd.read_csv(folder / "BBBC021_v1_moa.csv")
    extra = moa[moa["compound"] == "taxol"].assign(compound="docetaxel")
    pd.concat([moa, extra]).to_csv(folder / "BBBC021_v1_moa.csv", index=False)
    return folder


def test_extracts_scores_and_reports_each_method(bbbc021_dir, tmp_path):
    import torch

    from cytoimagenet.cli.app import app

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # 2 shared cores: one thread is several times faster here
    try:
        result = CliRunner().invoke(app, [
            "evaluate", "bbbc021", "--data", str(bbbc021_dir), "--methods", "merged,per_channel_norm",
            "--image-size", "32", "--batch-size", "64", "--out", str(tmp_path / "report"),
            "--save-features", str(tmp_path / "feats"), "--json",
        ])
    finally:
        torch.set_num_threads(threads)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["weights"] == "random" and [m["method"] for m in summary["methods"]] == ["merged", "per_channel_norm"]
    for m in summary["methods"]:
        nsc = m["results"]["NSC"]
        # only the stabilizer treatments have a same-MOA neighbour of another compound
        assert nsc["n"] > 0 and 0 <= nsc["accuracy"] <= 1
    assert (tmp_path / "report" / "report.md").is_file()
    # the saved features re-score to the same answer through the --features path
    again = CliRunner().invoke(app, ["evaluate", "bbbc021", "--data", str(bbbc021_dir), "--features",
                                     str(tmp_path / "feats" / "bbbc021-merged.parquet"), "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["results"]["NSC"]["accuracy"] == summary["methods"][0]["results"]["NSC"]["accuracy"]
    # per-channel features are three 1280-d blocks
    feats = pd.read_parquet(tmp_path / "feats" / "bbbc021-per_channel_norm.parquet")
    assert len(feats["features"].iloc[0]) == 3 * 1280


def test_missing_weights_file_is_a_user_error(bbbc021_dir, tmp_path):
    from cytoimagenet.errors import UserError
    from cytoimagenet.suite.evaluate import extract_and_evaluate

    with pytest.raises(UserError, match="weights file"):
        extract_and_evaluate("bbbc021", bbbc021_dir, weights=tmp_path / "nope.keras")
    with pytest.raises(UserError, match="unknown method"):
        extract_and_evaluate("bbbc021", bbbc021_dir, methods=["sideways"])


def test_unreadable_task_images_are_left_out_counted_and_listed(bbbc021_dir, tmp_path):
    import shutil

    import torch

    from cytoimagenet.suite.evaluate import extract_and_evaluate

    folder = tmp_path / "bbbc021"
    shutil.copytree(bbbc021_dir, folder)
    table = pd.read_csv(folder / "BBBC021_v1_image.csv")
    rows = table.iloc[[0, 1]]
    gone = folder / rows.iloc[0]["Image_PathName_DAPI"].split("/")[-1] / rows.iloc[0]["Image_FileName_DAPI"]
    cut = folder / rows.iloc[1]["Image_PathName_Actin"].split("/")[-1] / rows.iloc[1]["Image_FileName_Actin"]
    gone.unlink()
    cut.write_bytes(cut.read_bytes()[:100])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        summary = extract_and_evaluate("bbbc021", folder, methods=["merged"], image_size=32, batch_size=64,
                                       out_dir=tmp_path / "report")
    finally:
        torch.set_num_threads(threads)
    method = summary["methods"][0]
    assert method["unreadable_images"] == 2 and method["n_rows"] == len(table) - 2
    assert any(gone.name in why and "missing" in why for why in method["unreadable"])
    assert any(cut.name in why for why in method["unreadable"])
    report = (tmp_path / "report" / "report.md").read_text()
    assert "Left out, unreadable (2)" in report and gone.name in report
