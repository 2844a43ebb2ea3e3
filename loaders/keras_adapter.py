"""``keras.utils.PyDataset`` over a :class:`~cytoimagenet.loaders.streaming.Stream`.

Keras asks a PyDataset for batches by index; a stream yields them in order. The adapter serves each index from the
stream's next batch (the stream does the shuffling, so Keras' ``shuffle`` has nothing to add) and advances the
stream's epoch in ``on_epoch_end``. Keras' own ``workers``/``use_multiprocessing`` would give every worker a copy of
the stream and duplicate samples, so parallel decoding goes through torch DataLoader workers instead, which split
the stream exactly (``workers=N`` here; needs torch, which Keras' torch backend has anyway).
"""

from __future__ import annotations

import os

# the project's Keras runs on torch (the keras extra installs torch, not TensorFlow); an explicit choice stands
os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402


class StreamPyDataset(keras.utils.PyDataset):
    def __init__(self, stream, workers: int = 0, **kwargs):
        # Keras must call __getitem__ from one thread, in order: the parallelism is in the DataLoader below
        super().__init__(workers=1, use_multiprocessing=False, **kwargs)
        if stream.resampled:
            raise ValueError("a resampled stream has no epoch length; build the Keras dataset from a finite stream "
                             "and let fit() repeat it")
        self.stream = stream
        self.decode_workers = workers
        self._iterator = None
        self._served = 0
        self._last = (None, None)

    def __len__(self) -> int:
        return len(self.stream)

    def _start(self):
        if self.decode_workers:
            self._iterator = iter(self.stream.loader(num_workers=self.decode_workers))
        else:
            self._iterator = iter(self.stream)
        self._served = 0

    def __getitem__(self, index: int):
        if index == self._last[0]:
            return self._last[1]
        # Keras may peek at batch 0 before fitting, or evaluate the same dataset twice: a new pass restarts the
        # epoch rather than running past its end
        if self._iterator is None or self._served >= len(self):
            self._start()
        batch = next(self._iterator)
        self._served += 1
        self._last = (index, batch[:2])
        return batch[:2]

    def on_epoch_end(self) -> None:
        self.stream.set_epoch(self.stream.epoch + 1)
        self._iterator = None
        self._last = (None, None)
