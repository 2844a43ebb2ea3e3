import numpy as np
import pandas as pd
import pytest

from cytoimagenet.builder.image import MIN_CROP_SIDE, SCALINGS, crop_boxes
from cytoimagenet.builder.upsample import crops_per_image, plan_crops


@pytest.mark.parametrize("height, width", [(1024, 1280), (512, 512), (300, 141), (2048, 2048)])
def test_crops_respect_size_and_quadrant_rules(height, width):
    rng = np.random.default_rng(0)
    for _ in range(200):
        boxes = crop_boxes(height, width, 4, rng)
        quadrants = []
        for scaling, x0, x1, y0, y1 in boxes:
            assert scaling in SCALINGS
            assert x1 - x0 == int(width * scaling) >= MIN_CROP_SIDE
            assert y1 - y0 == int(height * scaling) >= MIN_CROP_SIDE
            # entirely inside one quadrant
            qx, qy = int(x0 >= width // 2), int(y0 >= height // 2)
            assert (x1 <= width // 2) if qx == 0 else (x0 >= width // 2 and x1 <= width)
            assert (y1 <= height // 2) if qy == 0 else (y0 >= height // 2 and y1 <= height)
            quadrants.append((qx, qy))
        assert len(set(quadrants)) == len(quadrants)  # one crop per quadrant


def test_image_too_small_for_a_70px_crop_gets_none():
    assert crop_boxes(139, 1000, 4, np.random.default_rng(0)) == []


def test_every_scaling_is_drawn_when_the_image_allows_it():
    rng = np.random.default_rng(1)
    seen = {b[0] for _ in range(100) for b in crop_boxes(2048, 2048, 4, rng)}
    assert seen == set(SCALINGS)


def test_fewer_crops_as_the_class_grows():
    counts = [crops_per_image(n, 1000) for n in (100, 287, 400, 600, 999, 1000, 5000)]
    assert counts == [4, 3, 2, 1, 1, 0, 0]
    assert counts == sorted(counts, reverse=True)


def test_plan_crops_fills_classes_up_to_max_and_spreads_over_images():
    sel = pd.DataFrame({"label": ["a"] * 30 + ["b"] * 45 + ["c"] * 50, "source_id": "s",
                        "sample_id": [f"{i:03d}" for i in range(125)]})
    plan = plan_crops(sel, max_per_class=50, seed=0)
    sizes = plan.groupby("label").size().to_dict()
    assert sizes == {"a": 50, "b": 50, "c": 50}
    crops = plan[plan["crop"]]
    # class a: 20 crops over 30 images -> no image gets a second crop before every image has a first
    assert crops[crops["label"] == "a"].groupby("sample_id").size().max() == 1
    # a parent's n_crops equals the crops planned for it, on the whole-image row and on every crop row
    per_parent = crops.groupby("sample_id").size()
    whole = plan[~plan["crop"]].set_index("sample_id")["n_crops"]
    assert (whole.reindex(per_parent.index) == per_parent).all()
    assert not plan_crops(sel, 50, seed=1).equals(plan)
