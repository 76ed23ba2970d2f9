"""History: records each epoch's logs; `fit` returns it."""

from __future__ import annotations

from kerastorch.callbacks.callback import Callback


class History(Callback):
    """Records `epoch` indices and per-epoch logs in `history` (`{"loss": [...], ...}`).

    Added to every `fit` automatically and returned by it.
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)
        # Set here so a custom loop using only callbacks also sees it.
        self.model.history = self
