"""Streaming throughput and memory of `cytoimagenet.loaders.stream`, side by side with the alternatives.

    python benchmarks/bench_stream.py                 # full run (~5 min on 2 cores)
    python benchmarks/bench_stream.py --quick         # smaller, for a smoke check
    python benchmarks/bench_stream.py --peers         # also vs webdataset, MosaicML streaming, LitData
    python benchmarks/bench_stream.py --peers-only    # that comparison alone

Everything runs in this one process (the memory figures in fresh child processes, so each peak is its own), on
the same synthetic release: N grayscale 512x512 images (RxRx1's size) of cells with shot and camera noise,
percentile-normalised to 8 bit as the builder does (~0.5 bytes/pixel as PNG, like the demo release's images),
written as real release shards (`data/train-*.tar`, manifest.json). All pipelines produce 224x224 images, the
training size. Single-process throughput ("one core") is samples per CPU-second of the process (time.process_time), the best of
`--rounds` interleaved rounds: a busy neighbour on a shared machine then changes little. The DataLoader figures are
wall-clock (they are about using more cores), so they need free cores to mean anything: the load average is printed.

(a) stream vs the bound: the same shards read with the same tar reader and decoded (PNG -> uint8) by the same
    decoder, nothing else. The stream decodes 8-bit gray PNGs with Wuffs when pywuffs is installed (`--decoder pil`
    measures everything with Pillow instead); the Pillow bound is printed for reference.
(b) stream vs `datasets` streaming (`load_dataset("webdataset", streaming=True)`, shuffled with the same buffer)
    with the identical resize+rotate applied to each decoded image.
(c) stream vs the original project's way: one PNG file per image in class folders, read one by one with PIL,
    resized and rotated as Keras' `ImageDataGenerator(rotation_range=360, fill_mode="reflect", rescale=1/255)
    .flow_from_dataframe(color_mode="rgb", interpolation="bilinear", target_size=(224, 224))` does -- the original
    training's settings (it fed EfficientNetB0 3-channel input). `keras_preprocessing` (Keras 2's implementation)
    is used when installed, else the same steps re-implemented below. Both sides produce the identical tensor:
    (64, 224, 224, 3) float32 in [0, 1]. The grayscale variant (1 channel both sides) is printed too.
(d) torch DataLoader with 2 workers vs 1 worker (the ratio is bounded by the free cores).
(e) peak RSS of one epoch of `stream` at 2k and 20k samples.
(h) stream on training-size shards vs on the full shards of the same release, and their storage overhead
    (benchmarks/bench_training_shards.py).

With --peers (in the benchmark environment of benchmarks/README.md, where the peers are installed):
(f) stream vs the webdataset library's pipeline (`wds.WebDataset(...).shuffle(1000)` over the canonical shards),
    MosaicML streaming (`StreamingDataset` over MDS) and LitData (`StreamingDataset` over its chunks): the two that
    read only their own formats get one converted, untimed, from the same samples' PNG bytes. Every peer hands its
    PNG bytes to the stream's decoder and its warp (resize_rotate_uint8) into a preallocated batch, so only the
    reading, shuffling and sample plumbing differ. Interleaved rounds, CPU-time and wall-clock figures.
(g) peak RSS of each over the same samples, each in a fresh process.
A peer that is not installed is skipped with a one-line note; without --peers the whole comparison is.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

SIDE = 512
SIZE = 224
BATCH = 64
POOL = 96  # distinct images; samples reuse them under their own keys


# ------------------------------------------------------------------------------------------ synthetic release


def synth_image(rng: np.random.Generator, side: int = SIDE) -> np.ndarray:
    from scipy import ndimage

    signal = np.zeros((side, side), np.float32)
    n = int(rng.integers(30, 90))
    signal[rng.integers(0, side, n), rng.integers(0, side, n)] = rng.uniform(0.5, 2.0, n)
    signal = ndimage.gaussian_filter(signal, rng.uniform(6, 12)) * 2e5
    counts = rng.poisson(signal + 5.0).astype(np.float32) + rng.normal(100.0, 2.0, signal.shape)
    lo, hi = np.percentile(counts, (0.1, 99.9))
    return np.clip((counts - lo) / (hi - lo) * 255.0, 0, 255).round().astype(np.uint8)


def png_pool(rng: np.random.Generator, n: int | None = None) -> list[bytes]:
    """`n` (default POOL) distinct synthetic images as PNG (Pillow, level 6): the samples' bytes cycle through them."""
    pngs = []
    for _ in range(POOL if n is None else n):
        buf = io.BytesIO()
        Image.fromarray(synth_image(rng)).save(buf, format="PNG", compress_level=6)
        pngs.append(buf.getvalue())
    return pngs


