"""Pretraining EfficientNetB0 on a release's shards: the original CytoImageNet recipe, resumable and measured.

The recipe (the original's): EfficientNetB0 from random initialisation, 224 x 224 grayscale repeated to 3 channels,
batch 64, a random 0-360 degree rotation per image (the streaming loader's), Adam 1e-3, categorical cross-entropy
(the sparse form: the same loss without one-hot labels), top-1 and top-5 accuracy on the validation split after
every epoch. The original reported 13.42% train / 11.32% validation accuracy after 24 epochs.

Epochs and data. Training epoch ``e`` (0-based) is the first ``steps_per_epoch`` batches of loader epoch ``e``, so
which images an epoch sees is a function of (release, seed, e) alone. The model's randomness (dropout, stochastic
depth) is reseeded from (seed, e) at the start of every epoch for the same reason: an epoch's computation then
depends only on the weights and optimizer state it starts from, which is exactly what a checkpoint holds. That is
what makes ``resume=True`` continue bit-for-bit (on CPU; on a GPU up to the GPU's own run-to-run nondeterminism
unless ``deterministic=True``).

Mid-epoch checkpoints. With ``checkpoint_every=N`` the run also checkpoints after every N-th optimizer step (counted
over the whole run; not at an epoch's last step, whose epoch checkpoint follows): the model with its optimizer
state, and beside it what a .keras file leaves out: the RNG states as they are after that step (torch's CPU and CUDA
generators, numpy's, Python's, every layer's SeedGenerator), the epoch's running metric totals (so the epoch's
logged loss and accuracy are those of the whole epoch), the stream's position (``Stream.state_dict``) and the
epoch's time and image counts so far. ``resume=True`` then trains the rest of that epoch in its own keras ``fit``
(keras fixes an epoch's length when ``fit`` starts), restoring those states just before its first step, and the
later epochs in another: the same weights as an uninterrupted run, bit-for-bit on CPU (the test compares them
exactly). The generators are restored after the first batch of the resumed epoch is fetched, because creating a
DataLoader iterator draws from torch's generator, which the uninterrupted run did at the epoch's start instead.

The output folder::

    state.json                 config (resolved), release (version, id), completed epochs, history, throughput
    checkpoints/epoch-NNNN.keras   the last completed epoch: model + optimizer state (keras' .keras format)
    checkpoints/step-NNNN-SSSSSS.keras/.npz   or a later mid-epoch step: model + optimizer, RNG and metric states
    log.csv                    one row per epoch: loss, top1, top5, val_*, images/s, data-wait fraction
    training_curves.png        loss and accuracy per epoch
    final.keras                float32 inference model (no optimizer); ``Extractor`` cuts it at ``avg_pool``
    labels.json                the label of each output unit, in order
    model_card.json            architecture, input convention, release, config, final metrics, throughput

Throughput. Before training, the loader alone is iterated for as many steps as a training epoch (no model), and
each epoch records training images/s and the fraction of training time spent waiting for batches. With a GPU, a
loader rate well above the training rate and a small data-wait fraction mean the input pipeline keeps the GPU busy.

keras (torch backend) is imported lazily; ``KERAS_BACKEND`` is set to ``torch`` unless the caller chose one.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from cytoimagenet.errors import UserError
from cytoimagenet.io import atomic_path, write_bytes_atomic, write_text_atomic
from cytoimagenet.seeding import key_seed

STATE = "state.json"
CHECKPOINTS = "checkpoints"
LOG = "log.csv"
CURVES = "training_curves.png"
FINAL = "final.keras"
LABELS = "labels.json"
CARD = "model_card.json"
FEATURE_LAYER = "avg_pool"
STATE_FORMAT = 1

ORIGINAL = {"epochs": 24, "train_top1": 0.1342, "validation_top1": 0.1132}

# Fields that change what an epoch computes: a resumed run must keep them, or it is not the same run.
PINNED = ("image_size", "channels", "batch_size", "steps_per_epoch", "learning_rate", "mixed_precision", "seed",
          "workers", "shuffle_buffer")
LOG_COLUMNS = ("epoch", "loss", "top1", "top5", "val_loss", "val_top1", "val_top5", "train_images",
               "train_seconds", "train_images_per_s", "data_wait_fraction", "epoch_seconds")


@dataclass(frozen=True)
class PretrainConfig:
    """Settings of a pretraining run; the defaults are the original recipe.

    ``None`` means automatic: ``steps_per_epoch`` the whole train split, ``validation_steps`` the whole validation
    split (0 skips validation), ``mixed_precision`` on with a GPU, ``workers`` (decoding processes) CPUs - 2 with
    a GPU and 0 (decode in the training process) without, ``benchmark_steps`` as many as a training epoch (0 skips
    the loader-alone measurement), ``checkpoint_every`` (steps; None: only the epoch checkpoints) a mid-epoch
    checkpoint every N optimizer steps. The state file stores the resolved values."""

    image_size: int = 224
    channels: int = 3
    batch_size: int = 64
    epochs: int = 24
    steps_per_epoch: Optional[int] = None
    validation_steps: Optional[int] = None
    learning_rate: float = 1e-3
    mixed_precision: Optional[bool] = None
    weights: Optional[str] = None
    seed: int = 0
    workers: Optional[int] = None
    shuffle_buffer: int = 1000
    benchmark_steps: Optional[int] = None
    deterministic: bool = False
    checkpoint_every: Optional[int] = None

    def check(self) -> None:
        if self.channels not in (1, 3):
            raise UserError(f"channels must be 1 or 3 (the grayscale repeated for ImageNet-shaped models), "
                            f"got {self.channels}")
        if self.image_size < 32:
            # EfficientNetB0 downsamples by 32: smaller inputs leave no spatial extent for the last stage
            raise UserError(f"image_size must be at least 32, got {self.image_size}")
        for name in ("batch_size", "epochs", "shuffle_buffer"):
            if getattr(self, name) < 1:
                raise UserError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.steps_per_epoch is not None and self.steps_per_epoch < 1:
            raise UserError(f"steps_per_epoch must be at least 1, got {self.steps_per_epoch}")
        if self.checkpoint_every is not None and self.checkpoint_every < 1:
            raise UserError(f"checkpoint_every must be at least 1 step, got {self.checkpoint_every}")
        for name in ("validation_steps", "workers", "benchmark_steps"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise UserError(f"{name} must be 0 or more, got {value}")
        if not self.learning_rate > 0:
            raise UserError(f"learning_rate must be positive, got {self.learning_rate}")


# ---------------------------------------------------------------- environment


def _keras():
    from cytoimagenet.suite.features import _keras as import_keras

    return import_keras()


def _cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def _sync() -> None:
    # CUDA kernels run asynchronously: without a sync a timer stops while the GPU is still working
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


def precision_policy(mixed: bool, cuda: Optional[bool] = None) -> str:
    """The keras dtype policy: bfloat16 where the GPU has it (no loss scaling needed), float16 on older GPUs."""
    if not mixed:
        return "float32"
    cuda = _cuda() if cuda is None else cuda
    if cuda:
        import torch

        return "mixed_bfloat16" if torch.cuda.is_bf16_supported() else "mixed_float16"
    return "mixed_bfloat16"  # CPUs have no fast float16 convolutions; bfloat16 at least runs


def device_description() -> dict:
    import torch

    if torch.cuda.is_available():
        return {"device": "cuda", "name": torch.cuda.get_device_name(0), "count": torch.cuda.device_count()}
    return {"device": "cpu", "name": platform.processor() or platform.machine(), "threads": torch.get_num_threads()}


def _software() -> dict:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in ("cytoimagenet", "keras", "torch", "numpy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def _set_deterministic() -> None:
    import torch

    # must be set before cuBLAS initialises; harmless on CPU
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False


# ---------------------------------------------------------------- release


def release_info(source) -> dict:
    """name, version, release_id, labels and split sizes of a release (folder or Hub repo id)."""
    from cytoimagenet.loaders.streaming import resolve
    from cytoimagenet.format import Manifest

    train = resolve(source, "train")
    manifest = Manifest.model_validate_json((train.root / "manifest.json").read_text())
    return {"path": str(train.root), "name": manifest.name, "version": manifest.version,
            "release_id": manifest.release_id, "labels": list(manifest.labels),
            "splits": dict(manifest.splits)}


# ---------------------------------------------------------------- data


def _batches_class():
    from cytoimagenet.loaders.keras_adapter import StreamPyDataset

    class EpochBatches(StreamPyDataset):
        """The first ``steps`` batches of the stream's current epoch; the epoch is set by the trainer, not keras.

        Also measures the time keras waits for each batch: with decoding workers it is near zero when the
        pipeline keeps up, and it is the whole decode time without them."""

        def __init__(self, stream, steps: int, workers: int):
            super().__init__(stream, workers=workers)
            self.steps = int(steps)
            self.wait = 0.0
            self.images = 0

        def __len__(self) -> int:
            return self.steps - self._skip  # the rest of a resumed epoch, then whole epochs

        def begin_epoch(self, epoch: int) -> None:
            if self.stream.epoch != epoch:
                self.stream.set_epoch(epoch)
                self._iterator = None
                self._last = (None, None)
            self.wait, self.images = 0.0, 0

        def __getitem__(self, index: int):
            start = time.perf_counter()
            batch = super().__getitem__(index)
            self.wait += time.perf_counter() - start
            self.images += len(batch[1])
            return batch

        def on_epoch_end(self) -> None:
            # keras calls this after every pass (also after evaluation); the next pass starts a fresh iterator,
            # and the trainer, not this hook, decides which loader epoch that is
            self._iterator = None
            self._last = (None, None)

    return EpochBatches


def _workers(requested: Optional[int], cuda: bool) -> int:
    if requested is not None:
        return requested
    if not cuda:
        return 0  # on CPU the model needs the cores more than the decoder does
    return max(1, min(16, (os.cpu_count() or 2) - 2))


def loader_throughput(stream, steps: int, workers: int) -> dict:
    """Images/s of the loader alone: ``steps`` batches of ``stream``'s current epoch, decoded, no model."""
    start = time.perf_counter()
    it = iter(stream.loader(num_workers=workers)) if workers else iter(stream)
    images = done = 0
    for done, batch in enumerate(it, 1):
        images += len(batch[1])
        if done >= steps:
            break
    del it  # stops the DataLoader's workers before training forks its own
    seconds = time.perf_counter() - start
    return {"steps": done, "images": images, "seconds": round(seconds, 4),
            "images_per_s": round(images / seconds, 2) if seconds > 0 else None, "workers": workers}


