"""Streaming a release's shards into training: ``stream(release)`` yields ``(images, labels)`` batches.

The pipeline, per consumer (one torch DataLoader worker on one node, or the process itself):

    epoch plan -> this consumer's sample range -> read shards (lean tar reader, json skipped)
      -> shuffle buffer (compressed bytes) -> PNG decode -> resize + random rotation -> batch

Splitting. Each epoch, the shard order is a permutation seeded by (seed, epoch) -- the same on every node and
worker -- and the split's samples, concatenated in that order, are cut into contiguous ranges: first one per node
(``rank``/``world_size``), then one per DataLoader worker. Ranges are cut at sample indices, not shard boundaries,
so any number of nodes and workers get exact shares whatever the shard count; a range that starts inside a shard
seeks to its first sample. Worker ranges are sized in whole batches and batch ``j`` of a node is produced by worker
``j % num_workers``: the DataLoader, which takes batches from its workers in turn, therefore yields exactly
``len(stream)`` batches and every sample of the node's share once.

``drop_last=False`` (default): every sample of the split exactly once per epoch across all nodes; node shares differ
by at most one sample, so their batch counts may differ by one, and the last batch of a node may be short.
``drop_last=True``: every node yields the same number of full batches, ``floor(N / world_size / batch_size)`` (what
DistributedDataParallel needs); the remaining samples of the epoch (fewer than ``world_size * batch_size + world_size``)
are skipped, and which ones changes with the epoch's shard order.

Determinism. The order of an epoch is a function of (seed, epoch, world_size, rank, num_workers): the shard
permutation and each consumer's shuffle buffer are seeded from them, the rotation angle of a sample from (seed,
epoch, key) alone, never from time, process ids or torch's worker seeds. Call ``set_epoch`` before each epoch (with
``persistent_workers=False``, the DataLoader default, workers see it).

Resuming mid-epoch. A *position* is (epoch, batches this node has delivered to the training loop in it, the
DataLoader worker count); ``Stream.state_dict()`` returns it, ``load_state_dict()`` makes the next pass yield exactly
the batches the interrupted one had not yet delivered, in the same order and with the same pixels. The count is
taken in the main process, where batches arrive: by the stream itself when it is iterated there (no workers, or a
DataLoader with ``num_workers=0``), by :meth:`Stream.loader` with workers; a prefetched batch the loop never got is
not counted, so it is yielded again after the resume. A hand-made DataLoader is not seen: pass the count
(``state_dict(batches=k, num_workers=W)``). Each worker's share of the position is arithmetic (batch ``j`` is worker
``j % W``'s), and a worker fast-forwards by re-running its shard reads and shuffle buffer over tar headers without
reading or decoding the skipped PNGs. The resumed DataLoader's worker ``r`` takes the part of worker ``(k + r) % W``
of the interrupted one, so that its round-robin continues at batch ``k``. What must match to resume (a
``UserError`` names it otherwise): seed, batch size, world size, worker count (0 and 1 are the same), the shuffle
settings, ``drop_last``, ``resampled`` and the split's size; not the rank (in lockstep training every node is at
the same position, so rank 0's state resumes every node). ``drop_last``: positions count the node's full batches, at
most ``len(stream)``; a position at ``len(stream)`` is a finished epoch, whose resumed pass yields nothing until
``set_epoch(epoch + 1)``. ``resampled=True``: the position is the epoch the pass started at and the batches since
(a worker's batches run on across epochs); the resumed pass continues the endless sequence. The resume applies to
the next pass only; ``set_epoch`` to another epoch cancels it.

Memory. The shuffle buffer holds where each sample's PNG is (shard, offset, size), not its bytes: the tar headers
are read and checked in order, the kernel is asked to read the shard ahead in large sequential chunks, and a
sample's bytes are read from the page cache when it leaves the buffer, just before decoding. The window is
``shuffle_buffer`` samples, fewer if their PNGs would exceed ``shuffle_bytes`` (256 MiB) -- per consumer, whatever
the size of the release or of its images; that window lives in the (shared, reclaimable) page cache, not in the
process. If memory pressure evicts it before use, those reads go back to the disk, out of order but correct.

Training-size shards. A release may hold, beside its full shards, copies of them for a training size N (data/N/,
builder/shard.py): the same samples in the same order, each image as the box reduction of ``augment`` makes it
for N. When ``image_size`` is such an N and the warp runs on OpenCV (whose reduction that is), the stream reads
those: the reduction is then a no-op, every later step sees the same pixels, and batches, order and positions
are those of the full shards exactly. Otherwise (another size, the Pillow backend, a set with a file missing) it
reads the full shards.

Images come out as uint8 (0..255: the float32 warp rounded once, see ``augment.resize_rotate_uint8``) or float32 in [0, 1]; numpy batches are
NHWC (Keras' channels_last), torch batches NCHW, unless ``layout`` says otherwise; ``channels=3`` repeats the gray
channel for models built for RGB input (EfficientNetB0 as the original training used it).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Iterator, Optional, Sequence, Union

import numpy as np

from cytoimagenet.errors import UserError
from cytoimagenet import augment
from cytoimagenet.augment import Workspace, default_backend, resize_rotate, resize_rotate_uint8
from cytoimagenet.loaders.shards import (DECODERS, RawSample, Shard, decode_png, iter_shard,
                                         parse_label, wuffs_available)
from cytoimagenet.seeding import key_seed

OUTPUTS = ("numpy", "torch")
LAYOUTS = ("NHWC", "NCHW")
DTYPES = ("uint8", "float32")
_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS")


# ---------------------------------------------------------------- the release's shards


@dataclass(frozen=True)
class ReleaseShards:
    root: Path
    split: str
    shards: tuple[Shard, ...]
    labels: tuple[str, ...]
    # (N, shards) of the release's training-size copies of `shards` present here (builder/shard.py), and which
    # set `shards` is: None for the full-resolution shards, N for those reduced for training size N
    training: tuple[tuple[int, tuple[Shard, ...]], ...] = ()
    size: Optional[int] = None

    @property
    def samples(self) -> int:
        return sum(s.samples for s in self.shards)

    def for_training(self, image_size: int, backend: str) -> "ReleaseShards":
        """The training-size shards for `image_size` when this release has them, else these shards. Their images
        are what `augment._box_reduce` makes with OpenCV, so only the OpenCV backend gets them: the Pillow
        backend's reduction is a float mean, which no stored 8-bit image equals."""
        if self.size is not None or backend != "cv2":
            return self
        for n, shards in self.training:
            if n == image_size:
                return replace(self, shards=shards, training=(), size=n)
        return self


