"""RepeatVector: repeat a `(batch, features)` input `n` times along a new axis."""

from __future__ import annotations

from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


class RepeatVector(Layer):
    """Repeats the input `n` times: `(batch, features)` → `(batch, n, features)`.

    The output is a broadcast view of the input (`expand`), so no memory is
    copied; write to it in place only after `.clone()`.

    Args:
        n: positive integer, the number of repetitions.

    Example:

    >>> x = kerastorch.Input(shape=(32,))
    >>> kerastorch.layers.RepeatVector(3)(x).shape
    (None, 3, 32)
    """

    def __init__(self, n: int, **kwargs):
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"`n` must be a positive integer. Received: n={n!r}")
        super().__init__(**kwargs)
        self.n = n
        self.input_spec = InputSpec(ndim=2)
        self.built = True

    def call(self, inputs):
        return inputs.unsqueeze(1).expand(-1, self.n, -1)  # (batch, n, features)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        config = super().get_config()
        config["n"] = self.n
        return config
