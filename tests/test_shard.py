import numpy as np
import tifffile

from cytoimagenet.builder.shard import ShardTask, run_shard


def row(files, channels):
    return {"key": "k", "label": "x", "category": "compound", "path": "p", "filename": "f.png", "idx": "s-1",
            "organism": None, "cell_type": None, "cell_visible": None, "phenotype": None, "compound": "x",
            "sirna": None, "gene": None, "microscopy": "fluorescence", "source_id": "s", "sample_id": "1",
            "group": "g", "split": "train", "source_files": files, "channels": channels, "crop": False,
            "crop_index": -1, "n_crops": 0}


def task(tmp_path, r):
    return ShardTask(name="train-000000", rows=[r], source_roots={"s": str(tmp_path)},
                     entries={"s": {"database": "d", "name": "n", "dir_name": "s"}}, label_ids={"x": 0},
                     out_path=str(tmp_path / "out.tar"))


def test_stack_under_a_single_channel_name_is_quarantined_not_merged(tmp_path):
    stack = np.random.default_rng(0).integers(0, 4000, (3, 96, 96), dtype=np.uint16)
    tifffile.imwrite(tmp_path / "z.tif", stack, photometric="minisblack")  # a 3-page stack, not planar RGB
    result = run_shard(task(tmp_path, row(["z.tif"], ["DAPI"])))
    assert not result.records and "3 planes" in result.quarantine[0]["reason"]
    # declared as a container, its planes are the sample's channels
    result = run_shard(task(tmp_path, row(["z.tif"], ["all channels"])))
    assert len(result.records) == 1 and not result.quarantine
    # one named plane of it is a channel like any other
    result = run_shard(task(tmp_path, row(["z.tif#1", "z.tif#2"], ["DAPI", "Actin"])))
    assert len(result.records) == 1 and result.records[0]["source_files"] == ["z.tif#1", "z.tif#2"]