# ---------------------------------------------------------------- model


def _metrics(keras):
    return [keras.metrics.SparseCategoricalAccuracy(name="top1"),
            keras.metrics.SparseTopKCategoricalAccuracy(k=5, name="top5")]


def _compile(model, keras, optimizer) -> None:
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(), metrics=_metrics(keras))


def build_model(n_labels: int, image_size: int, channels: int):
    from cytoimagenet.suite.features import efficientnet_b0

    return efficientnet_b0(image_size, channels, classes=n_labels)


def inference_model(model, n_labels: int, image_size: int, channels: int):
    """The trained network without its optimizer, computing in float32 (what final.keras holds)."""
    keras = _keras()
    if all(layer.dtype_policy.name == "float32" for layer in model.layers):
        # a new functional model over the same layers: not compiled, so saved without optimizer state; no copy
        return keras.Model(model.input, model.output, name=model.name)
    # mixed precision: the variables are float32 already; only the layers' compute policy must change
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32")
    try:
        lean = build_model(n_labels, image_size, channels)
    finally:
        keras.config.set_dtype_policy(previous)
    lean.set_weights(model.get_weights())
    return lean


def load_start_weights(model, path: str | Path) -> str:
    """Initialise ``model`` from a file; returns what was loaded ("full model" or "backbone").

    ``.keras``: a whole model (e.g. an earlier ``final.keras``); its head is used only when it has the same label
    count, otherwise only the backbone (everything up to ``avg_pool``) is copied. Other files are
    weights: of this very model, or of EfficientNetB0 without its top (ImageNet weights already on disk)."""
    keras = _keras()
    path = Path(path)
    if not path.is_file():
        raise UserError(f"weights file {path} does not exist (nothing is downloaded: pass a local file)")
    backbone = keras.Model(model.input, model.get_layer(FEATURE_LAYER).output)
    if path.suffix == ".keras":
        src = keras.models.load_model(path, compile=False)
        try:
            src_backbone = keras.Model(src.input, src.get_layer(FEATURE_LAYER).output)
        except ValueError:
            raise UserError(f"{path}: no {FEATURE_LAYER!r} layer; it is not an EfficientNetB0") from None
        head_fits = tuple(src.output.shape[1:]) == tuple(model.output.shape[1:])
        target, source = (model, src) if head_fits else (backbone, src_backbone)
        # by position, not by layer name: keras names some layers (rescaling_3, normalization_5) by build order
        ours, theirs = target.get_weights(), source.get_weights()
        bad = next(((i, a.shape, b.shape) for i, (a, b) in enumerate(zip(ours, theirs)) if a.shape != b.shape), None)
        if len(ours) != len(theirs) or bad:
            detail = (f"array {bad[0]} has shape {bad[2]} where this model needs {bad[1]}" if bad
                      else f"{len(theirs)} arrays where this model has {len(ours)}")
            raise UserError(f"{path}: not an EfficientNetB0 of this input shape ({detail}); "
                            f"this model takes {tuple(model.input.shape[1:])}: check --channels")
        target.set_weights(theirs)
        return "full model" if head_fits else "backbone"
    errors = []
    for target, what in ((model, "full model"), (backbone, "backbone")):
        try:
            target.load_weights(str(path))
            return what
        except Exception as exc:  # keras raises ValueError, KeyError or h5py errors depending on the mismatch
            errors.append(f"{what}: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}")
    raise UserError(f"{path}: neither weights of this model nor of EfficientNetB0 without its top with "
                    f"{model.input.shape[-1]} input channel(s) ({'; '.join(errors)})")