def _record(key: str, label: str, split: str) -> bytes:
    """A schema-valid record (filled field by field, so the benchmark follows schema changes)."""
    import typing

    from cytoimagenet.validation.schema import SampleRecord

    values = {}
    for name, field in SampleRecord.model_fields.items():
        if not field.is_required():
            continue
        ann = field.annotation
        if typing.get_origin(ann) is typing.Literal:
            values[name] = typing.get_args(ann)[0]
        elif typing.get_origin(ann) is list:
            values[name] = [f"images/{key}_w1.png"]
        elif ann is int:
            values[name] = SIDE if name in ("height", "width") else 8
        else:
            values[name] = key
    values.update(key=key, label=label, category="sirna", split=split, filename=f"{key}.png",
                  source_files=[f"images/{key}_w1.png"], channels=["Hoechst"], microscopy="fluorescence")
    return SampleRecord(**values).to_json_bytes()


def make_release(out: Path, n: int, pngs: list[bytes], n_labels: int = 16, shard_size: int = 1000) -> Path:
    from cytoimagenet.builder.shard import write_tar_atomic
    from cytoimagenet.validation.schema import BuildConfig, Manifest, ShardEntry

    labels = [f"s{i:05d}" for i in range(n_labels)]
    entries = []
    for start in range(0, n, shard_size):
        name = f"train-{start // shard_size:06d}"
        samples = []
        for i in range(start, min(n, start + shard_size)):
            key = f"bench_{i:07d}"
            label = i % n_labels
            samples.append((key, {"png": pngs[i % len(pngs)], "json": _record(key, labels[label], "train"),
                                  "cls": str(label).encode()}))
        sha, size = write_tar_atomic(out / "data" / f"{name}.tar", samples)
        entries.append(ShardEntry(path=f"data/{name}.tar", split="train", sha256=sha, bytes=size, samples=len(samples)))
    manifest = Manifest(name="bench", version="0.0.0", release_id="bench", config=BuildConfig(shard_size=shard_size),
                        labels=labels, splits={"train": n, "validation": 0}, shards=entries)
    (out / "manifest.json").write_text(manifest.model_dump_json(indent=2))
    return out


def make_folders(out: Path, n: int, pngs: list[bytes], n_labels: int = 16):
    """The original layout: one PNG per image, one folder per class, and the dataframe naming them."""
    import pandas as pd

    rows = []
    for i in range(n):
        label = f"s{i % n_labels:05d}"
        path = out / label / f"bench_{i:07d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pngs[i % len(pngs)])
        rows.append({"filename": str(path), "label": label})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------ the pipelines


def run_bound(release: Path, n: int, decoder: str = "auto") -> int:
    """Read the tar and decode the PNGs: the ceiling for any pipeline that decodes every image."""
    from cytoimagenet.loaders.shards import decode_png, iter_shard
    from cytoimagenet.loaders.streaming import resolve

    done = 0
    for shard in resolve(release, "train").shards:
        for raw in iter_shard(shard.path, 0, None, shard.samples):
            decode_png(raw.png, raw.key, decoder)
            done += 1
            if done == n:
                return done
    return done


def run_stream(release: Path, n: int, epoch: int = 0, decoder: str = "auto", **kw) -> int:
    from cytoimagenet.loaders import stream

    done = 0
    for images, labels in stream(release, batch_size=BATCH, image_size=SIZE, epoch=epoch, decoder=decoder, **kw):
        done += len(labels)
        if done >= n:
            break
    return done


def run_datasets(release: Path, n: int, epoch: int = 0) -> int:
    """`datasets` streaming over the same shards, shuffled alike, with the identical resize + rotation."""
    from datasets import load_dataset

    from cytoimagenet.loaders.augment import Workspace, resize_rotate_uint8
    from cytoimagenet.loaders.streaming import _angle

    files = sorted(str(p) for p in (release / "data").glob("train-*.tar"))
    ds = load_dataset("webdataset", data_files={"train": files}, split="train", streaming=True)
    ds = ds.shuffle(seed=epoch, buffer_size=1000)
    images, labels, done = [], [], 0
    work = Workspace()
    for ex in ds:
        pixels = np.asarray(ex["png"].convert("L"))
        images.append(resize_rotate_uint8(pixels, SIZE, _angle(0, epoch, ex["__key__"]), work=work))
        labels.append(int(ex["cls"]))
        if len(images) == BATCH:
            np.stack(images), np.asarray(labels)
            done += len(images)
            images, labels = [], []
            if done >= n:
                break
    return done


