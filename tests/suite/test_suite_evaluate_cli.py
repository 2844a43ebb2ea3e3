import json

import numpy as np
import pandas as pd
import pytest
from suite_fixtures import rxrx1_table
from typer.testing import CliRunner

from cytoimagenet.cli.evaluate import app
from cytoimagenet.errors import UserError
from cytoimagenet.suite.evaluate import evaluate_features
from cytoimagenet.suite.report import embed_2d, write_report

runner = CliRunner()


def test_cli_json_on_planted_bbbc021_features(bbbc021_dir):
    data, feats = bbbc021_dir
    res = runner.invoke(app, ["bbbc021", "--data", str(data), "--features", str(feats), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["task"] == "bbbc021" and out["method"] == "features"
    assert out["results"]["NSC"]["accuracy"] == pytest.approx(0.5)
    assert out["results"]["NSCB"]["accuracy"] == pytest.approx(5 / 6)
    assert out["n_treatments"] == 7
    assert 0 < out["results"]["NSC"]["ci95_low"] < 0.5 < out["results"]["NSC"]["ci95_high"] < 1


def test_cli_median_and_report(bbbc021_dir, tmp_path):
    data, feats = bbbc021_dir
    out_dir = tmp_path / "report"
    res = runner.invoke(app, ["bbbc021", "--data", str(data), "--features", str(feats),
                              "--aggregate", "median", "--out", str(out_dir), "--method", "planted"])
    assert res.exit_code == 0, res.output
    assert "NSCB" in res.stdout
    report = json.loads((out_dir / "report.json").read_text())
    ev = report["evaluations"][0]
    assert ev["aggregate"] == "median" and ev["method"] == "planted"
    md = (out_dir / "report.md").read_text()
    assert "| bbbc021 | planted | NSC | 50.0% |" in md
    for name in ("confusion-bbbc021-planted-NSC.png", "confusion-bbbc021-planted-NSCB.png",
                 "embedding-bbbc021-planted.png"):
        assert (out_dir / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert name in md


def test_cli_user_errors(bbbc021_dir, tmp_path):
    data, feats = bbbc021_dir
    cases = [
        (["bbbc022", "--data", str(data), "--features", str(feats)], "unknown task 'bbbc022'"),
        (["bbbc021", "--data", str(data), "--features", str(tmp_path / "nope.parquet")], "does not exist"),
        (["bbbc021", "--data", str(tmp_path / "nodir"), "--features", str(feats)], "does not exist"),
    ]
    for args, msg in cases:
        res = runner.invoke(app, args)
        assert isinstance(res.exception, UserError), res.output
        assert msg in str(res.exception) and "\n" not in str(res.exception)
    # a missing column is named, with the file it is missing from
    table = pd.read_parquet(feats).drop(columns="Image_Metadata_Plate_DAPI")
    bad = tmp_path / "bad.parquet"
    table.to_parquet(bad)
    res = runner.invoke(app, ["bbbc021", "--data", str(data), "--features", str(bad)])
    assert isinstance(res.exception, UserError)
    assert "'Image_Metadata_Plate_DAPI'" in str(res.exception) and str(bad) in str(res.exception)
    (data / "BBBC021_v1_moa.csv").unlink()
    res = runner.invoke(app, ["bbbc021", "--data", str(data), "--features", str(feats)])
    assert "BBBC021_v1_moa.csv" in str(res.exception)


def test_evaluate_features_rxrx1_from_parquet(tmp_path):
    t = rxrx1_table()
    t = t.assign(features=[v.tolist() for v in t["features"]])
    path = tmp_path / "rxrx1.parquet"
    t.to_parquet(path)
    r = evaluate_features("RxRx1", tmp_path, path, k=1, out_dir=tmp_path / "rep")
    assert r["results"]["raw"]["accuracy"] == 0.25 and r["results"]["tvn"]["accuracy"] == 1.0
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "| rxrx1 | rxrx1 | centered | 100.0% |" in md
    json.dumps(r, allow_nan=False)


def test_report_writes_skipped_variants_and_null_for_nan(tmp_path):
    ev = {"task": "rxrx1", "method": "m", "results": {"raw": {"skipped": "no controls"}}, "x": float("nan")}
    paths = write_report(ev, tmp_path)
    assert json.loads((tmp_path / "report.json").read_text())["evaluations"][0]["x"] is None
    assert "skipped" in (tmp_path / "report.md").read_text()
    assert set(paths) == {"report.json", "report.md"}


def test_embedding_falls_back_to_pca_along_the_main_axis():
    rng = np.random.default_rng(0)
    x = np.outer(rng.normal(size=50), [3.0, 0, 0, 0]) + rng.normal(scale=0.01, size=(50, 4))
    coords, how = embed_2d(x)
    if how == "PCA":
        assert abs(np.corrcoef(coords[:, 0], x[:, 0])[0, 1]) > 0.99
    assert coords.shape == (50, 2)


def test_features_parquet_problems_are_named(tmp_path):
    from cytoimagenet.suite.evaluate import read_features

    path = tmp_path / "f.parquet"
    pd.DataFrame({"label": ["a", "b"], "features": [[1.0, 2.0], [1.0]]}).to_parquet(path)
    with pytest.raises(UserError, match="row 1 has 1 values where row 0 has 2"):
        evaluate_features("cyclops", tmp_path, path)
    pd.DataFrame({"label": ["a", "b"], "feats": [[1.0, 2.0], [1.0, 0.0]]}).to_parquet(path)
    with pytest.raises(UserError, match="missing column 'features'"):
        read_features(path)
    pd.DataFrame({"label": ["a", "b"], "features": [[1.0, np.nan], [1.0, 0.0]]}).to_parquet(path)
    with pytest.raises(UserError, match="row 0 .* NaN"):
        evaluate_features("cyclops", tmp_path, path)
    (tmp_path / "x.parquet").write_text("not parquet")
    with pytest.raises(UserError, match="not a readable parquet"):
        read_features(tmp_path / "x.parquet")
    t = pd.DataFrame({"label": ["a", "b"], "features": [np.array([1.0, 2.0]), np.array([3.0, 4.0])]})
    t.to_parquet(path)
    assert np.array_equal(np.stack(read_features(path)["features"]), [[1.0, 2.0], [3.0, 4.0]])