def _reseed(model, keras, seed: int, epoch: int) -> None:
    """Every random draw of an epoch from (seed, epoch): torch's global generator (keras' unseeded Dropout uses it)
    and every layer's SeedGenerator (stochastic depth), whose state a .keras file does not store."""
    keras.utils.set_random_seed(key_seed(seed, "fit", epoch) % (1 << 31))
    states = [v for v in model.variables if v.name == "seed_generator_state"]
    for i, var in enumerate(states):
        var.assign(np.array([key_seed(seed, "layer-rng", epoch, i) % (1 << 31), 0], dtype="int32"))


def _seed_states(model) -> list:
    return [v for v in model.variables if v.name == "seed_generator_state"]


def _metric_variables(model) -> list:
    return [v for m in model.metrics for v in m.variables]


def capture_step_state(model) -> dict:
    """The arrays a mid-epoch resume needs beyond the .keras file: RNG states and the epoch's metric totals."""
    import random

    import torch

    np_state = np.random.get_state()
    py_state = random.getstate()
    arrays = {"torch_cpu": torch.get_rng_state().numpy(),
              "numpy_keys": np_state[1], "numpy_rest": np.array(np_state[2:4] + (0,), np.int64),
              "numpy_gauss": np.array([np_state[4]], np.float64),
              "python": np.array(py_state[1], np.int64),
              "python_gauss": np.array([np.nan if py_state[2] is None else py_state[2]], np.float64)}
    if torch.cuda.is_available():
        for i, st in enumerate(torch.cuda.get_rng_state_all()):
            arrays[f"torch_cuda_{i}"] = st.numpy()
    for i, var in enumerate(_seed_states(model)):
        arrays[f"seed_{i}"] = np.asarray(var.numpy())
    for i, var in enumerate(_metric_variables(model)):
        arrays[f"metric_{i}"] = np.asarray(var.numpy())
    return arrays


def restore_metrics(model, arrays, where) -> None:
    variables = _metric_variables(model)
    saved = sorted((k for k in arrays if k.startswith("metric_")), key=lambda k: int(k[7:]))
    if len(saved) != len(variables):
        raise UserError(f"{where}: {len(saved)} metric states where this model has {len(variables)}; "
                        "the checkpoint is of another version: resume from the last epoch checkpoint instead")
    for var, key in zip(variables, saved):
        var.assign(arrays[key])


