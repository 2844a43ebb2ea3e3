"""Only safe members are ever read: no pickle, no paths out of the shard, no links, bounded images."""

import pickle
import tarfile

import numpy as np
import pytest
from loader_helpers import fake_release, member, png_bytes, write_raw_tar
from PIL import Image

from cytoimagenet.builder.shard import write_tar_atomic
from cytoimagenet.errors import UserError
from cytoimagenet.loaders import UnsafeShard, stream
from cytoimagenet.loaders.shards import decode_png, iter_shard

PNG = png_bytes(np.arange(64 * 64, dtype=np.uint8).reshape(64, 64))


class _Exploit:
    """Unpickling this writes a file: if the file appears, something unpickled a shard member."""

    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return (open, (self.target, "w"))


def good(key="a", label=b"0"):
    return [member(f"{key}.png", PNG), member(f"{key}.json", b"{}"), member(f"{key}.cls", label)]


def test_reads_what_the_builder_writes_and_skips_by_seeking(tmp_path):
    samples = [(f"k{i}", {"png": PNG, "json": b"{}", "cls": str(i % 2).encode()}) for i in range(7)]
    samples.append(("long_" + "x" * 120, {"png": PNG, "json": b"{}", "cls": b"1"}))  # a pax 'path' header
    write_tar_atomic(tmp_path / "s.tar", samples)
    got = list(iter_shard(tmp_path / "s.tar", expected=8))
    assert [s.key for s in got] == [k for k, _ in samples]
    assert all(s.png == PNG for s in got)
    assert [s.key for s in iter_shard(tmp_path / "s.tar", 3, 5)] == ["k3", "k4"]
    with pytest.raises(UserError, match="manifest.json says 9"):
        list(iter_shard(tmp_path / "s.tar", expected=9))


@pytest.mark.parametrize("ext", ["pyd", "pickle", "pth"])
def test_pickle_members_are_refused_never_loaded(tmp_path, ext):
    target = tmp_path / "pwned"
    payload = pickle.dumps(_Exploit(target))
    tar = write_raw_tar(tmp_path / "evil.tar", good("a") + [member(f"b.{ext}", payload)] + good("c"))
    with pytest.raises(UnsafeShard, match="pickle"):
        list(iter_shard(tar))
    release = fake_release(tmp_path / "rel", tar, samples=3)
    with pytest.raises(UnsafeShard, match=f"b.{ext}"):
        list(stream(release, batch_size=2, image_size=8))
    assert not target.exists()


@pytest.mark.parametrize("name,match", [
    ("../escape.png", "outside the shard"),
    ("/etc/passwd.png", "outside the shard"),
    ("sub/a.png", "no folders"),
    ("a.b.png", "no dots"),
    ("a.txt", "only png, json and cls"),
])
def test_bad_member_names_are_refused(tmp_path, name, match):
    tar = write_raw_tar(tmp_path / "bad.tar", good("a") + [member(name, PNG)])
    with pytest.raises(UnsafeShard, match=match):
        list(iter_shard(tar))


@pytest.mark.parametrize("kind,what", [
    (tarfile.SYMTYPE, "symbolic link"), (tarfile.LNKTYPE, "hard link"), (tarfile.DIRTYPE, "folder"),
    (tarfile.FIFOTYPE, "FIFO"), (tarfile.CHRTYPE, "character device"),
])
def test_non_regular_members_are_refused(tmp_path, kind, what):
    tar = write_raw_tar(tmp_path / "links.tar", good("a") + [member("b.png", kind=kind, linkname="/etc/passwd")])
    with pytest.raises(UnsafeShard, match=what):
        list(iter_shard(tar))


def test_corrupt_and_truncated_shards_are_errors(tmp_path):
    tar = write_raw_tar(tmp_path / "ok.tar", good("a") + good("b"))
    data = bytearray(tar.read_bytes())
    data[100] ^= 0xFF  # inside the first header
    (tmp_path / "corrupt.tar").write_bytes(bytes(data))
    with pytest.raises(UnsafeShard, match="checksum"):
        list(iter_shard(tmp_path / "corrupt.tar"))
    (tmp_path / "short.tar").write_bytes(tar.read_bytes()[:1024])
    with pytest.raises(UnsafeShard, match="truncated"):
        list(iter_shard(tmp_path / "short.tar"))


