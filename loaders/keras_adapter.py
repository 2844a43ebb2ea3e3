"""``keras.utils.PyDataset`` over a :class:`~cytoimagenet.loaders.streaming.Stream`.

Keras asks a PyDataset for batches by index; a stream yields them in order. The adapter serves each index from the
stream's next batch (the stream does the shuffling, so Keras' ``shuffle`` has nothing to add) and advances the
stream's epoch in ``on_epoch_end``. Keras' own ``workers``/``use_multiprocessing`` would give every worker a copy of
the stream and duplicate samples, so parallel decoding goes through torch DataLoader workers instead, which split
the stream exactly (``workers=N`` here; needs torch, which Keras' torch backend has anyway).

Resuming: ``state_dict()`` is the stream's position counted in batches served to Keras (Keras asks for them one at a
time from one thread, so a served batch is a trained one); after ``load_state_dict(state)`` the dataset is as long as
what is left of the epoch, and the next ``on_epoch_end`` makes it whole again. Keras' ``fit`` fixes an epoch's length
when it starts, so the rest of the interrupted epoch is its own ``fit(..., initial_epoch=e, epochs=e + 1)`` call and
the later epochs another (``cytoimagenet.suite.pretrain`` does this). Note that Keras calls ``on_epoch_end`` after
its pre-fit peek at one batch too, which advances the epoch of this adapter: ``fit(epochs=n)`` trains on the
stream's epochs 1 .. n, still a function of the seed (``suite.pretrain`` sets the epoch itself). Keras 3 wraps the
peek in its own ``on_epoch_begin``/``on_epoch_end`` pair, so it cannot be told from a one-step epoch.
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
        self._skip = 0  # batches of the current epoch delivered before a resume
        self._last = (None, None)

    def __len__(self) -> int:
        return len(self.stream) - self._skip

    def state_dict(self) -> dict:
        return self.stream.state_dict(batches=self._skip + self._served, num_workers=self.decode_workers)

    def load_state_dict(self, state: dict) -> None:
        self.stream.load_state_dict(state)
        self._state, self._skip = state, int(state["batches"])
        self._iterator = None
        self._served = 0
        self._last = (None, None)

    def _start(self):
        if self._skip:
            # every pass of the resumed epoch starts at the saved position: keras peeks at a batch before fitting
            # (and restarts the pass), which would otherwise use the resume up
            self.stream.load_state_dict(self._state)
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
        if self._skip and self._served >= len(self):
            self._skip = 0  # the resumed epoch is done (not a peek at its first batch)
        self.stream.set_epoch(self.stream.epoch + 1)
        self._iterator = None
        self._last = (None, None)