def keras_original_iterator(df, color_mode: str, seed: int):
    """Keras' ImageDataGenerator.flow_from_dataframe with the original training's settings."""
    try:
        from keras_preprocessing.image import ImageDataGenerator
    except ImportError:
        return _KerasLikeIterator(df, color_mode, seed), "re-implementation of keras_preprocessing 1.1.2"
    gen = ImageDataGenerator(rotation_range=360, fill_mode="reflect", rescale=1 / 255.0)
    it = gen.flow_from_dataframe(df, x_col="filename", y_col="label", target_size=(SIZE, SIZE), color_mode=color_mode,
                                 interpolation="bilinear", batch_size=BATCH, class_mode="sparse", shuffle=True,
                                 seed=seed, validate_filenames=False)
    return it, "keras_preprocessing.image.ImageDataGenerator.flow_from_dataframe"


class _KerasLikeIterator:
    """keras_preprocessing 1.1.2's per-image path, step for step: load_img (file read, PIL open, convert, bilinear
    resize), img_to_array (float32), get_random_transform (theta ~ U(-360, 360)), apply_affine_transform
    (scipy.ndimage.affine_transform per channel, order 1, mode 'reflect'), standardize (rescale)."""

    def __init__(self, df, color_mode: str, seed: int):
        self.files, self.labels = list(df["filename"]), np.asarray(df["label"].astype("category").cat.codes)
        self.color_mode, self.rng = color_mode, np.random.RandomState(seed)
        self.order = self.rng.permutation(len(self.files))
        self.pos = 0

    def __iter__(self):
        return self

    def _one(self, path: str) -> np.ndarray:
        from scipy import ndimage

        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
            mode = "RGB" if self.color_mode == "rgb" else "L"
            if img.mode != mode:
                img = img.convert(mode)
            if img.size != (SIZE, SIZE):
                img = img.resize((SIZE, SIZE), Image.Resampling.BILINEAR)
        x = np.asarray(img, dtype=np.float32)
        if x.ndim == 2:
            x = x[..., None]
        theta = np.deg2rad(self.rng.uniform(-360, 360))
        rot = np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]])
        h, w = x.shape[0], x.shape[1]
        ox, oy = float(h) / 2 + 0.5, float(w) / 2 + 0.5
        m = np.array([[1, 0, ox], [0, 1, oy], [0, 0, 1]]) @ rot @ np.array([[1, 0, -ox], [0, 1, -oy], [0, 0, 1]])
        x = np.rollaxis(x, 2, 0)
        channels = [ndimage.affine_transform(c, m[:2, :2], m[:2, 2], order=1, mode="reflect", cval=0.0) for c in x]
        x = np.rollaxis(np.stack(channels, axis=0), 0, 3)
        return x * (1 / 255.0)

    def __next__(self):
        idx = [self.order[(self.pos + i) % len(self.order)] for i in range(BATCH)]
        self.pos += BATCH
        channels = 3 if self.color_mode == "rgb" else 1
        batch = np.zeros((BATCH, SIZE, SIZE, channels), dtype=np.float32)
        for i, j in enumerate(idx):
            batch[i] = self._one(self.files[j])
        return batch, self.labels[idx].astype(np.float32)


def run_original(df, n: int, color_mode: str, seed: int) -> int:
    it, _ = keras_original_iterator(df, color_mode, seed)
    done = 0
    while done < n:
        x, y = next(it)
        done += len(x)
    return done


def run_loader(release: Path, n: int, workers: int, epoch: int = 0, decoder: str = "auto") -> int:
    from cytoimagenet.loaders import stream

    s = stream(release, batch_size=BATCH, image_size=SIZE, epoch=epoch, decoder=decoder)
    done = 0
    for images, labels in s.loader(num_workers=workers):
        done += len(labels)
    return done