def _looks_like_repo_id(source: str) -> bool:
    parts = source.split("/")
    return len(parts) == 2 and all(parts) and not source.startswith((".", "~"))


def resolve(source: Union[str, Path], split: str, revision: Optional[str] = None,
            image_size: Optional[int] = None) -> ReleaseShards:
    """The shards of ``split`` of a local release folder, or of a Hub dataset repo (downloaded to the HF cache),
    with the training-size copies that are present. From the Hub, given ``image_size``, only the training-size
    shards for it are downloaded when the release has them (the returned set is then those alone)."""
    from cytoimagenet.validation.release import read_manifest

    path = Path(source).expanduser()
    if not path.exists() and isinstance(source, str) and _looks_like_repo_id(source):
        from huggingface_hub import snapshot_download

        path = Path(snapshot_download(source, repo_type="dataset", revision=revision, allow_patterns=["manifest.json"]))
        sized = image_size is not None and default_backend() == "cv2" and any(
            e.size == image_size and e.split == split for e in read_manifest(path).training_shards)
        pattern = f"data/{image_size}/{split}-*.tar" if sized else f"data/{split}-*.tar"
        path = Path(snapshot_download(source, repo_type="dataset", revision=revision,
                                      allow_patterns=["manifest.json", pattern]))
        if sized:
            return _release_shards(path, split, read_manifest(path), image_size)
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise UserError(f"{path} is not a CytoImageNet release (no manifest.json); build one with `cytoimagenet build` "
                        "or pass a Hub repo id like ORG/NAME")
    return _release_shards(path, split, read_manifest(path))


