"""`stream` on training-size shards vs `stream` on the full shards of the same release (issue 16).

    python benchmarks/bench_training_shards.py            # 2,048 samples of 512 px, 3 interleaved rounds
    python benchmarks/bench_training_shards.py --quick    # 1,024 samples, 1 round
    python benchmarks/bench_stream.py                     # prints the same comparison beside the others

The release is bench_stream.py's synthetic one (512x512 8-bit PNGs, RxRx1's size). Its training-size shards for
224 px are added as the builder writes them (`builder.shard.reduce_for_training`, the PNG encoder and level of the
build; the json member is a placeholder: stream never reads it), then `stream(image_size=224)` runs on the release as it is (it picks data/224/) and on the same release
with the training-size shards hidden (`ReleaseShards.training=()`: the full shards). Both produce 224 px uint8
batches with rotations on; the first batches are compared byte for byte before anything is timed. Throughput is
samples per CPU-second of this process (time.process_time), best of interleaved rounds, as in bench_stream.py.
The storage overhead is the training-size shards' bytes over the full shards' bytes. The codec comparison
(`--codecs`) decodes the same 224-px reductions stored as PNG (Wuffs and Pillow) and as WebP lossless (Pillow)."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

SIZE = 224


def add_training_shards(release: Path, size: int = SIZE, compress_level: int = 6) -> float:
    """Write data/<size>/ beside the release's full shards, as a build does, and list them in its manifest.
    Returns the storage overhead (training-size bytes / full bytes)."""
    from cytoimagenet.builder.image import encode_png
    from cytoimagenet.builder.shard import reduce_for_training, write_tar_atomic
    from cytoimagenet.loaders.shards import decode_png, iter_shard
    from cytoimagenet.validation.release import read_manifest
    from cytoimagenet.format import ShardEntry

    manifest = read_manifest(release)
    entries = []
    for entry in manifest.shards:
        def reduced():
            for raw in iter_shard(release / entry.path):
                image = decode_png(raw.png, raw.key)
                small = reduce_for_training(image, size)
                yield raw.key, {"png": raw.png if small is image else encode_png(small, compress_level),
                                "json": b"{}", "cls": raw.cls}
        name = entry.path.split("/")[-1]
        sha, nbytes = write_tar_atomic(release / "data" / str(size) / name, reduced())
        entries.append(ShardEntry(path=f"data/{size}/{name}", split=entry.split, sha256=sha, bytes=nbytes,
                                  samples=entry.samples, size=size))
    manifest = manifest.model_copy(update={"training_shards": entries})
    (release / "manifest.json").write_text(manifest.model_dump_json(indent=2))
    return sum(e.bytes for e in entries) / sum(e.bytes for e in manifest.shards)


def remove_training_shards(release: Path, manifest_text: str, size: int = SIZE) -> None:
    (release / "manifest.json").write_text(manifest_text)
    shutil.rmtree(release / "data" / str(size), ignore_errors=True)


def _run(source, n: int, epoch: int, decoder: str) -> int:
    from cytoimagenet.loaders.streaming import Stream

    done = 0
    for images, _ in Stream(source, batch_size=64, image_size=SIZE, epoch=epoch, decoder=decoder):
        done += len(images)
        if done >= n:
            break
    return done


def compare(release: Path, n: int, rounds: int, decoder: str = "auto") -> dict:
    """Throughput of stream on the training-size shards and on the full ones, and the storage overhead; the
    release gets its training-size shards for the run and is given back as it was."""
    from cytoimagenet.loaders.streaming import Stream, resolve

    before = (release / "manifest.json").read_text()
    try:
        overhead = add_training_shards(release)
        sized = resolve(release, "train").for_training(SIZE, "cv2")
        full = replace(resolve(release, "train"), training=())
        assert sized.size == SIZE and full.size is None
        opts = dict(batch_size=64, image_size=SIZE, decoder=decoder, return_keys=True)
        for a, b, _ in zip(Stream(sized, **opts), Stream(full, **opts), range(3)):
            assert np.array_equal(a[0], b[0]) and a[2] == b[2], "training-size batches differ from the full ones"
        times = {"training": [], "full": []}
        for r in range(rounds):
            for name, source in (("training", sized), ("full", full)):
                t = time.process_time()
                done = _run(source, n, r, decoder)
                times[name].append(done / (time.process_time() - t))
        best = {k: max(v) for k, v in times.items()}
        return {"training_sps": best["training"], "full_sps": best["full"], "speedup": best["training"] / best["full"],
                "overhead": overhead, "rounds": rounds, "samples": n}
    finally:
        remove_training_shards(release, before)


def print_comparison(result: dict) -> None:
    ok = "meets" if result["speedup"] >= 2 else "MISSES"
    print(f"(h) stream on training-size shards ({SIZE} px) vs full shards (512 px), same release, bit-identical batches: "
          f"{result['training_sps']:.0f} vs {result['full_sps']:.0f} samples/CPU-s = {result['speedup']:.2f}x "
          f"({ok} the 2x target); storage overhead +{100 * result['overhead']:.1f}% "
          f"(best of {result['rounds']} interleaved rounds of {result['samples']} samples)")


def codecs(pngs: list[bytes], repeat: int = 10) -> None:
    """Decode time per 224-px training image and its size, PNG (as built) vs WebP lossless."""
    from PIL import Image

    from cytoimagenet.builder.image import encode_png
    from cytoimagenet.builder.shard import reduce_for_training
    from cytoimagenet.loaders.shards import decode_png, wuffs_available

    images = [reduce_for_training(decode_png(p, "k"), SIZE) for p in pngs]

    def webp(a):
        buf = io.BytesIO()
        Image.fromarray(a).save(buf, "WEBP", lossless=True, quality=100, method=6)
        return buf.getvalue()

    def unwebp(b):
        return np.asarray(Image.open(io.BytesIO(b)).convert("L"))

    stored = {"png": [encode_png(a, 6) for a in images], "webp": [webp(a) for a in images]}
    assert all(np.array_equal(unwebp(b), a) for a, b in zip(images, stored["webp"]))  # lossless indeed
    runs = [("PNG level 6", "png", lambda b: decode_png(b, "k", "pil"), "Pillow"),
            ("WebP lossless (method 6)", "webp", unwebp, "Pillow")]
    if wuffs_available():
        runs.insert(0, ("PNG level 6", "png", lambda b: decode_png(b, "k", "wuffs"), "Wuffs"))
    for label, kind, fn, dec in runs:
        best = float("inf")
        for _ in range(3):
            t = time.process_time()
            for _ in range(repeat):
                for b in stored[kind]:
                    fn(b)
            best = min(best, (time.process_time() - t) / (repeat * len(stored[kind])))
        print(f"  {label:26s} {dec:7s} {best * 1e6:6.0f} us/image  {np.mean([len(b) for b in stored[kind]]):7.0f} "
              f"bytes/image ({images[0].shape[1]}x{images[0].shape[0]})")


def main() -> int:
    from bench_stream import POOL, make_release, synth_image

    from cytoimagenet.builder.image import encode_png

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=2048)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--codecs", action="store_true", help="also time PNG vs WebP lossless decoding at 224 px")
    ap.add_argument("--decoder", choices=("auto", "pil"), default="auto")
    args = ap.parse_args()
    if args.quick:
        args.samples, args.rounds = 1024, 1
    rng = np.random.default_rng(0)
    pngs = [encode_png(synth_image(rng), 6) for _ in range(POOL)]
    with tempfile.TemporaryDirectory(prefix="cytoimagenet-bench-") as tmp:
        release = make_release(Path(tmp) / "release", args.samples, pngs)
        print_comparison(compare(release, args.samples, args.rounds, args.decoder))
    if args.codecs:
        codecs(pngs[:32])
    return 0


if __name__ == "__main__":
    sys.exit(main())