# ------------------------------------------------------------------------------------------ the peers (--peers)
#
# Every peer hands (key, PNG bytes, label) to `_peer_batches`, which decodes with the stream's decoder and warps with
# the stream's resize + rotation into a preallocated batch, exactly as the stream does: only the reading, shuffling
# and sample plumbing of each library differ. webdataset reads the canonical shards; MosaicML streaming and LitData
# read only their own formats (MDS, LitData chunks), converted once, untimed, from the same samples' PNG bytes.

PEERS = ("webdataset", "mosaicml", "litdata")


def _import_mosaic():
    import types

    # streaming/__init__ imports its vision and multimodal subpackages, which import torchvision, whose PyPI wheel
    # is a CUDA build that cannot load beside the CPU torch wheel; neither subpackage is used here
    for name in ("streaming.vision", "streaming.multimodal"):
        sys.modules.setdefault(name, types.ModuleType(name))
    import streaming

    return streaming


def peer_missing(name: str) -> str | None:
    """Why the peer cannot run here, or None."""
    module = {"webdataset": "webdataset", "mosaicml": "streaming", "litdata": "litdata"}[name]
    try:
        _import_mosaic() if name == "mosaicml" else __import__(module)
    except Exception as exc:  # an absent peer, or one that cannot import beside this environment's pins
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


def _canonical_samples(release: Path):
    from cytoimagenet.loaders.shards import iter_shard, parse_label
    from cytoimagenet.loaders.streaming import resolve

    for shard in resolve(release, "train").shards:
        for raw in iter_shard(shard.path, 0, None, shard.samples):
            yield raw.key, raw.png, parse_label(raw.cls, raw.key)


def convert_mds(release: Path, out: Path) -> Path:
    """MosaicML's MDS format: the same PNG bytes as raw `bytes` (its `png` encoding would decode them with Pillow)."""
    from streaming import MDSWriter

    shutil.rmtree(out, ignore_errors=True)
    with MDSWriter(out=str(out), columns={"key": "str", "png": "bytes", "cls": "int"}, compression=None,
                   size_limit=1 << 27) as writer:
        for key, png, cls in _canonical_samples(release):
            writer.write({"key": key, "png": png, "cls": cls})
    return out


def _litdata_shard(path: str):
    from cytoimagenet.loaders.shards import iter_shard, parse_label

    for raw in iter_shard(Path(path)):
        yield {"key": raw.key, "png": raw.png, "cls": parse_label(raw.cls, raw.key)}


def convert_litdata(release: Path, out: Path) -> Path:
    """LitData's chunked format (`litdata.optimize`), one input per canonical shard, the PNG bytes kept as bytes."""
    import litdata

    from cytoimagenet.loaders.streaming import resolve

    shutil.rmtree(out, ignore_errors=True)
    inputs = [str(s.path) for s in resolve(release, "train").shards]
    litdata.optimize(fn=_litdata_shard, inputs=inputs, output_dir=str(out), chunk_bytes="128MB", num_workers=1,
                     mode="overwrite")
    return out


def _peer_batches(samples, n: int, epoch: int, decoder: str, keep: dict | None = None) -> int:
    """Decode, warp and batch `n` of `samples` ((key, PNG bytes, label)); `keep` (a test's) collects key -> image."""
    from cytoimagenet.loaders.augment import Workspace, resize_rotate_uint8
    from cytoimagenet.loaders.shards import decode_png
    from cytoimagenet.loaders.streaming import _angle

    work = Workspace()
    images = np.empty((BATCH, SIZE, SIZE), np.uint8)
    labels = np.empty(BATCH, np.int64)
    i = done = 0
    for key, png, cls in samples:
        resize_rotate_uint8(decode_png(png, key, decoder), SIZE, _angle(0, epoch, key), out=images[i], work=work)
        labels[i] = cls
        if keep is not None:
            keep[key] = images[i].copy()
        i += 1
        if i == BATCH:
            done += BATCH
            i = 0
            if done >= n:
                break
    return done


def run_webdataset(release: Path, n: int, epoch: int = 0, decoder: str = "auto", keep: dict | None = None) -> int:
    """The webdataset library's own pipeline over the canonical shards: shard shuffle, a 1,000-sample buffer."""
    import webdataset as wds

    files = sorted(str(p) for p in (release / "data").glob("train-*.tar"))
    ds = wds.WebDataset(files, shardshuffle=len(files), seed=epoch, empty_check=False).shuffle(1000, seed=epoch)
    return _peer_batches(((s["__key__"], s["png"], int(s["cls"])) for s in ds), n, epoch, decoder, keep)


