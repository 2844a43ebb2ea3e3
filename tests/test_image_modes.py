"""Pixel values that are not intensities as stored (palette indices, CMYK inks, colour samples, one series per
page) are read as the intensities they encode, or refused with a reason: never merged as raw values."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from PIL import Image

from cytoimagenet.builder.image import UnreadableImage, read_channel, read_planes
from cytoimagenet.builder.shard import read_sample


def _ramp(h=12, w=16) -> np.ndarray:
    return (np.arange(h * w) % 200 + 20).reshape(h, w).astype(np.uint8)


def _palette_image(values: np.ndarray, palette_rgb: np.ndarray) -> Image.Image:
    # indices 0..n-1 in reversed order of the palette entries, so reading indices as intensities is wrong
    im = Image.fromarray(values, "P")
    im.putpalette(palette_rgb.astype(np.uint8).ravel().tolist())
    return im


def test_gray_palette_png_reads_its_gray_levels_not_its_indices(tmp_path):
    indices = (np.arange(12 * 16) % 8).reshape(12, 16).astype(np.uint8)
    levels = np.array([250, 200, 150, 100, 60, 30, 10, 0])  # index i shows gray levels[i]
    _palette_image(indices, np.repeat(levels[:, None], 3, axis=1)).save(tmp_path / "p.png")
    arr, bits = read_channel(tmp_path / "p.png")
    assert bits == 8 and arr.dtype == np.uint8
    np.testing.assert_array_equal(arr, levels[indices])


def test_colour_palette_gif_named_png_reads_mean_of_its_colours(tmp_path):
    indices = (np.arange(12 * 16) % 4).reshape(12, 16).astype(np.uint8)
    palette = np.array([[255, 0, 0], [0, 90, 0], [30, 60, 90], [0, 0, 0]])
    # GIF bytes under a .png name: read by content
    _palette_image(indices, palette).save(tmp_path / "g.png", format="GIF")
    assert (tmp_path / "g.png").read_bytes()[:3] == b"GIF"
    arr, _ = read_channel(tmp_path / "g.png")
    np.testing.assert_allclose(arr, palette.mean(axis=1)[indices], atol=1e-4)


def test_palette_tiff_reads_through_its_colour_map(tmp_path):
    indices = (np.arange(12 * 16) % 4).reshape(12, 16).astype(np.uint8)
    cmap = np.zeros((3, 256), np.uint16)
    gray = np.array([60000, 40000, 1000, 0], np.uint16)
    cmap[:, :4] = gray
    tifffile.imwrite(tmp_path / "p.tif", indices, photometric="palette", colormap=cmap)
    arr, bits = read_channel(tmp_path / "p.tif")
    assert bits == 16
    np.testing.assert_array_equal(arr, gray[indices])


def test_cmyk_jpeg_is_its_rgb_rendering_not_the_mean_of_its_inks(tmp_path):
    gray = _ramp()
    rgb = Image.fromarray(np.dstack([gray] * 3), "RGB")
    rgb.convert("CMYK").save(tmp_path / "c.jpg", quality=100)
    with Image.open(tmp_path / "c.jpg") as im:
        assert im.mode == "CMYK"
    arr, _ = read_channel(tmp_path / "c.jpg")
    # bright stays bright: the ink planes' mean would be the inverted image (correlation -1)
    assert np.corrcoef(arr.ravel(), gray.ravel())[0, 1] > 0.99
    assert np.abs(arr - gray).mean() < 4


def test_rgb_tiff_listed_as_one_channel_is_the_mean_of_its_colour_planes(tmp_path):
    rgb = np.zeros((12, 16, 3), np.uint16)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 3000, 600, 0
    rgb[0, 0] = 0
    tifffile.imwrite(tmp_path / "rgb.tif", rgb, photometric="rgb")
    row = {"source_files": ["rgb.tif"], "channels": ["DNA"]}
    channels, bits = read_sample(row, tmp_path)
    assert len(channels) == 1 and bits == 16
    assert channels[0][5, 5] == pytest.approx(1200)


def test_minisblack_samples_stay_channels(tmp_path):
    # the same 3-sample layout without the RGB photometric is three channels of a stack, not colours
    data = np.zeros((12, 16, 3), np.uint16)
    data[..., 2] = 900
    tifffile.imwrite(tmp_path / "s.tif", data, photometric="minisblack", planarconfig="contig")
    planes, _ = read_planes(tmp_path / "s.tif")
    assert len(planes) == 3 and planes[2].max() == 900


def _one_series_per_page(path, n: int) -> np.ndarray:
    stack = np.stack([np.full((6, 7), 10 * i + 5, np.uint16) for i in range(n)])
    with tifffile.TiffWriter(path) as tif:
        for page in stack:
            tif.write(page)  # shaped metadata per write: every page becomes its own series
    with tifffile.TiffFile(path) as tif:
        assert len(tif.series) == n
    return stack


def test_tiff_of_one_series_per_page_is_a_stack_not_its_first_page(tmp_path):
    # the reported file had 5,000 pages; 1,500 show the same (and writing 5,000 series takes 25 s)
    stack = _one_series_per_page(tmp_path / "pages.tif", 1500)
    planes, _ = read_planes(tmp_path / "pages.tif")
    assert len(planes) == 1500 and int(planes[-1][0, 0]) == int(stack[-1, 0, 0])
    plane, _ = read_channel(tmp_path / "pages.tif", 1321)
    assert int(plane[0, 0]) == 10 * 1321 + 5
    # listed as a single channel, it is refused with the reason, never read as page 0 alone
    with pytest.raises(Exception, match="1500 planes"):
        read_sample({"source_files": ["pages.tif"], "channels": ["DNA"]}, tmp_path)


def test_tiff_named_png_is_read_by_content(tmp_path):
    x = (np.arange(12 * 16, dtype=np.uint16) * 300).reshape(12, 16)
    tifffile.imwrite(tmp_path / "really_a_tiff.png", x)
    arr, bits = read_channel(tmp_path / "really_a_tiff.png")
    assert bits == 16 and (arr == x).all()


def test_cmyk_tiff_is_refused_with_a_reason(tmp_path):
    tifffile.imwrite(tmp_path / "k.tif", np.zeros((6, 7, 4), np.uint8), photometric="separated")
    with pytest.raises(UnreadableImage, match="SEPARATED"):
        read_planes(tmp_path / "k.tif")