def _release_shards(path: Path, split: str, manifest, only_size: Optional[int] = None) -> ReleaseShards:
    """`split`'s full shards (or, with `only_size`, its training-size shards for it alone), checked present; the
    training-size sets whose files are all present ride along."""
    sets: dict[Optional[int], tuple[Shard, ...]] = {}
    for e in [*manifest.shards, *manifest.training_shards]:
        if e.split == split and e.samples > 0:
            sets[e.size] = sets.get(e.size, ()) + (Shard(path / e.path, e.samples),)
    shards = sets.pop(only_size, ())
    if not shards:
        present = sorted({e.split for e in manifest.shards if e.samples})
        raise UserError(f"{path}: split {split!r} has no samples (splits with samples: {', '.join(present) or 'none'})")
    missing = [str(s.path) for s in shards if not s.path.is_file()]
    if missing:
        raise UserError(f"{path}: shard(s) listed in manifest.json are missing: {', '.join(missing[:3])}"
                        f"{' ...' if len(missing) > 3 else ''}")
    # a training-size set with a file missing is not offered: the stream reads the full shards instead
    training = tuple(sorted((n, t) for n, t in sets.items() if n is not None and all(s.path.is_file() for s in t)))
    if only_size is not None:
        return ReleaseShards(path, split, shards, tuple(manifest.labels), size=only_size)
    return ReleaseShards(path, split, shards, tuple(manifest.labels), training)


# ---------------------------------------------------------------- the epoch plan: who reads which samples


@dataclass(frozen=True)
class Segment:
    shard: int
    start: int
    stop: int


def shard_order(n_shards: int, seed: int, epoch: int, shuffle: bool) -> np.ndarray:
    if not shuffle:
        return np.arange(n_shards)
    return np.random.default_rng(key_seed(seed, "shards", epoch)).permutation(n_shards)


def segments(counts: Sequence[int], order: Sequence[int], lo: int, hi: int) -> list[Segment]:
    """The samples at positions lo <= p < hi of the epoch sequence (shards concatenated in ``order``)."""
    out, pos = [], 0
    for s in order:
        n = counts[s]
        a, b = max(lo, pos), min(hi, pos + n)
        if a < b:
            out.append(Segment(int(s), a - pos, b - pos))
        pos += n
        if pos >= hi:
            break
    return out