def run_mosaicml(mds: Path, n: int, epoch: int = 0, decoder: str = "auto") -> int:
    streaming = _import_mosaic()

    ds = streaming.StreamingDataset(local=str(mds), shuffle=True, shuffle_seed=epoch, batch_size=BATCH)
    try:
        return _peer_batches(((s["key"], s["png"], s["cls"]) for s in ds), n, epoch, decoder)
    finally:
        del ds


def run_litdata(chunks: Path, n: int, epoch: int = 0, decoder: str = "auto") -> int:
    import litdata

    ds = litdata.StreamingDataset(input_dir=str(chunks), shuffle=True, seed=epoch)
    return _peer_batches(((s["key"], s["png"], s["cls"]) for s in ds), n, epoch, decoder)


def run_ceiling(samples: list, n: int, epoch: int = 0, decoder: str = "auto") -> int:
    """Decode + warp + batch of PNG bytes already in memory: no reading, no shuffle. No pipeline that decodes and
    warps every image with these functions can pass it, so it caps every ratio of (f)."""
    return _peer_batches(iter(samples), n, epoch, decoder)


def with_training_shards(release: Path, out: Path) -> Path:
    """A second release of the same samples that also has 224 px training-size shards: its full shards are hard
    links to `release`'s, its manifest a copy that lists data/224/ (the original release is left as it is)."""
    from bench_training_shards import add_training_shards

    if out.exists():
        shutil.rmtree(out)
    for f in sorted(release.rglob("*")):
        if f.is_file():
            target = out / f.relative_to(release)
            target.parent.mkdir(parents=True, exist_ok=True)
            if f.suffix == ".tar":
                os.link(f, target)
            else:
                shutil.copyfile(f, target)
    add_training_shards(out, SIZE)
    return out


def peer_runner(name: str, release: Path, formats: dict):
    """(function, its input) for a pipeline of the peer comparison."""
    return {"ceiling": (run_ceiling, formats.get("ceiling")), "stream": (run_stream, release),
            "stream-224": (run_stream, formats.get("stream-224")), "webdataset": (run_webdataset, release),
            "mosaicml": (run_mosaicml, formats.get("mosaicml")), "litdata": (run_litdata, formats.get("litdata"))}[name]


def peer_memory_child(name: str, release: str, data: str, n: int, decoder: str) -> None:
    """`n` samples of one pipeline in a fresh process: print its peak RSS (MiB) and the RSS after a first batch
    (which pays the imports each pipeline makes lazily)."""
    fn = peer_runner(name, Path(release), {name: Path(data)})[0]
    fn(Path(data), BATCH, decoder=decoder)
    before = _status_mib("VmRSS")
    done = fn(Path(data), n, epoch=1, decoder=decoder)
    print(json.dumps({"samples": done, "rss_before_mib": before, "peak_rss_mib": _status_mib("VmHWM")}))


# ------------------------------------------------------------------------------------------ measuring


def timed(fn, *args, **kw) -> float:
    """Samples per CPU-second of this process: single-core throughput that a busy neighbour does not distort."""
    t = time.process_time()
    done = fn(*args, **kw)
    return done / (time.process_time() - t)


def timed_wall(fn, *args, **kw) -> float:
    t = time.perf_counter()
    done = fn(*args, **kw)
    return done / (time.perf_counter() - t)


def best_of(results: dict[str, list[float]], name: str) -> float:
    return max(results[name])


