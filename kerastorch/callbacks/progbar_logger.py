"""ProgbarLogger: prints the progress bar and metrics during `fit`/`evaluate`/`predict`."""

from __future__ import annotations

from kerastorch.callbacks.callback import Callback
from kerastorch.utils.progbar import Progbar


class ProgbarLogger(Callback):
    """Prints Keras's progress bar. Added by `fit` when `verbose` is not 0.

    Logs are read only when the bar is redrawn (a few times a second), so
    the bar costs no host synchronisation on the other steps.
    """

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _reset(self, target=None):
        self.seen = 0
        self.progbar = Progbar(target=target, verbose=self.verbose, unit_name="step")

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset(self.params.get("steps"))

    def on_predict_begin(self, logs=None):
        self._reset(self.params.get("steps"))

    def on_epoch_begin(self, epoch, logs=None):
        self._reset(self.target)
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self.progbar.update(batch + 1, logs, finalize=False)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self.progbar.update(batch + 1, logs, finalize=False)

    def on_predict_batch_end(self, batch, logs=None):
        self.progbar.update(batch + 1, None, finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        self.progbar.update(self.progbar._seen, logs, finalize=True)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self.progbar.update(self.progbar._seen, logs, finalize=True)

    def on_predict_end(self, logs=None):
        self.progbar.update(self.progbar._seen, None, finalize=True)