def node_range(total: int, rank: int, world_size: int, batch_size: int, drop_last: bool) -> tuple[int, int, int]:
    """(first position, end position, batches) of a node's share of the epoch sequence."""
    lo, hi = total * rank // world_size, total * (rank + 1) // world_size
    if drop_last:
        batches = (total // world_size) // batch_size
        return lo, lo + batches * batch_size, batches
    return lo, hi, -(-(hi - lo) // batch_size)


def worker_range(lo: int, hi: int, batches: int, batch_size: int, worker: int, num_workers: int) -> tuple[int, int, int]:
    """(first, end, batches) of one worker: the worker produces batches worker, worker + W, ... of its node."""
    def samples_of(w: int) -> int:
        owned = len(range(w, batches, num_workers))
        short = batch_size * batches - (hi - lo)  # only the node's last batch may be short
        return owned * batch_size - (short if batches and (batches - 1) % num_workers == w else 0)

    start = lo + sum(samples_of(w) for w in range(worker))
    return start, start + samples_of(worker), len(range(worker, batches, num_workers))


def resumed_role(batches: int, slot: int, num_workers: int) -> tuple[int, int]:
    """(worker of the interrupted pass, its batches already delivered) that DataLoader worker ``slot`` continues,
    ``batches`` after the start: the DataLoader asks its workers in turn from worker 0, so slot ``r`` must produce
    batch ``batches + r``, which is worker ``(batches + r) % W``'s, its ``(batches + r) // W``-th."""
    j = batches + slot
    return j % num_workers, j // num_workers


# ---------------------------------------------------------------- per-process settings


def _resolve_dist(rank: Optional[int], world_size: Optional[int]) -> tuple[int, int]:
    if rank is None or world_size is None:
        r, w = 0, 1
        dist = sys.modules.get("torch.distributed")
        if dist is not None and dist.is_available() and dist.is_initialized():
            r, w = dist.get_rank(), dist.get_world_size()
        elif "WORLD_SIZE" in os.environ:  # torchrun, accelerate, SLURM wrappers
            r, w = int(os.environ.get("RANK", 0)), int(os.environ["WORLD_SIZE"])
        rank = r if rank is None else rank
        world_size = w if world_size is None else world_size
    if world_size < 1 or not 0 <= rank < world_size:
        raise UserError(f"rank {rank} is not in 0..world_size-1 (world_size {world_size})")
    return rank, world_size


def _worker() -> tuple[int, int]:
    torch = sys.modules.get("torch")
    if torch is not None:
        info = torch.utils.data.get_worker_info()
        if info is not None:
            return info.id, info.num_workers
    return 0, 1


def limit_threads() -> None:
    """One thread per decoding worker process: with several workers on few cores, library thread pools (torch,
    OpenMP, BLAS) only oversubscribe the cores. OpenCV is set in the parent instead (see `single_threaded_cv2`)."""
    for name in _THREAD_ENV:
        os.environ[name] = "1"
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def single_threaded_cv2() -> None:
    """OpenCV's per-image operations here are too small to gain from its thread pool, and the pool does not survive
    fork: reconfiguring it inside a forked DataLoader worker deadlocks. So it is set once, in the process that
    creates the stream, before any worker is forked (this is process-wide for OpenCV)."""
    from cytoimagenet import augment

    if augment.cv2 is not None and augment.cv2.getNumThreads() != 1:
        augment.cv2.setNumThreads(1)


def _register_with_torch(cls) -> None:
    # DataLoader decides between map-style and iterable datasets with isinstance(); IterableDataset is an ABC, so
    # registering keeps torch an optional dependency (and out of the import time of numpy-only users)
    torch = sys.modules.get("torch")
    if torch is None:
        import importlib.util

        if importlib.util.find_spec("torch") is None:
            return
        import torch.utils.data  # noqa: F401
        torch = sys.modules["torch"]
    torch.utils.data.IterableDataset.register(cls)


# ---------------------------------------------------------------- the stream


def _shuffled(items: Iterator[RawSample], size: int, rng: np.random.Generator, max_bytes: int) -> Iterator[RawSample]:
    """A shuffle buffer of ``size`` samples, or fewer when their PNGs would add up to more than ``max_bytes`` (so
    the read-ahead window of a consumer stays bounded whatever the image size)."""
    buffer: list = []
    held = 0
    picks, k, picks_for = np.empty(0, dtype=np.int64), 0, 0
    for item in items:
        if not buffer or (len(buffer) < size and held < max_bytes):
            buffer.append(item)
            held += item.size
            continue
        if k == len(picks) or picks_for != len(buffer):
            # draws in blocks: one numpy call per 1024 samples, not one per sample
            picks, k, picks_for = rng.integers(0, len(buffer), 1024), 0, len(buffer)
        j = picks[k]
        k += 1
        out = buffer[j]
        held += item.size - out.size
        buffer[j] = item
        yield out
    rng.shuffle(buffer)
    yield from buffer


def _angle(seed: int, epoch: int, key: str) -> float:
    return (key_seed(seed, "rotate", epoch, key) >> 11) * (360.0 / (1 << 53))


class Stream:
    """Batches of ``(images, labels)`` (``(images, labels, keys)`` with ``return_keys``) from a release split.

    Build it with :func:`stream`. ``len(stream)`` is the exact number of batches this node yields per epoch (for
    the DataLoader as a whole, whatever its worker count). Iterate it directly, or hand it to
    ``torch.utils.data.DataLoader(stream, batch_size=None, num_workers=N)`` (see :meth:`loader`), or to Keras
    through :meth:`keras`."""

    def __init__(self, source, split: str = "train", *, batch_size: int = 64, image_size: int = 224, seed: int = 0,
                 epoch: int = 0, rotate: bool = True, shuffle: bool = True, shuffle_buffer: int = 1000,
                 shuffle_bytes: int = 256 << 20,
                 resampled: bool = False, drop_last: bool = False, output: str = "numpy",
                 layout: Optional[str] = None, dtype: str = "uint8", channels: int = 1,
                 rank: Optional[int] = None, world_size: Optional[int] = None, return_keys: bool = False,
                 revision: Optional[str] = None, backend: Optional[str] = None, decoder: str = "auto"):
        if output not in OUTPUTS:
            raise UserError(f"output must be one of {OUTPUTS}, got {output!r}")
        layout = layout or ("NCHW" if output == "torch" else "NHWC")
        if layout not in LAYOUTS:
            raise UserError(f"layout must be one of {LAYOUTS}, got {layout!r}")
        if dtype not in DTYPES:
            raise UserError(f"dtype must be one of {DTYPES}, got {dtype!r}")
        if decoder not in DECODERS:
            raise UserError(f"decoder must be one of {DECODERS}, got {decoder!r}")
        if decoder == "wuffs" and not wuffs_available():
            raise UserError("decoder='wuffs' needs the pywuffs package (pip install pywuffs)")
        if channels not in (1, 3):
            raise UserError(f"channels must be 1 or 3, got {channels}")
        for name, value in (("batch_size", batch_size), ("image_size", image_size)):
            if int(value) < 1:
                raise UserError(f"{name} must be at least 1, got {value}")
        backend = backend or default_backend()
        release = source if isinstance(source, ReleaseShards) else resolve(source, split, revision, int(image_size))
        # the training-size shards hold each image as the first step below would reduce it: the same batches
        self.release = release.for_training(int(image_size), backend)
        if self.release.size is not None and (self.release.size != int(image_size) or backend != "cv2"):
            raise UserError(f"{self.release.root}: this copy holds only the {self.release.size} px training shards "
                            f"of split {split!r}; stream them with image_size={self.release.size} and the OpenCV "
                            "backend, or download the full-resolution shards")
        self.split = split
        self.batch_size, self.image_size = int(batch_size), int(image_size)
        self.seed, self.epoch = int(seed), int(epoch)
        self.rotate, self.shuffle, self.shuffle_buffer = rotate, shuffle, max(1, int(shuffle_buffer))
        self.shuffle_bytes = max(1, int(shuffle_bytes))
        self.resampled, self.drop_last = resampled, drop_last
        self.output, self.layout, self.dtype, self.channels = output, layout, dtype, channels
        self.rank, self.world_size = _resolve_dist(rank, world_size)
        self.return_keys = return_keys
        self.backend = backend
        self.decoder = decoder
        if self.backend == "cv2":
            single_threaded_cv2()
        self._resume: Optional[tuple[int, int, int]] = None  # (epoch, batches, workers) for the next pass
        self._position = (self.epoch, 0, 1)  # what the main process has delivered: (epoch, batches, workers)
        _register_with_torch(type(self))

    # -- sizes

    @property
    def labels(self) -> tuple[str, ...]:
        return self.release.labels

    @property
    def num_samples(self) -> int:
        """Samples this node yields per epoch."""
        lo, hi, _ = self._node()
        return hi - lo

    @property
    def batches_per_epoch(self) -> int:
        return self._node()[2]

    def __len__(self) -> int:
        if self.resampled:
            raise TypeError("a resampled stream is endless; use stream.batches_per_epoch for steps per epoch")
        return self.batches_per_epoch

    def _node(self) -> tuple[int, int, int]:
        return node_range(self.release.samples, self.rank, self.world_size, self.batch_size,
                          self.drop_last and not self.resampled)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)
        if self._resume is not None and self._resume[0] != self.epoch:
            self._resume = None  # the resumed epoch is skipped: the new one starts at its beginning
        if self._position[0] != self.epoch:
            self._position = (self.epoch, 0, self._position[2])

    # -- resuming (see the module docstring)

    def _pinned(self) -> dict:
        return {"seed": self.seed, "batch_size": self.batch_size, "world_size": self.world_size,
                "samples": self.release.samples, "shuffle": self.shuffle, "shuffle_buffer": self.shuffle_buffer,
                "shuffle_bytes": self.shuffle_bytes, "drop_last": self.drop_last, "resampled": self.resampled}

    def state_dict(self, batches: Optional[int] = None, num_workers: Optional[int] = None) -> dict:
        """The position: batches delivered in ``epoch`` (counted by this stream or :meth:`loader`; pass
        ``batches``/``num_workers`` when a loader of your own took them), plus what a resume must match."""
        epoch, counted, workers = self._position
        batches = counted if batches is None else int(batches)
        workers = workers if num_workers is None else max(1, int(num_workers))
        if batches < 0 or (not self.resampled and batches > self.batches_per_epoch):
            raise UserError(f"batches must be in 0..{self.batches_per_epoch} (this node's batches per epoch), "
                            f"got {batches}")
        return {"format": 1, "epoch": epoch, "batches": batches, "num_workers": workers, "rank": self.rank,
                **self._pinned()}

    def load_state_dict(self, state: dict) -> None:
        """Make the next pass continue from ``state`` (from :meth:`state_dict`); sets ``epoch`` to its epoch."""
        if state.get("format") != 1:
            raise UserError(f"stream state format {state.get('format')!r}; this version reads 1 "
                            "(pass a dict from Stream.state_dict())")
        differ = [f"{k}: state has {state.get(k)!r}, this stream {v!r}" for k, v in self._pinned().items()
                  if state.get(k) != v]
        if differ:
            raise UserError("stream state is of another stream (" + "; ".join(differ) + "); resume with the "
                            "settings and release it was saved with")
        batches = int(state["batches"])
        if batches < 0 or (not self.resampled and batches > self.batches_per_epoch):
            raise UserError(f"stream state: batches {batches} is outside 0..{self.batches_per_epoch}")
        self.epoch = int(state["epoch"])
        workers = max(1, int(state["num_workers"]))
        self._resume = (self.epoch, batches, workers) if batches else None
        self._position = (self.epoch, batches, workers)

    def _take_resume(self, num_workers: int) -> int:
        """Batches of the current epoch this pass skips (and forgets the pending resume)."""
        resume, self._resume = self._resume, None
        if resume is None or resume[0] != self.epoch:
            return 0
        if resume[2] != max(1, num_workers):
            raise UserError(f"the stream state was saved with {resume[2]} DataLoader worker(s) and is resumed with "
                            f"{max(1, num_workers)}: the order depends on it; resume with num_workers={resume[2]}")
        return resume[1]

    # -- iteration

    def plan(self, epoch: Optional[int] = None, worker: int = 0, num_workers: int = 1) -> tuple[list[Segment], int]:
        """The (shard, start, stop) segments one worker reads in an epoch, and the batches it yields."""
        epoch = self.epoch if epoch is None else epoch
        counts = [s.samples for s in self.release.shards]
        lo, hi, batches = self._node()
        if self.resampled:
            n = hi - lo
            a, b = lo + n * worker // num_workers, lo + n * (worker + 1) // num_workers
            owned = -1
        else:
            a, b, owned = worker_range(lo, hi, batches, self.batch_size, worker, num_workers)
        return segments(counts, shard_order(len(counts), self.seed, epoch, self.shuffle), a, b), owned

    def _raw(self, epoch: int, worker: int, num_workers: int) -> Iterator[RawSample]:
        segs, _ = self.plan(epoch, worker, num_workers)
        shards = self.release.shards
        items = (raw for seg in segs for raw in iter_shard(shards[seg.shard].path, seg.start, seg.stop,
                                                           shards[seg.shard].samples, deferred=True))
        if self.shuffle:
            rng = np.random.default_rng(key_seed(self.seed, "buffer", epoch, self.world_size, self.rank,
                                                 num_workers, worker))
            items = _shuffled(items, self.shuffle_buffer, rng, self.shuffle_bytes)
        return items

    def samples(self, worker: Optional[int] = None, num_workers: Optional[int] = None,
                skip: int = 0) -> Iterator[tuple[int, RawSample]]:
        """(epoch, raw sample) of this consumer from the current epoch on (one epoch unless resampled), undecoded
        and unread (``raw.read_png()`` reads its PNG bytes); the first ``skip`` are passed over unread."""
        if worker is None or num_workers is None:
            worker, num_workers = _worker()
        epoch = self.epoch
        if skip and self.resampled:  # whole epochs of this worker skipped by arithmetic, not by reading
            per_epoch = sum(g.stop - g.start for g in self.plan(epoch, worker, num_workers)[0])
            if per_epoch:
                epoch, skip = epoch + skip // per_epoch, skip % per_epoch
        while True:
            raws = self._raw(epoch, worker, num_workers)
            if skip:
                # headers and the shuffle buffer are replayed (its draws depend on them); no PNG is read
                raws, skip = islice(raws, skip, None), 0
            for raw in raws:
                yield epoch, raw
            if not self.resampled:
                return
            epoch += 1

    def __iter__(self):
        # not a generator itself: the pending resume is taken when the pass starts (a DataLoader forks its workers
        # then), not at the first next()
        slot, num_workers = _worker()
        if num_workers > 1 or slot > 0:
            limit_threads()
        start = self._take_resume(num_workers)
        worker, done = resumed_role(start, slot, num_workers)
        main = num_workers == 1  # this process delivers the batches itself: it keeps the count
        if main:
            self._position = (self.epoch, start, 1)
        return self._batches(worker, num_workers, done, start if main else None)

    def _batches(self, worker: int, num_workers: int, done: int, count_from: Optional[int]):
        size, bs = self.image_size, self.batch_size
        limit = None if self.resampled else self.plan(self.epoch, worker, num_workers)[1]
        produced = done
        epoch0 = self.epoch
        float_out = self.dtype == "float32"
        scale = np.float32(1 / 255) if float_out else None
        scratch = np.empty((size, size), np.float32)
        scratch8 = np.empty((size, size), np.uint8)
        work = Workspace()
        merge = augment.cv2.merge if (augment.cv2 is not None and self.channels == 3 and self.layout == "NHWC") else None
        images = labels = keys = None
        i = 0
        n_labels = len(self.labels)
        for epoch, raw in self.samples(worker, num_workers, done * bs):
            if images is None:
                images, labels, keys, i = self._new_batch(bs), np.empty(bs, np.int64), [], 0
            pixels = decode_png(raw.read_png(), raw.key, self.decoder)
            angle = _angle(self.seed, epoch, raw.key) if self.rotate else 0.0
            if self.channels == 1:  # straight into the batch
                if float_out:
                    resize_rotate(pixels, size, angle, out=images[i], scale=scale, backend=self.backend, work=work)
                else:
                    resize_rotate_uint8(pixels, size, angle, out=images[i], backend=self.backend, work=work)
            else:
                if float_out:
                    out = resize_rotate(pixels, size, angle, out=scratch, scale=scale, backend=self.backend, work=work)
                else:
                    out = resize_rotate_uint8(pixels, size, angle, out=scratch8, backend=self.backend, work=work)
                if merge is not None:  # interleaving channels: OpenCV's merge is ~5x numpy's repeat
                    slot = images[i]
                    merged = merge([out, out, out], dst=slot)
                    if merged is not slot:
                        slot[...] = merged
                elif self.layout == "NHWC":
                    images[i] = out[..., None]
                else:
                    images[i, 0] = images[i, 1] = images[i, 2] = out
            label = parse_label(raw.cls, raw.key)
            if not 0 <= label < n_labels:
                # a label id outside the manifest's list would train on a class that does not exist (or index
                # out of a model's logits later, far from the cause)
                raise UserError(f"{raw.file.name if raw.file else self.split}: sample {raw.key!r} has cls {label}, "
                                f"outside 0..{n_labels - 1} (manifest.json lists {n_labels} labels); the shard is "
                                "damaged: run `cytoimagenet validate` and rebuild or fetch it again")
            labels[i] = label
            keys.append(raw.key)
            i += 1
            if i == bs:
                produced += 1
                if count_from is not None:  # counted before the yield: the caller holds the batch when it asks
                    self._position = (epoch0, count_from + produced - done, 1)
                yield self._finish(images, labels, keys)
                images = None
        if images is not None and i and (limit is None or produced < limit):
            if count_from is not None:
                self._position = (epoch0, count_from + produced + 1 - done, 1)
            yield self._finish(images[:i], labels[:i], keys)

    def _new_batch(self, n: int) -> np.ndarray:
        size = self.image_size
        dtype = np.float32 if self.dtype == "float32" else np.uint8
        if self.channels == 1:
            return np.empty((n, size, size), dtype)
        shape = (n, size, size, 3) if self.layout == "NHWC" else (n, 3, size, size)
        return np.empty(shape, dtype)

    def _finish(self, images: np.ndarray, labels: np.ndarray, keys: list[str]):
        if self.channels == 1:
            images = np.expand_dims(images, 1 if self.layout == "NCHW" else 3)
        if self.output == "torch":
            import torch

            images, labels = torch.from_numpy(np.ascontiguousarray(images)), torch.from_numpy(labels)
        return (images, labels, keys) if self.return_keys else (images, labels)

    # -- adapters

    def loader(self, num_workers: int = 2, **kwargs):
        """A ``torch.utils.data.DataLoader`` over this stream (it already batches: ``batch_size=None``); it counts
        the batches it delivers into the stream's :meth:`state_dict`."""
        kwargs.setdefault("persistent_workers", False)
        if num_workers:
            kwargs.setdefault("prefetch_factor", 2)
        return _loader_class()(self, batch_size=None, num_workers=num_workers, **kwargs)

    def keras(self, workers: int = 0, **kwargs):
        """A ``keras.utils.PyDataset`` over this stream; ``workers`` decoding processes (torch DataLoader workers)."""
        from cytoimagenet.loaders.keras_adapter import StreamPyDataset

        return StreamPyDataset(self, workers=workers, **kwargs)

    def __repr__(self) -> str:
        return (f"Stream({str(self.release.root)!r}, split={self.split!r}, samples={self.num_samples}, "
                f"batch_size={self.batch_size}, image_size={self.image_size}, epoch={self.epoch}, "
                f"rank={self.rank}/{self.world_size}, resampled={self.resampled})")


_LOADER = None


def _loader_class():
    global _LOADER
    if _LOADER is None:
        from torch.utils.data import DataLoader

        class StreamLoader(DataLoader):
            """A DataLoader that counts, in the main process, the batches it hands out (its workers' copies of the
            stream cannot): that count is the stream's position."""

            def __iter__(self):
                stream, workers = self.dataset, self.num_workers
                if not workers:  # the stream runs here and counts itself
                    return super().__iter__()
                resume = stream._resume
                start = resume[1] if resume is not None and resume[0] == stream.epoch else 0
                if start and resume[2] != workers:
                    stream._take_resume(workers)  # raises: the worker count differs
                it = super().__iter__()  # the workers start now, each with the pending resume
                stream._resume = None
                stream._position = (stream.epoch, start, workers)
                return _counted(stream, it, start, workers)

        _LOADER = StreamLoader
    return _LOADER


def _counted(stream, it, start: int, workers: int):
    epoch = stream.epoch
    for n, batch in enumerate(it, start + 1):
        stream._position = (epoch, n, workers)
        yield batch


def stream(source, split: str = "train", batch_size: int = 64, image_size: int = 224, seed: int = 0, epoch: int = 0,
           rotate: bool = True, resampled: bool = False, output: str = "numpy", shuffle_buffer: int = 1000,
           **kwargs) -> Stream:
    """Stream ``split`` of a release (a local folder or a Hub repo id) as ``(images, labels)`` batches.

    Training defaults: shard shuffle + a ``shuffle_buffer``-sample buffer, a random 0-360 degree rotation with
    reflection fill, ``image_size`` x ``image_size`` uint8 images. For evaluation pass ``rotate=False,
    shuffle=False``. See :class:`Stream` for every option and the module docstring for the guarantees."""
    return Stream(source, split, batch_size=batch_size, image_size=image_size, seed=seed, epoch=epoch, rotate=rotate,
                  resampled=resampled, output=output, shuffle_buffer=shuffle_buffer, **kwargs)