def _status_mib(field: str) -> float:
    # VmHWM belongs to the address space, which exec replaces: unlike ru_maxrss it does not inherit the parent's peak
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_child(release: str, decoder: str) -> None:
    """One epoch of `stream` in a fresh process: print the peak RSS (MiB) and the RSS before iterating."""
    from cytoimagenet.loaders import stream

    s = stream(release, batch_size=BATCH, image_size=SIZE, decoder=decoder)
    before = _status_mib("VmRSS")
    n = 0
    for images, labels in s:
        n += len(labels)
    print(json.dumps({"samples": n, "rss_before_mib": before, "peak_rss_mib": _status_mib("VmHWM")}))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def core_comparison(args, release: Path, df, dec: str, pngs: list[bytes], work: Path) -> None:
    """(a)-(e): the stream against its bound, `datasets`, the original way, its DataLoader, its memory."""
    n = args.samples
    # warm the page cache and imports once, untimed
    run_bound(release, n, dec)
    run_stream(release, BATCH, decoder=dec)
    run_datasets(release, BATCH)
    run_original(df, BATCH, "rgb", 0)

    names = ["bound", "bound_pil", "stream", "datasets", "stream_rgb_f32", "original_rgb", "stream_gray_f32", "original_gray",
             "loader1", "loader2"]
    results: dict[str, list[float]] = {k: [] for k in names}
    m = args.original_samples
    for r in range(args.rounds):
        results["bound"].append(timed(run_bound, release, n, dec))
        results["bound_pil"].append(timed(run_bound, release, n, "pil"))
        results["stream"].append(timed(run_stream, release, n, epoch=r, decoder=dec))
        results["datasets"].append(timed(run_datasets, release, n, epoch=r))
        # whole epochs for the stream: stopping early would leave its shuffle buffer's read-ahead unused
        results["stream_rgb_f32"].append(timed(run_stream, release, n, epoch=r, decoder=dec, channels=3, dtype="float32"))
        results["original_rgb"].append(timed(run_original, df, m, "rgb", r))
        results["stream_gray_f32"].append(timed(run_stream, release, n, epoch=r, decoder=dec, dtype="float32"))
        results["original_gray"].append(timed(run_original, df, m, "grayscale", r))
        results["loader1"].append(timed_wall(run_loader, release, n, 1, epoch=r, decoder=dec))
        results["loader2"].append(timed_wall(run_loader, release, n, 2, epoch=r, decoder=dec))
        print(f"round {r + 1}/{args.rounds}: " + ", ".join(f"{k} {v[-1]:.0f}/s" for k, v in results.items()), flush=True)

    b = {k: best_of(results, k) for k in names}
    ra = b["stream"] / b["bound"]
    rb = b["stream"] / b["datasets"]
    rc = b["stream_rgb_f32"] / b["original_rgb"]
    rc_gray = b["stream_gray_f32"] / b["original_gray"]
    rd = b["loader2"] / b["loader1"]
    print()
    print(f"(a) stream {b['stream']:.0f} samples/s vs bound (tar read + PNG decode) {b['bound']:.0f} samples/s: "
          f"{ra:.2f} of the bound (target >= 0.85) {verdict(ra >= 0.85)}")
    print(f"    for reference, tar read + Pillow PNG decode: {b['bound_pil']:.0f} samples/s")
    print(f"(b) stream {b['stream']:.0f} samples/s vs datasets streaming + same resize/rotate {b['datasets']:.0f} "
          f"samples/s: {rb:.2f}x (target >= 1.5x) {verdict(rb >= 1.5)}")
    print(f"(c) stream {b['stream_rgb_f32']:.0f} samples/s vs original Keras way {b['original_rgb']:.0f} samples/s "
          f"(rgb float32 [0,1], as trained): {rc:.2f}x (target >= 3x) {verdict(rc >= 3)}")
    print(f"    grayscale variant: stream {b['stream_gray_f32']:.0f} vs original {b['original_gray']:.0f} samples/s: "
          f"{rc_gray:.2f}x")
    print(f"(d) DataLoader 2 workers {b['loader2']:.0f} samples/s vs 1 worker {b['loader1']:.0f} samples/s: {rd:.2f}x "
          f"(target ~2x on >= 2 free cores; load average now {os.getloadavg()[0]:.1f}) {verdict(rd >= 1.7)}")

    mem = {}
    for size in args.memory_sizes:
        rel = make_release(work / f"release-{size}", size, pngs)
        out = subprocess.run([sys.executable, __file__, "--memory-child", str(rel), "--decoder", dec],
                             capture_output=True, text=True, check=True)
        mem[size] = json.loads(out.stdout.strip().splitlines()[-1])
        shutil.rmtree(rel)
    small, large = (mem[s] for s in args.memory_sizes)
    growth = large["peak_rss_mib"] / small["peak_rss_mib"]
    print(f"(e) peak RSS of one epoch: {small['peak_rss_mib']:.0f} MiB at {args.memory_sizes[0]} samples, "
          f"{large['peak_rss_mib']:.0f} MiB at {args.memory_sizes[1]} samples ({growth:.2f}x for "
          f"{args.memory_sizes[1] / args.memory_sizes[0]:.0f}x the data; RSS before iterating "
          f"{small['rss_before_mib']:.0f} MiB) {verdict(growth < 1.15)}")


PEER_NAMES = {"webdataset": "webdataset", "mosaicml": "MosaicML streaming", "litdata": "LitData"}


