"""Permute: reorder the non-batch axes."""

from __future__ import annotations

from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


class Permute(Layer):
    """Permutes the axes of each sample; the batch axis stays first.

    The output is a view of the input (no copy), as `torch.permute` gives.

    Args:
        dims: tuple of integers, the permutation of the non-batch axes,
            numbered from 1 (Keras's convention). `dims=(2, 1)` swaps the two
            axes of `(batch, a, b)` inputs.

    Example:

    >>> x = kerastorch.Input(shape=(10, 64))
    >>> kerastorch.layers.Permute((2, 1))(x).shape
    (None, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        if not isinstance(dims, (list, tuple)) or not all(
            isinstance(d, int) and not isinstance(d, bool) for d in dims
        ):
            raise ValueError(
                f"`dims` must be a tuple of integers. Received: dims={dims!r}"
            )
        dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set "
                "of indices in `dims` must be consecutive and start from 1. "
                f"Received: dims={dims}"
            )
        super().__init__(**kwargs)
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)
        self.built = True

    def call(self, inputs):
        return inputs.permute(0, *self.dims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self) -> dict:
        config = super().get_config()
        config["dims"] = self.dims
        return config
