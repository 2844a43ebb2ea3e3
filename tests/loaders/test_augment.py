"""Resize + rotation: exact on quarter turns, reflection-filled corners, the same geometry as Keras' rotation."""

import numpy as np
import pytest

from cytoimagenet import augment
from cytoimagenet.augment import inverse_matrix, resize_rotate

BACKENDS = [b for b in augment.BACKENDS if b != "cv2" or augment.cv2 is not None]


def asymmetric(side: int = 32) -> np.ndarray:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (side, side)).astype(np.uint8)
    image[2:6, 2:20] = 255  # an L in the top-left corner: any flip or wrong turn moves it
    image[2:14, 2:5] = 255
    return image


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("turns", [1, 2, 3])
def test_quarter_turns_equal_rot90(backend, turns):
    image = asymmetric()
    out = resize_rotate(image, 32, 90.0 * turns, backend=backend)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(np.rint(out).astype(np.uint8), np.rot90(image, turns))


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_rotation_no_resize_is_identity(backend):
    image = asymmetric()
    np.testing.assert_array_equal(resize_rotate(image, 32, 0.0, backend=backend), image.astype(np.float32))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("angle", [45.0, 17.3, 200.0])
def test_corners_are_reflected_not_black(backend, angle):
    flat = np.full((64, 48), 200, np.uint8)
    np.testing.assert_allclose(resize_rotate(flat, 32, angle, backend=backend), 200.0, atol=1e-3)
    # a gradient never darker than 30: the corners come from inside the image (mirrored), not from a fill value
    gradient = np.tile(np.linspace(30, 250, 64).astype(np.uint8), (64, 1))
    out = resize_rotate(gradient, 64, angle, backend=backend)
    assert out.min() >= 29.5 and out[0, 0] >= 29.5 and out[-1, -1] >= 29.5


@pytest.mark.parametrize("backend", BACKENDS)
def test_rotation_matches_scipy_reflect_as_keras_used_it(backend):
    """Keras' ImageDataGenerator rotated with scipy.ndimage.affine_transform(order=1, mode='reflect')."""
    ndimage = pytest.importorskip("scipy.ndimage")
    yy, xx = np.mgrid[0:40, 0:40]
    smooth = (120 + 80 * np.sin(xx / 5.0) * np.cos(yy / 7.0) + xx).clip(0, 255).astype(np.uint8)
    m = inverse_matrix(40, 40, 40, 30.0)
    (a, b, c), (d, e, f) = m
    # scipy works in (row, col): row' = e*row + d*col + f, col' = b*row + a*col + c
    expected = ndimage.affine_transform(smooth.astype(np.float64), [[e, d], [b, a]], [f, c], order=1, mode="reflect")
    out = resize_rotate(smooth, 40, 30.0, backend=backend)
    # OpenCV samples positions on a 1/32-pixel grid; gradients here are under 20 levels/pixel
    np.testing.assert_allclose(out, expected, atol=0.75)


def test_backends_agree_on_resize_and_rotation():
    if augment.cv2 is None:
        pytest.skip("OpenCV not installed")
    yy, xx = np.mgrid[0:100, 0:130]
    image = (128 + 60 * np.sin(xx / 9.0) + 40 * np.cos(yy / 6.0)).astype(np.uint8)
    for angle in (0.0, 33.0, 271.0):
        fast = resize_rotate(image, 48, angle, backend="cv2")
        slow = resize_rotate(image, 48, angle, backend="pil")
        np.testing.assert_allclose(fast, slow, atol=1.0)


def test_writes_into_the_given_buffer():
    out = np.empty((16, 16), np.float32)
    assert resize_rotate(asymmetric(), 16, 33.0, out=out) is out
    assert np.shares_memory(resize_rotate(asymmetric(), 16, 0.0, out=out), out)


def test_downscale_averages_instead_of_aliasing():
    stripes = np.zeros((64, 64), np.uint8)
    stripes[:, ::2] = 255  # one-pixel stripes: point sampling would give all 0 or all 255
    out = resize_rotate(stripes, 16, 0.0)
    np.testing.assert_allclose(out, 127.5, atol=1.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_tiny_and_oblong_images_upscale_with_reflection(backend):
    tiny = np.full((5, 9), 77, np.uint8)
    out = resize_rotate(tiny, 64, 45.0, backend=backend)
    assert out.shape == (64, 64)
    np.testing.assert_allclose(out, 77.0, atol=1e-3)


@pytest.mark.parametrize("backend", BACKENDS)
def test_uint8_output_is_the_rounded_float32_warp(backend):
    # the stream's default uint8 batches warp 8-bit pixels directly (OpenCV): the bytes must be exactly what
    # rounding the float32 warp gives, for downscaled, upscaled and oblong images at any angle
    from cytoimagenet.augment import Workspace, resize_rotate_uint8

    rng = np.random.default_rng(7)
    work = Workspace()
    for shape in ((300, 300), (64, 200), (40, 40), (517, 260)):
        yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
        smooth = 128 + 80 * np.sin(xx / 7.0) * np.cos(yy / 5.0)
        image = np.clip(smooth + rng.normal(0, 20, shape), 0, 255).astype(np.uint8)
        for angle in (0.0, 17.3, 90.0, 211.9, rng.uniform(0, 360)):
            expected = np.rint(resize_rotate(image, 56, angle, backend=backend))
            out = np.empty((56, 56), np.uint8)
            got = resize_rotate_uint8(image, 56, angle, out=out, backend=backend, work=work)
            assert got is out and got.dtype == np.uint8
            np.testing.assert_array_equal(got, expected.astype(np.uint8), err_msg=f"{shape} at {angle} degrees")