def peer_comparison(args, release: Path, dec: str, work: Path) -> None:
    """(f)-(g): the stream against the peers, all with the same decoder and warp, interleaved rounds, then the peak
    RSS of each over the same samples in a fresh process."""
    n = args.samples
    names = ["stream"]
    for peer in PEERS:
        missing = peer_missing(peer)
        if missing:
            print(f"peer {PEER_NAMES[peer]}: skipped ({missing})")
        else:
            names.append(peer)
    formats = {}
    t0 = time.perf_counter()
    if "mosaicml" in names:
        formats["mosaicml"] = convert_mds(release, work / "mds")
    if "litdata" in names:
        formats["litdata"] = convert_litdata(release, work / "litdata")
    versions = []
    for peer in names[1:]:
        from importlib.metadata import version

        versions.append(f"{PEER_NAMES[peer]} {version({'mosaicml': 'mosaicml-streaming'}.get(peer, peer))}")
    own = [f"{PEER_NAMES[k]} to {'MDS' if k == 'mosaicml' else 'its chunks'}" for k in formats]
    print(f"peers: {', '.join(versions) or 'none'}; webdataset reads the canonical shards; converted from them, "
          f"untimed: {', '.join(own) or 'nothing'} ({time.perf_counter() - t0:.0f}s)", flush=True)
    formats["ceiling"] = [s for _, s in zip(range(n), _canonical_samples(release))]
    names.insert(0, "ceiling")
    # the stream as a release built with training-size shards serves it (bench_training_shards.py), against the
    # peers reading the canonical shards: the way the stream leads, by decoding fewer pixels
    formats["stream-224"] = with_training_shards(release, work / "release-224")
    names.insert(2, "stream-224")
    for name in names:  # warm the page cache and imports once, untimed
        fn, data = peer_runner(name, release, formats)
        fn(data, BATCH, decoder=dec)

    cpu: dict[str, list[float]] = {k: [] for k in names}
    wall: dict[str, list[float]] = {k: [] for k in names}
    for r in range(args.rounds):
        for name in names:
            fn, data = peer_runner(name, release, formats)
            t, c = time.perf_counter(), time.process_time()
            done = fn(data, n, epoch=r, decoder=dec)
            wall[name].append(done / (time.perf_counter() - t))
            cpu[name].append(done / (time.process_time() - c))
        print(f"peer round {r + 1}/{args.rounds}: " + ", ".join(f"{k} {cpu[k][-1]:.0f}/s cpu, {wall[k][-1]:.0f}/s wall"
                                                           for k in names), flush=True)

    mem = {}
    for name in names[1:]:
        data = formats.get(name, release)
        out = subprocess.run([sys.executable, __file__, "--peer-memory-child", name, str(release), str(data),
                              "--samples", str(n), "--decoder", dec], capture_output=True, text=True)
        if out.returncode != 0:
            mem[name] = None
            print(f"peak RSS of {name}: failed ({(out.stderr.strip().splitlines() or ['no message'])[-1]})")
        else:
            mem[name] = json.loads(out.stdout.strip().splitlines()[-1])

    best = {k: max(v) for k, v in cpu.items()}
    best_wall = {k: max(v) for k, v in wall.items()}
    print()
    print(f"(f) one core, same decoder ({'Wuffs' if dec == 'auto' else 'Pillow'}) and the same resize + rotation "
          f"everywhere, samples per CPU-second (wall-clock in brackets), best of {args.rounds}:")
    print(f"    ceiling (decode + warp + batch of PNGs already in memory) {best['ceiling']:.0f} "
          f"({best_wall['ceiling']:.0f}) samples/s: the stream is at {best['stream'] / best['ceiling']:.2f} of it")
    peers = [k for k in names if k not in ("ceiling", "stream", "stream-224")]
    for name in peers:
        ratio, ratio_wall = best["stream"] / best[name], best_wall["stream"] / best_wall[name]
        print(f"    stream {best['stream']:.0f} ({best_wall['stream']:.0f}) vs {PEER_NAMES[name]} {best[name]:.0f} "
              f"({best_wall[name]:.0f}) samples/s: {ratio:.2f}x ({ratio_wall:.2f}x wall) (target >= 1.5x) "
              f"{verdict(ratio >= 1.5)}; the ceiling over it: {best['ceiling'] / best[name]:.2f}x")
    print(f"    stream on its {SIZE} px training-size shards {best['stream-224']:.0f} ({best_wall['stream-224']:.0f}) "
          f"samples/s, the same batches bit for bit, against the peers on the canonical shards:")
    for name in peers:
        ratio, ratio_wall = best["stream-224"] / best[name], best_wall["stream-224"] / best_wall[name]
        print(f"      vs {PEER_NAMES[name]} {best[name]:.0f} ({best_wall[name]:.0f}) samples/s: {ratio:.2f}x "
              f"({ratio_wall:.2f}x wall) (target >= 1.5x) {verdict(ratio >= 1.5)}")
    # MosaicML and LitData import torch, the stream needs it only for its DataLoader: the growth past a first batch
    # (imports and buffers paid) is what each pipeline holds while it streams
    print(f"(g) peak RSS over the same {n} samples, each in a fresh process (+ growth past its first batch):")
    print("    " + ", ".join(f"{PEER_NAMES.get(k, k)} " + (f"{m['peak_rss_mib']:.0f} MiB "
                                                         f"(+{m['peak_rss_mib'] - m['rss_before_mib']:.0f})"
                                                         if m else "failed") for k, m in mem.items()))


