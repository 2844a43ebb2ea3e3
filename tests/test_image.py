import numpy as np
import pytest
import tifffile
from PIL import Image

from cytoimagenet.builder.image import UnreadableImage, encode_png, merge, normalise, qc_reason, read_channel


def test_normalise_matches_hand_computation_on_16bit(tmp_path):
    # a 16-bit ramp far above 255: truncating to 8 bit first (the original's bug) would flatten it
    x = (np.arange(1000, dtype=np.uint16) * 60 + 300).reshape(25, 40)
    path = tmp_path / "ch.tif"
    tifffile.imwrite(path, x)
    arr, depth = read_channel(path)
    assert depth == 16 and arr.dtype == np.uint16 and arr.max() == x.max()

    flat = np.sort(x.ravel().astype(np.float64))
    # numpy's default 'linear' percentile, by hand: position p/100 * (n-1)
    def pct(p):
        pos = p / 100 * (flat.size - 1)
        lo = int(np.floor(pos))
        return flat[lo] + (flat[min(lo + 1, flat.size - 1)] - flat[lo]) * (pos - lo)

    lo, hi = pct(0.1), pct(99.9)
    expected = np.clip((x.astype(np.float64) - lo) / (hi - lo), 0, 1)
    np.testing.assert_allclose(normalise(arr), expected, atol=1e-6)
    # two channels: the mean of the normalised channels, rounded to 8 bit
    y = x[::-1].copy()
    expected_merge = np.rint((expected + np.clip((y.astype(np.float64) - lo) / (hi - lo), 0, 1)) / 2 * 255)
    out = merge([arr, y])
    assert out.dtype == np.uint8
    assert np.abs(out.astype(int) - expected_merge).max() <= 1


def test_flat_channel_normalises_to_zero_instead_of_dividing_by_zero():
    assert not normalise(np.full((8, 8), 7, np.uint16)).any()


@pytest.mark.parametrize(
    "image, reason",
    [
        (np.full((32, 32), 128, np.uint8), "uniform"),
        (np.where(np.indices((32, 32))[0] % 2 == 0, 0, 255).astype(np.uint8), "binary"),
        (np.where(np.arange(1024).reshape(32, 32) < 800, 0, np.arange(1024).reshape(32, 32) % 200 + 20).astype(np.uint8), "dim"),
    ],
)
def test_each_qc_rule_rejects_its_kind(image, reason):
    assert qc_reason(image).startswith(reason)


def test_qc_accepts_a_textured_image():
    rng = np.random.default_rng(0)
    assert qc_reason(rng.integers(0, 256, (32, 32), dtype=np.uint8)) is None


def test_rgb_becomes_mean_of_colour_planes(tmp_path):
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[..., 1] = 90
    Image.fromarray(rgb, "RGB").save(tmp_path / "c.png")
    arr, depth = read_channel(tmp_path / "c.png")
    assert arr.shape == (4, 4) and depth == 8
    np.testing.assert_allclose(arr, 30)


def test_png_16bit_read_at_full_depth(tmp_path):
    x = (np.arange(64, dtype=np.uint16) * 1000).reshape(8, 8)
    Image.fromarray(x).save(tmp_path / "d.png")
    arr, depth = read_channel(tmp_path / "d.png")
    assert depth == 16 and arr.max() == 63000


@pytest.mark.parametrize("content", [b"", b"II*\x00garbage", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_unreadable_files_raise_with_the_file_name(tmp_path, content):
    path = tmp_path / "broken.tif"
    path.write_bytes(content)
    with pytest.raises(UnreadableImage):
        read_channel(path)


def test_missing_file_is_unreadable(tmp_path):
    with pytest.raises(UnreadableImage, match="missing"):
        read_channel(tmp_path / "nope.png")


def test_png_encoding_is_deterministic_and_lossless():
    img = np.random.default_rng(1).integers(0, 256, (20, 30), dtype=np.uint8)
    a, b = encode_png(img), encode_png(img.copy())
    assert a == b
    import io

    assert (np.asarray(Image.open(io.BytesIO(a))) == img).all()
