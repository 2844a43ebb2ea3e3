import numpy as np
import pytest
import tifffile
from PIL import Image

from cytoimagenet.builder.image import UnreadableImage, encode_png, merge, normalise, qc_reason, read_channel, read_planes


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


def test_multipage_tiff_planes_and_12bit_depth(tmp_path):
    stack = np.stack([np.full((6, 7), v, np.uint16) for v in (100, 2000, 4000)])
    stack[:, 0, 0] = 0
    tifffile.imwrite(tmp_path / "s.tif", stack, photometric="minisblack")  # a 3-page stack, not planar RGB
    planes, bits = read_planes(tmp_path / "s.tif")
    assert len(planes) == 3 and [int(p[1, 1]) for p in planes] == [100, 2000, 4000] and bits == 16
    plane, _ = read_channel(tmp_path / "s.tif", 2)
    assert int(plane[1, 1]) == 4000
    with pytest.raises(UnreadableImage, match="name one"):
        read_channel(tmp_path / "s.tif")
    # 12-bit cameras store 0..4095 in 16-bit containers: kept at full depth, not scaled or truncated
    twelve = (np.arange(42, dtype=np.uint16) * 99).reshape(6, 7)
    tifffile.imwrite(tmp_path / "t12.tif", twelve)
    arr, bits = read_channel(tmp_path / "t12.tif")
    assert bits == 16 and arr.max() == 41 * 99 and (normalise(arr) > 0.99).sum() == 1


def test_interleaved_multichannel_tiff_and_flex_suffix(tmp_path):
    yxs = np.zeros((5, 6, 2), np.uint16)
    yxs[..., 1] = 3000
    tifffile.imwrite(tmp_path / "i.flex", yxs, photometric="minisblack", planarconfig="contig")
    planes, _ = read_planes(tmp_path / "i.flex")
    assert len(planes) == 2 and planes[1].max() == 3000 and planes[0].max() == 0


@pytest.mark.parametrize("fmt", ["JPEG", "BMP"])
def test_jpeg_and_bmp(tmp_path, fmt):
    img = np.random.default_rng(0).integers(0, 255, (16, 16), dtype=np.uint8)
    Image.fromarray(img, "L").save(tmp_path / f"x.{fmt.lower()}", format=fmt)
    arr, bits = read_channel(tmp_path / f"x.{fmt.lower()}")
    assert arr.shape == (16, 16) and bits == 8


def test_decompression_bomb_refused_before_decoding(tmp_path, monkeypatch):
    Image.fromarray(np.zeros((200, 200), np.uint8), "L").save(tmp_path / "big.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # 40,000 px is > 2x the limit: Pillow refuses to decode
    with pytest.raises(UnreadableImage, match="refused"):
        read_channel(tmp_path / "big.png")


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_histogram_percentiles_equal_numpy(dtype):
    from cytoimagenet.builder.image import percentiles

    rng = np.random.default_rng(5)
    for size in (1, 2, 7, 1000, 4099):
        top = 255 if dtype == np.uint8 else 60000
        x = rng.integers(0, top, size).astype(dtype)
        qs = (0, 0.1, 25, 50, 75, 99.9, 100)
        np.testing.assert_array_equal(percentiles(x, qs), np.percentile(x, qs))