def test_sample_without_image_or_label_is_an_error(tmp_path):
    tar = write_raw_tar(tmp_path / "partial.tar", [member("a.png", PNG), member("a.json", b"{}")])
    with pytest.raises(UserError, match="lacks"):
        list(iter_shard(tar))


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("limit", [1000, 4000])  # Pillow itself errors past twice the limit, only warns below
def test_images_over_the_pixel_limit_are_refused(monkeypatch, limit):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)
    with pytest.raises(UnsafeShard, match="MAX_IMAGE_PIXELS"):
        decode_png(PNG, "k")


def test_only_png_is_decoded():
    import io

    buf = io.BytesIO()
    Image.new("L", (8, 8)).save(buf, format="BMP")
    with pytest.raises(UserError, match="not a PNG"):
        decode_png(buf.getvalue(), "k")
    with pytest.raises(UserError, match="does not decode"):
        decode_png(PNG[:60] + b"\0" * 40, "k")  # a PNG header over broken data


def test_sixteen_bit_png_becomes_eight_bit():
    import io

    wide = (np.arange(16 * 16, dtype=np.uint16).reshape(16, 16) * 257)
    buf = io.BytesIO()
    Image.fromarray(wide).save(buf, format="PNG")
    out = decode_png(buf.getvalue(), "k")
    assert out.dtype == np.uint8 and out.max() == 255 and out[0, 1] == 1


@pytest.mark.parametrize("decoder", ["pil", "wuffs"])
def test_decoders_agree_bit_for_bit(decoder):
    from cytoimagenet.loaders.shards import wuffs_available

    if decoder == "wuffs" and not wuffs_available():
        pytest.skip("pywuffs not installed")
    rng = np.random.default_rng(3)
    image = (rng.normal(60, 20, (70, 90)).clip(0, 255)).astype(np.uint8)
    np.testing.assert_array_equal(decode_png(png_bytes(image), "k", decoder), image)


def test_colour_png_becomes_luminance():
    import io

    rgb = np.zeros((8, 8, 3), np.uint8)
    rgb[..., 1] = 200
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    out = decode_png(buf.getvalue(), "k")
    assert out.shape == (8, 8) and out.dtype == np.uint8
    assert out[0, 0] == np.asarray(Image.fromarray(rgb).convert("L"))[0, 0]


def test_deferred_samples_read_their_exact_bytes_after_the_reader_moved_on(tmp_path):
    pngs = [png_bytes(np.full((8 + i, 8), i, np.uint8)) for i in range(6)]
    write_tar_atomic(tmp_path / "s.tar", [(f"k{i}", {"png": p, "json": b"{}", "cls": b"0"}) for i, p in enumerate(pngs)])
    held = list(iter_shard(tmp_path / "s.tar", 1, None, expected=6, deferred=True))  # the shard is fully parsed
    assert [r.png for r in held] == [None] * 5
    for raw in reversed(held):  # any order, as a shuffle buffer draws them
        i = int(raw.key[1:])
        assert raw.read_png() == pngs[i]
        assert decode_png(raw.read_png(), raw.key).shape == (8 + i, 8)
    fh = held[0].file.fh
    del held, raw
    assert fh.closed  # the shard closes with its last sample


def test_deferred_reader_still_refuses_a_truncated_shard(tmp_path):
    pngs = [png_bytes(np.full((64, 64), i, np.uint8)) for i in range(3)]
    write_tar_atomic(tmp_path / "s.tar", [(f"k{i}", {"png": p, "json": b"{}", "cls": b"0"}) for i, p in enumerate(pngs)])
    data = (tmp_path / "s.tar").read_bytes()
    (tmp_path / "cut.tar").write_bytes(data[:len(data) // 2])
    with pytest.raises(UserError, match="truncated"):
        list(iter_shard(tmp_path / "cut.tar", deferred=True))


def test_shard_writer_streams_samples_and_leaves_nothing_when_they_fail(tmp_path):
    made = []

    def samples(fail_at=None):
        for i in range(4):
            if i == fail_at:
                raise PermissionError(13, "Permission denied", f"source_{i}.tif")
            made.append(i)
            yield f"k{i}", {"png": PNG, "json": b"{}", "cls": b"0"}

    write_tar_atomic(tmp_path / "a.tar", samples())
    write_tar_atomic(tmp_path / "b.tar", list(samples()))
    assert (tmp_path / "a.tar").read_bytes() == (tmp_path / "b.tar").read_bytes()  # a generator writes the same bytes
    # an error from reading a source is that error, not a "cannot write shard", and no temp or partial shard stays
    with pytest.raises(PermissionError, match="source_2"):
        write_tar_atomic(tmp_path / "c.tar", samples(fail_at=2))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tar", "b.tar"]
