"""Fixtures for the transfer-suite tests; the tables themselves are built in suite_fixtures.py."""

import pytest
from suite_fixtures import BBBC021_IMAGE_COLUMNS, bbbc021_tables


@pytest.fixture
def bbbc021_dir(tmp_path):
    """A BBBC021 data folder (image + MOA CSVs) and a planted features parquet beside it."""
    images, moa = bbbc021_tables()
    data = tmp_path / "BBBC021"
    data.mkdir()
    images[BBBC021_IMAGE_COLUMNS].to_csv(data / "BBBC021_v1_image.csv", index=False)
    moa.to_csv(data / "BBBC021_v1_moa.csv", index=False)
    feats = tmp_path / "features.parquet"
    images.assign(features=[v.tolist() for v in images["features"]]).to_parquet(feats)
    return data, feats