def restore_rng(model, arrays) -> None:
    import random

    import torch

    torch.set_rng_state(torch.from_numpy(np.array(arrays["torch_cpu"], np.uint8)))
    cuda = sorted(k for k in arrays if k.startswith("torch_cuda_"))
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([torch.from_numpy(np.array(arrays[k], np.uint8)) for k in cuda])
    rest = [int(x) for x in arrays["numpy_rest"]]
    np.random.set_state(("MT19937", np.asarray(arrays["numpy_keys"], np.uint32), rest[0], rest[1],
                         float(arrays["numpy_gauss"][0])))
    gauss = float(arrays["python_gauss"][0])
    random.setstate((3, tuple(int(x) for x in arrays["python"]), None if np.isnan(gauss) else gauss))
    for i, var in enumerate(_seed_states(model)):
        var.assign(arrays[f"seed_{i}"])


# ---------------------------------------------------------------- outputs


def read_state(out_dir: str | Path) -> dict:
    path = Path(out_dir) / STATE
    if not path.is_file():
        raise UserError(f"{out_dir}: no run to resume ({STATE} missing); start one without --resume")
    state = json.loads(path.read_text())
    if state.get("format") != STATE_FORMAT:
        raise UserError(f"{path}: state format {state.get('format')!r}, this version reads {STATE_FORMAT}")
    return state


def load_config(out_dir: str | Path) -> PretrainConfig:
    """The resolved settings a run in ``out_dir`` was started with (to resume it with some changed)."""
    saved = read_state(out_dir)["config"]
    return PretrainConfig(**{f.name: saved[f.name] for f in fields(PretrainConfig) if f.name in saved})


