"""TerminateOnNaN: stop training at the first NaN or infinite loss."""

from __future__ import annotations

import math

from kerastorch.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    """Stop training when a batch's loss is NaN or infinite.

    By default training stops gracefully (`model.stop_training = True`, so
    the current epoch still ends and `on_train_end` runs for every callback).
    Reading the loss costs one host sync per batch.

    Args:
        raise_error: if `True`, raise a `RuntimeError` at once instead, so no
            later hook (such as `on_train_end`) runs. Defaults to `False`.

    Example:

    ```python
    model.fit(x, y, callbacks=[keras.callbacks.TerminateOnNaN()])
    ```
    """

    def __init__(self, raise_error: bool = False):
        if not isinstance(raise_error, bool):
            raise TypeError(
                f"`raise_error` must be a boolean. Received: raise_error={raise_error!r}"
            )
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = float(loss)
        if math.isnan(loss) or math.isinf(loss):
            if self.raise_error:
                raise RuntimeError(
                    f"NaN or Inf loss encountered at batch {batch}. "
                    f"Loss value: {loss}. Terminating training immediately."
                )
            print(f"Batch {batch}: Invalid loss, terminating training", flush=True)
            self.model.stop_training = True
