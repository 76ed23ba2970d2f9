"""ActivityRegularization: adds an L1/L2 penalty on the activations to the loss."""

from __future__ import annotations

from kerastorch import regularizers
from kerastorch.layers.layer import Layer


class ActivityRegularization(Layer):
    """Passes its input through and adds `l1 * sum(|x|) + l2 * sum(x**2)` to `losses`.

    The penalty joins `layer.losses` (and the model's total loss in `fit`)
    on every call.

    Args:
        l1: non-negative float, the L1 factor. Defaults to `0.0`.
        l2: non-negative float, the L2 factor. Defaults to `0.0`.

    Example:

    >>> layer = kerastorch.layers.ActivityRegularization(l1=0.1)
    >>> _ = layer(torch.tensor([[1.0, -2.0]]))
    >>> float(layer.losses[0])
    0.30000001192092896
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs):
        for arg, value in (("l1", l1), ("l2", l2)):
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or value < 0
            ):
                raise ValueError(
                    f"`{arg}` must be a non-negative float. Received: {arg}={value!r}"
                )
        kwargs.pop("activity_regularizer", None)
        super().__init__(
            activity_regularizer=regularizers.L1L2(l1=float(l1), l2=float(l2)), **kwargs
        )
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"l1": self.l1, "l2": self.l2})
        return config