def write_log(path: Path, history: list[dict]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=LOG_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in history:
        writer.writerow({k: row.get(k, "") for k in LOG_COLUMNS})
    write_text_atomic(path, buf.getvalue())


def plot_curves(path: Path, history: list[dict], title: str = "") -> None:
    from matplotlib.figure import Figure  # no pyplot: no global state, no display needed

    epochs = [r["epoch"] for r in history]
    fig = Figure(figsize=(10, 4), dpi=100)
    loss, acc = fig.subplots(1, 2)
    for key, style in (("loss", "-"), ("val_loss", "--")):
        if any(key in r for r in history):
            loss.plot(epochs, [r.get(key, np.nan) for r in history], style, marker="o", label=key)
    for key, style, color in (("top1", "-", "C0"), ("val_top1", "--", "C0"), ("top5", "-", "C1"),
                              ("val_top5", "--", "C1")):
        if any(key in r for r in history):
            acc.plot(epochs, [100 * r.get(key, np.nan) for r in history], style, color=color, marker="o", label=key)
    acc.axhline(100 * ORIGINAL["validation_top1"], color="grey", lw=0.8, ls=":",
                label=f"original val top-1 ({ORIGINAL['epochs']} ep)")
    loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    acc.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    for ax in (loss, acc):
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    write_bytes_atomic(path, buf.getvalue())


def _write_json(path: Path, obj) -> None:
    write_text_atomic(path, json.dumps(obj, indent=2, allow_nan=False, default=str) + "\n")


def _clean(logs: dict) -> dict:
    out = {}
    for k, v in logs.items():
        v = float(v)
        out[k] = round(v, 6) if np.isfinite(v) else None
    return out


def _throughput_summary(loader: Optional[dict], history: list[dict], device: dict) -> dict:
    last = history[-1] if history else {}
    train = last.get("train_images_per_s")
    wait = last.get("data_wait_fraction")
    summary = {"device": device, "loader": loader, "train_images_per_s": train, "data_wait_fraction": wait}
    if loader and loader.get("images_per_s") and train:
        ratio = loader["images_per_s"] / train
        summary["loader_over_train"] = round(ratio, 3)
        # training waits for data when the loader is not clearly faster, or when keras measurably blocks on it
        bound = ratio < 1.2 or (wait is not None and wait > 0.1)
        summary["verdict"] = ("input-bound: the loader limits training (add --workers, or CPUs)" if bound
                              else "compute-bound: the input pipeline keeps up with training")
    return summary


# ---------------------------------------------------------------- the state of a run


@dataclass
class RunState:
    """What ``state.json`` holds: the resolved config, the release, the completed epochs and their history, and
    once a checkpoint exists, where in an epoch it was taken (``step`` 0: an epoch checkpoint; N > 0: after step N,
    with ``step_state`` the RNG and metric arrays, ``stream`` the stream's position, ``partial`` the epoch's time
    and image counts so far)."""

    config: dict
    precision: str
    init: str
    release: dict
    software: dict
    epoch: int = 0
    checkpoint: Optional[str] = None
    history: list = field(default_factory=list)
    throughput: dict = field(default_factory=dict)
    step: int = 0
    step_state: Optional[str] = None
    stream: Optional[dict] = None
    partial: Optional[dict] = None
    format: int = STATE_FORMAT

    def to_json(self) -> dict:
        """The file's keys in the order they have always been written; the step fields only once a checkpoint
        exists (before the first one there is no position to name)."""
        out = {"format": self.format, "epoch": self.epoch, "checkpoint": self.checkpoint, "config": self.config,
               "precision": self.precision, "init": self.init, "release": self.release, "history": self.history,
               "throughput": self.throughput, "software": self.software}
        if self.checkpoint is not None:
            out.update(step=self.step, step_state=self.step_state, stream=self.stream, partial=self.partial)
        return out

    @classmethod
    def from_json(cls, data: dict, where: Path) -> "RunState":
        missing = [f.name for f in fields(cls) if f.name in _REQUIRED_STATE and f.name not in data]
        if missing:
            raise UserError(f"{where}: field {missing[0]!r} missing; the state file is incomplete: start a new run "
                            "in another --out folder")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def write(self, out_dir: Path) -> None:
        _write_json(out_dir / STATE, self.to_json())


_REQUIRED_STATE = ("config", "precision", "init", "release", "software")


@dataclass(frozen=True)
class MidEpoch:
    """A step checkpoint to resume from: after ``step`` steps of (0-based) ``epoch``; used up by that epoch."""

    epoch: int
    step: int
    arrays: dict
    where: Path
    partial: dict


# ---------------------------------------------------------------- the run


class _Run:
    def __init__(self, out_dir: Path, state: RunState, model, data, keras, log, resumed: Optional[MidEpoch] = None):
        self.out, self.state, self.model, self.data, self.keras, self.log = out_dir, state, model, data, keras, log
        self.resumed = resumed
        self.epoch, self.offset = 0, 0

    def callback(self):
        run = self

        class EpochControl(self.keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                _reseed(run.model, run.keras, run.state.config["seed"], epoch)
                run.data.begin_epoch(epoch)
                run.epoch, run.offset, self.pending = epoch, 0, None
                done = 0.0
                if run.resumed is not None and run.resumed.epoch == epoch:
                    resumed, run.resumed = run.resumed, None
                    run.offset = resumed.step
                    # keras reset the metrics just before this hook: the epoch's totals so far go back in
                    restore_metrics(run.model, resumed.arrays, resumed.where)
                    partial = resumed.partial
                    run.data.wait, run.data.images = partial["wait"], partial["images"]
                    done = partial["train_seconds"]
                    self.pending = resumed.arrays
                _sync()
                self.start, self.train_seconds = time.perf_counter() - done, None

            def on_train_batch_begin(self, batch, logs=None):
                if self.pending is not None:  # the batch is fetched by now (see the module docstring)
                    restore_rng(run.model, self.pending)
                    self.pending = None

            def on_train_batch_end(self, batch, logs=None):
                every = run.state.config.get("checkpoint_every")
                step = run.offset + batch + 1
                steps = run.state.config["steps_per_epoch"]
                if every and step < steps and (run.epoch * steps + step) % every == 0:
                    _sync()
                    run.save_step(run.epoch, step, time.perf_counter() - self.start)

            def on_test_begin(self, logs=None):
                if self.train_seconds is None:  # validation of this epoch starts: its training part is over
                    _sync()
                    self.train_seconds = time.perf_counter() - self.start

            def on_epoch_end(self, epoch, logs=None):
                _sync()
                total = time.perf_counter() - self.start
                train = self.train_seconds if self.train_seconds is not None else total
                images = run.data.images
                row = {"epoch": epoch + 1, **_clean(logs or {}), "train_images": images,
                       "train_seconds": round(train, 4), "train_images_per_s": round(images / train, 2),
                       "data_wait_fraction": round(min(1.0, run.data.wait / train), 4),
                       "epoch_seconds": round(total, 4)}
                run.end_epoch(row)

        return EpochControl()

    def save_step(self, epoch: int, step: int, train_seconds: float) -> None:
        """A mid-epoch checkpoint after ``step`` steps of ``epoch`` (0-based); the same order as end_epoch."""
        ckpt_dir = self.out / CHECKPOINTS
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        name = f"step-{epoch:04d}-{step:06d}"
        with atomic_path(ckpt_dir / f"{name}.keras", suffix=".keras") as tmp:
            self.model.save(tmp)
        buf = io.BytesIO()
        np.savez(buf, **capture_step_state(self.model))
        write_bytes_atomic(ckpt_dir / f"{name}.npz", buf.getvalue())
        state = self.state
        state.checkpoint, state.step, state.step_state = f"{CHECKPOINTS}/{name}.keras", step, f"{CHECKPOINTS}/{name}.npz"
        state.stream = self.data.stream.state_dict(batches=step, num_workers=self.data.decode_workers)
        state.partial = {"wait": self.data.wait, "images": self.data.images,
                         "train_seconds": round(train_seconds, 6)}
        state.write(self.out)
        _remove_old_checkpoints(ckpt_dir, {f"{name}.keras", f"{name}.npz"})

    def end_epoch(self, row: dict) -> None:
        """Checkpoint, then state (which names the checkpoint), then log and plot: a crash between any two steps
        leaves a state that points at a complete checkpoint of the epoch it records."""
        epoch = row["epoch"]
        ckpt_dir = self.out / CHECKPOINTS
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        name = f"epoch-{epoch:04d}.keras"
        with atomic_path(ckpt_dir / name, suffix=".keras") as tmp:
            self.model.save(tmp)
        state = self.state
        state.history = [r for r in state.history if r["epoch"] < epoch] + [row]
        state.epoch = epoch
        state.checkpoint = f"{CHECKPOINTS}/{name}"
        state.step, state.step_state, state.stream, state.partial = 0, None, None, None
        state.throughput = _throughput_summary(state.throughput.get("loader"), state.history[-1:],
                                               state.throughput["device"])
        state.write(self.out)
        _remove_old_checkpoints(ckpt_dir, {name})
        _write_curves(self.out, state)
        parts = [f"epoch {epoch}/{state.config['epochs']}"]
        for key in ("loss", "top1", "top5", "val_loss", "val_top1", "val_top5"):
            if row.get(key) is not None:
                parts.append(f"{key} {row[key]:.4f}")
        parts.append(f"{row['train_images_per_s']:.1f} img/s (data wait {100 * row['data_wait_fraction']:.0f}%)")
        self.log(" · ".join(parts))


def _write_curves(out_dir: Path, state: RunState) -> None:
    write_log(out_dir / LOG, state.history)
    plot_curves(out_dir / CURVES, state.history,
                f"EfficientNetB0 on {state.release['name']} {state.release['version']}")


def _remove_old_checkpoints(ckpt_dir: Path, keep: set) -> None:
    # only after the state names the new checkpoint: a crash before leaves the old one to resume from
    for old in [*ckpt_dir.glob("epoch-*.keras"), *ckpt_dir.glob("step-*.keras"), *ckpt_dir.glob("step-*.npz")]:
        if old.name not in keep:
            old.unlink()


def _resolve(config: PretrainConfig, info: dict, cuda: bool) -> PretrainConfig:
    from cytoimagenet.loaders.streaming import node_range

    per_epoch = node_range(info["splits"].get("train", 0), 0, 1, config.batch_size, False)[2]
    steps = per_epoch if config.steps_per_epoch is None else min(config.steps_per_epoch, per_epoch)
    mixed = cuda if config.mixed_precision is None else config.mixed_precision
    return replace(config, steps_per_epoch=steps, mixed_precision=mixed, workers=_workers(config.workers, cuda))


def _check_resume(saved: PretrainConfig, requested: PretrainConfig) -> None:
    differ = [f"{name}: run has {getattr(saved, name)!r}, asked {getattr(requested, name)!r}"
              for name in PINNED if getattr(requested, name) is not None
              and getattr(requested, name) != getattr(saved, name)]
    if differ:
        raise UserError("--resume continues a run with its own settings; these differ: " + "; ".join(differ) +
                        ". Leave them out, or start a new run in another --out folder")


# ---------------------------------------------------------------- pretrain, step by step

# Fields a resumed run may change: they do not change what an epoch computes.
UNPINNED = ("epochs", "validation_steps", "benchmark_steps", "deterministic", "checkpoint_every")


@dataclass
class Pretraining:
    """One call of ``pretrain``: what it was asked, and what each step below has decided or built so far."""

    release: object  # the caller's source: a release folder or a Hub repo id
    out_dir: Path
    info: dict  # release_info(release)
    config: PretrainConfig
    log: Callable[[str], None]
    state: Optional[RunState] = None  # the run's persisted state; None until resumed or started
    resumed: Optional[MidEpoch] = None
    keras: Any = None
    cuda: bool = False
    policy: str = "float32"
    device: dict = field(default_factory=dict)
    model: Any = None
    start_epoch: int = 0
    train_shards: Any = None  # the train split's shards, resolved once from the caller's source
    train: Any = None  # EpochBatches over the train split
    validation: Any = None  # EpochBatches over the validation split, or None
    stream_args: dict = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return self.info["labels"]


def _settings(release, out_dir: Path, config: Optional[PretrainConfig], resume: bool, log) -> Pretraining:
    """The run's settings. Resuming keeps the saved run's settings (those in PINNED must not be asked otherwise;
    the UNPINNED ones follow the caller) and its release (same release_id); a run that never finished an epoch
    starts again (its seeded start makes that the same run). Without resume, a folder that holds a run is
    refused."""
    info = release_info(release)
    state = None
    if resume:
        state = RunState.from_json(read_state(out_dir), out_dir / STATE)
        saved = load_config(out_dir)
        if config is not None:
            _check_resume(saved, config)
            config = replace(saved, **{name: getattr(config, name) for name in UNPINNED})
        else:
            config = saved
        if state.release["release_id"] != info["release_id"]:
            raise UserError(f"{out_dir} was trained on release {state.release['version']} "
                            f"({state.release['release_id'][:12]}), not on {info['path']} "
                            f"{info['version']} ({info['release_id'][:12]}); resume it on the same release")
        if state.checkpoint is None:
            # stopped before its first epoch ended: the seeded initialisation makes a restart the same run
            log(f"{out_dir}: no epoch was completed; starting the run again with its settings")
            state = None
    elif (out_dir / STATE).exists():
        done = json.loads((out_dir / STATE).read_text()).get("epoch", "?")
        raise UserError(f"{out_dir} already holds a run ({done} epoch(s) done): pass --resume to continue it, "
                        "or choose another --out folder")
    return Pretraining(release, out_dir, info, config or PretrainConfig(), log, state=state)


def _check(run: Pretraining) -> None:
    """Nothing starts on settings that cannot train: a valid config, labels to train on, and a start-weights file
    that exists (for a new run; a resumed one starts from its checkpoint)."""
    run.config.check()
    if not run.labels:
        raise UserError(f"{run.info['path']}: the manifest lists no labels; nothing to train on")
    if run.config.weights and run.state is None and not Path(run.config.weights).is_file():
        raise UserError(f"weights file {run.config.weights} does not exist (nothing is downloaded: pass a local file)")


def _backend(run: Pretraining) -> None:
    """keras on torch, the config resolved for this machine (steps capped at the loader's epoch, so that an
    epoch's data is a function of (seed, epoch)), and the precision policy: a resumed model's own, or the
    config's."""
    if run.config.deterministic:
        _set_deterministic()
    keras = run.keras = _keras()
    if keras.backend.backend() != "torch":
        raise UserError(f"pretraining runs on keras' torch backend; KERAS_BACKEND is {keras.backend.backend()!r}")
    run.cuda = _cuda()
    requested_steps = run.config.steps_per_epoch
    run.config = _resolve(run.config, run.info, run.cuda)
    if requested_steps is not None and requested_steps > run.config.steps_per_epoch:
        run.log(f"steps per epoch capped at {run.config.steps_per_epoch}: a training epoch never runs past the "
                "loader's epoch (so that each epoch's data is a function of (seed, epoch))")
    # a resumed model keeps the per-layer policies saved with it; anything built now must match them
    run.policy = run.state.precision if run.state else precision_policy(run.config.mixed_precision, run.cuda)
    run.device = device_description()


def _remove_stale_files(out_dir: Path) -> None:
    """Temporary .keras files are left only by a run killed while saving; none of them is a checkpoint."""
    for stale in [*out_dir.glob(".*.tmp-*.keras"), *(out_dir / CHECKPOINTS).glob(".*.tmp-*.keras")]:
        stale.unlink()


def _resume_model(run: Pretraining) -> None:
    """A resumed run continues from its checkpoint: the model with its optimizer state, the caller's UNPINNED
    settings written into its config, and, for a step checkpoint, the arrays that resume the epoch mid-way."""
    state, config = run.state, run.config
    run.start_epoch = int(state.epoch)
    if state.step and config.epochs <= run.start_epoch:
        # ending there would publish a model trained part of an epoch as the run's final one
        raise UserError(f"{run.out_dir}: its last checkpoint is in epoch {run.start_epoch + 1}, after step "
                        f"{state.step}; --epochs {config.epochs} would end the run mid-epoch: pass --epochs "
                        f"{run.start_epoch + 1} or more")
    state.config.update({name: getattr(config, name) for name in UNPINNED})
    run.model = run.keras.models.load_model(run.out_dir / state.checkpoint)
    if state.step:
        where = run.out_dir / state.step_state
        with np.load(where) as npz:
            arrays = {k: npz[k] for k in npz.files}
        run.resumed = MidEpoch(run.start_epoch, int(state.step), arrays, where, state.partial)
        run.log(f"resuming {run.out_dir} in epoch {run.start_epoch + 1} after step {state.step} ({state.checkpoint})")
    else:
        run.log(f"resuming {run.out_dir} after epoch {run.start_epoch} ({state.checkpoint})")
    _compile(run.model, run.keras, run.model.optimizer)


def _start_model(run: Pretraining) -> None:
    """A new run starts from a model seeded by the config's seed (or from --weights), a fresh Adam, and a state
    file (with labels.json) written before the first step, so that a run killed early is seen as a run."""
    config, keras = run.config, run.keras
    run.start_epoch = 0
    keras.utils.set_random_seed(config.seed % (1 << 31))
    run.model = build_model(len(run.labels), config.image_size, config.channels)
    init = "random"
    if config.weights:
        init = f"{load_start_weights(run.model, config.weights)} from {config.weights}"
    optimizer = keras.optimizers.Adam(learning_rate=config.learning_rate)
    run.state = RunState(config=asdict(config), precision=run.policy, init=init,
                         release={k: v for k, v in run.info.items() if k != "labels"} | {"n_labels": len(run.labels)},
                         software=_software(), throughput={"device": run.device})
    run.out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(run.out_dir / LABELS, json.dumps(run.labels, indent=1) + "\n")
    run.state.write(run.out_dir)
    _compile(run.model, keras, optimizer)


def _streams(run: Pretraining) -> None:
    """The train batches from the start epoch (a mid-epoch resume: from the saved stream position, which refuses a
    changed release or setting); validation batches when the release has that split and validation_steps != 0."""
    from cytoimagenet.loaders.streaming import Stream, resolve

    config, info = run.config, run.info
    # resolved from the caller's source, not the local path: a Hub snapshot holds only the splits asked for
    run.stream_args = dict(batch_size=config.batch_size, image_size=config.image_size, channels=config.channels,
                           seed=config.seed, shuffle_buffer=config.shuffle_buffer, output="numpy", dtype="uint8")
    Batches = _batches_class()
    run.train_shards = resolve(run.release, "train")
    run.train = Batches(Stream(run.train_shards, "train", epoch=run.start_epoch, rotate=True,
                               **run.stream_args), config.steps_per_epoch, config.workers)
    if run.resumed is not None:
        run.train.load_state_dict(run.state.stream)
    run.validation = None
    if info["splits"].get("validation", 0) and config.validation_steps != 0:
        val_stream = Stream(resolve(run.release, "validation"), "validation", rotate=False, shuffle=False,
                            **run.stream_args)
        val_steps = len(val_stream) if config.validation_steps is None else \
            min(config.validation_steps, len(val_stream))
        run.validation = Batches(val_stream, val_steps, config.workers)
    elif config.validation_steps != 0:
        run.log(f"{info['path']}: no validation split; training without validation metrics")


def _measure_loader(run: Pretraining) -> None:
    """The loader alone, no model, over as many steps as a training epoch (or benchmark_steps; 0 skips it), on the
    start epoch's data: the rate training is compared with."""
    from cytoimagenet.loaders.streaming import Stream

    config = run.config
    bench = config.steps_per_epoch if config.benchmark_steps is None else config.benchmark_steps
    if not bench:
        return
    probe = Stream(run.train_shards, "train", epoch=run.start_epoch, rotate=True, **run.stream_args)
    loader = loader_throughput(probe, min(bench, len(probe)), config.workers)
    run.state.throughput["loader"] = loader
    run.log(f"loader alone: {loader['images_per_s']} images/s over {loader['steps']} batches "
            f"of {config.batch_size} at {config.image_size} px ({config.workers} decoding workers)")


def _fit(run: Pretraining, verbose: int) -> None:
    """Epochs start_epoch+1..epochs. The rest of an interrupted epoch runs in its own fit (keras fixes an epoch's
    length when fit starts), the later epochs in another."""
    config, model = run.config, run.model
    run.log(f"training EfficientNetB0 ({len(run.labels)} labels, {config.channels} channel(s), "
            f"{config.image_size} px, {run.policy}) on {run.device['device']} ({run.device['name']}): epochs "
            f"{run.start_epoch + 1}..{config.epochs}, {config.steps_per_epoch} steps of {config.batch_size}")
    control = _Run(run.out_dir, run.state, model, run.train, run.keras, run.log, run.resumed)
    first = run.start_epoch
    if run.resumed is not None:
        model.fit(run.train, epochs=first + 1, initial_epoch=first, validation_data=run.validation,
                  callbacks=[control.callback()], verbose=verbose)
        run.train._skip = 0  # whole epochs from here
        first += 1
    if first < config.epochs:
        model.fit(run.train, epochs=config.epochs, initial_epoch=first, validation_data=run.validation,
                  callbacks=[control.callback()], verbose=verbose)


def _rewrite_curves(run: Pretraining) -> None:
    """A run with every epoch done only rewrites its log and plot (a run killed between its state and its log
    leaves the log one epoch short), then its final artifacts."""
    run.log(f"{run.out_dir}: all {run.config.epochs} epochs already done; writing the final artifacts")
    if run.state.history:
        _write_curves(run.out_dir, run.state)


def _log_throughput(card: dict, log: Callable[[str], None]) -> None:
    t = card["throughput"]
    if t.get("loader") and t.get("train_images_per_s"):
        log(f"throughput: loader {t['loader']['images_per_s']} images/s, training {t['train_images_per_s']} "
            f"images/s, data wait {100 * (t['data_wait_fraction'] or 0):.0f}% -> {t.get('verdict', '')}")


def pretrain(release, out_dir: str | Path, config: Optional[PretrainConfig] = None, *, resume: bool = False,
             verbose: int = 1, log: Callable[[str], None] = print) -> dict:
    """Train EfficientNetB0 on ``release`` (folder or Hub repo id) into ``out_dir``; returns the model card.

    ``resume=True`` continues the run in ``out_dir`` from its last checkpoint: with ``config=None`` under its own
    settings, or with ``replace(load_config(out_dir), epochs=N)`` to train it longer (settings that change what an
    epoch computes must stay as they were). ``verbose`` is keras' progress (0 silent, 1 bar, 2 a line an epoch)."""
    run = _settings(release, Path(out_dir), config, resume, log)
    _check(run)
    _backend(run)
    _remove_stale_files(run.out_dir)
    previous_policy = run.keras.config.dtype_policy()
    run.keras.config.set_dtype_policy(run.policy)
    try:
        if run.state is not None:
            _resume_model(run)
        else:
            _start_model(run)
        run.state.throughput["device"] = run.device
        _streams(run)
        if run.start_epoch < run.config.epochs:
            _measure_loader(run)
            _fit(run, verbose)
        else:
            _rewrite_curves(run)
        card = _finalise(run)
    finally:
        run.keras.config.set_dtype_policy(previous_policy)
    _log_throughput(card, log)
    return card


def _finalise(run: Pretraining) -> dict:
    """final.keras in float32 without optimizer state (an inference and transfer artifact: a quarter the size of a
    checkpoint, and loadable on a CPU whatever precision it was trained in) + labels.json + model_card.json."""
    out_dir, state, model, labels, config = run.out_dir, run.state, run.model, run.labels, run.config
    lean = inference_model(model, len(labels), config.image_size, config.channels)
    with atomic_path(out_dir / FINAL, suffix=".keras") as tmp:
        lean.save(tmp)
    write_text_atomic(out_dir / LABELS, json.dumps(labels, indent=1) + "\n")
    history = state.history
    last = history[-1] if history else {}
    best = max((r for r in history if r.get("val_top1") is not None), key=lambda r: r["val_top1"], default=None)
    card = {
        "model": "EfficientNetB0",
        "file": FINAL,
        "framework": {"keras": state.software.get("keras"), "backend": "torch"},
        "input": {"shape": [config.image_size, config.image_size, config.channels], "layout": "NHWC",
                  "range": "0-255 (the model rescales)", "content": "8-bit grayscale" +
                  (" repeated to 3 channels" if config.channels == 3 else "")},
        "output": {"units": len(labels), "activation": "softmax", "labels": LABELS},
        "features": {"layer": FEATURE_LAYER, "dim": int(model.get_layer(FEATURE_LAYER).output.shape[-1]),
                     "how": "cytoimagenet.suite.features.Extractor(weights='final.keras')"},
        "release": state.release,
        "trained": {"epochs": state.epoch, "precision": state.precision, "init": state.init,
                    "optimizer": f"Adam {config.learning_rate:g}", "loss": "categorical cross-entropy",
                    "augmentation": "random 0-360 degree rotation (reflection fill)",
                    "config": state.config},
        "metrics": {k: last.get(k) for k in ("loss", "top1", "top5", "val_loss", "val_top1", "val_top5")},
        "best_val_top1": None if best is None else {"epoch": best["epoch"], "val_top1": best["val_top1"]},
        "original": ORIGINAL,
        "throughput": state.throughput,
        "software": state.software,
        "files": {"final": FINAL, "labels": LABELS, "log": LOG, "curves": CURVES, "checkpoint": state.checkpoint,
                  "state": STATE},
    }
    _write_json(out_dir / CARD, card)
    return card
