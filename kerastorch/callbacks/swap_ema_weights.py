"""SwapEMAWeights: evaluate and predict with the optimizer's moving-average weights."""

from __future__ import annotations

from kerastorch.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Swap the model's weights with the optimizer's EMA weights around evaluation.

    Before evaluation (validation in `fit`, `evaluate`) and prediction, the
    weights take the values of the optimizer's exponential moving averages
    ("Polyak averaging"); afterwards the trained values come back. The swap
    is in place, so it needs no second copy of the model. Use it with an
    optimizer created with `use_ema=True`.

    Args:
        swap_on_epoch: also swap at the end of each epoch (and back at the
            start of the next), so that callbacks after this one, such as
            `ModelCheckpoint`, see the EMA weights. After the last epoch the
            model keeps the EMA weights. Defaults to `False`.

    Example:

    ```python
    model.compile(optimizer=keras.optimizers.SGD(use_ema=True), loss="mse")
    # Validation metrics are computed with the EMA weights.
    model.fit(x, y, validation_split=0.2, callbacks=[keras.callbacks.SwapEMAWeights()])
    ```
    """

    def __init__(self, swap_on_epoch: bool = False):
        if not isinstance(swap_on_epoch, bool):
            raise TypeError(
                f"`swap_on_epoch` must be a boolean. Received: swap_on_epoch={swap_on_epoch!r}"
            )
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _optimizer(self):
        optimizer = self.model.optimizer
        # A loss-scale wrapper keeps the averages on the optimizer it wraps.
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if not getattr(optimizer, "use_ema", False):
            raise ValueError(
                "SwapEMAWeights must be used when `use_ema=True` is set on the "
                f"optimizer. Received: use_ema={getattr(optimizer, 'use_ema', None)}"
            )
        return optimizer

    def _swap_in(self) -> None:
        if not self._ema_weights_in_model:
            self._optimizer().swap_ema_weights()
            self._ema_weights_in_model = True

    def _swap_out(self) -> None:
        if self._ema_weights_in_model:
            self._optimizer().swap_ema_weights()
            self._ema_weights_in_model = False

    def on_train_begin(self, logs=None):
        self._optimizer()  # fail before the first epoch, not after it

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._swap_out()

    def on_epoch_end(self, epoch, logs=None):
        if not self.swap_on_epoch or self._ema_weights_in_model:
            return
        if epoch == self.params.get("epochs", 0) - 1:
            # Last epoch: model and averages both end up with the EMA values, so
            # a later `finalize_variable_values()` keeps them.
            optimizer = self._optimizer()
            optimizer.finalize_variable_values(self.model.trainable_variables)
            self._ema_weights_in_model = True
        else:
            self._swap_in()

    def on_test_begin(self, logs=None):
        self._swap_in()

    def on_test_end(self, logs=None):
        self._swap_out()

    def on_predict_begin(self, logs=None):
        self._swap_in()

    def on_predict_end(self, logs=None):
        self._swap_out()