def training_size_comparison(args, release: Path, dec: str) -> None:
    """(h) stream on training-size shards vs on the full shards of this release (bench_training_shards.py)."""
    from bench_training_shards import compare, print_comparison

    print_comparison(compare(release, args.samples, args.rounds, dec))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=2048, help="samples per throughput round")
    ap.add_argument("--original-samples", type=int, default=640, help="samples per round for the original way")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--memory-sizes", type=int, nargs=2, default=(2000, 20000))
    ap.add_argument("--work", type=Path, default=None, help="folder for the synthetic data (default: a temp folder)")
    ap.add_argument("--quick", action="store_true", help="1024 samples, 1 round, memory at 1k vs 5k")
    ap.add_argument("--decoder", choices=("auto", "pil"), default="auto",
                    help="PNG decoder of the stream and of the bound (auto: Wuffs when pywuffs is installed)")
    ap.add_argument("--peers", action="store_true",
                    help="compare with webdataset, MosaicML streaming, LitData (venv: benchmarks/README.md)")
    ap.add_argument("--peers-only", action="store_true", help="the peer comparison alone (implies --peers)")
    ap.add_argument("--memory-child", help=argparse.SUPPRESS)
    ap.add_argument("--peer-memory-child", nargs=3, metavar=("NAME", "RELEASE", "DATA"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.decoder)
        return 0
    if args.peer_memory_child:
        peer_memory_child(*args.peer_memory_child, args.samples, args.decoder)
        return 0
    args.peers = args.peers or args.peers_only
    if args.quick:
        args.samples, args.original_samples, args.rounds, args.memory_sizes = 1024, 256, 1, (1000, 5000)

    from cytoimagenet.loaders.augment import default_backend
    from cytoimagenet.loaders.shards import wuffs_available

    dec = args.decoder
    decoder_name = "Wuffs (pywuffs)" if dec == "auto" and wuffs_available() else "Pillow"

    work = args.work or Path(tempfile.mkdtemp(prefix="cytoimagenet-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    pngs = png_pool(rng)
    n = args.samples
    release = make_release(work / "release", n, pngs)
    df = make_folders(work / "folders", args.original_samples, pngs)
    mean_png = np.mean([len(p) for p in pngs])
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"data: {n} samples of {SIDE}x{SIDE} 8-bit PNG ({mean_png / 1024:.0f} KiB, {mean_png / SIDE / SIDE:.2f} B/px), "
          f"{POOL} distinct images; output {SIZE}x{SIZE}, batch {BATCH}; PNG decoder: {decoder_name}; "
          f"warp: {default_backend()}; "
          f"{os.cpu_count()} cpus; prepared in {time.perf_counter() - t0:.0f}s")
    _, original_impl = keras_original_iterator(df, "rgb", 0)
    print(f"original way: {original_impl}")

    if not args.peers_only:
        core_comparison(args, release, df, dec, pngs, work)
        training_size_comparison(args, release, dec)
    if args.peers:  # last: litdata.optimize switches this process's multiprocessing start method to spawn
        peer_comparison(args, release, dec, work)
    else:
        print("peers (webdataset, MosaicML streaming, LitData): skipped; run with --peers in their environment "
              "(benchmarks/README.md)")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
