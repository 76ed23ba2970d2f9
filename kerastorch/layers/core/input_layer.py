"""Input and InputLayer: the symbolic entry point of a model."""

from __future__ import annotations

from kerastorch.backend.dtypes import standardize_dtype
from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.layers.layer import Layer


class InputLayer(Layer):
    """The layer behind `kerastorch.Input`: holds the batch shape and dtype.

    Args:
        shape: the shape without the batch axis, e.g. `(32,)`.
        batch_size: optional fixed batch size.
        dtype: the input dtype. Defaults to `floatx()`.
        sparse: kept for Keras compatibility; sparse inputs are not supported.
        batch_shape: the full shape including the batch axis (instead of `shape`).
        name: the layer name. Defaults to `"input_layer"` made unique.
    """

    def __init__(
        self,
        shape=None,
        batch_size: int | None = None,
        dtype=None,
        sparse: bool | None = None,
        batch_shape=None,
        input_tensor=None,
        optional: bool = False,
        name: str | None = None,
        **kwargs,
    ):
        if shape is not None and batch_shape is not None:
            raise ValueError(
                "You cannot pass both `shape` and `batch_shape` at the same time. "
                f"Received: shape={shape}, batch_shape={batch_shape}"
            )
        if shape is None and batch_shape is None and input_tensor is None:
            raise ValueError("You must pass a `shape` argument to `Input`.")
        if sparse:
            raise ValueError(
                "Sparse inputs are not supported by kerastorch. "
                f"Received: sparse={sparse}"
            )
        if shape is not None:
            if isinstance(shape, int):
                shape = (shape,)
            if not isinstance(shape, (list, tuple)) or not all(
                d is None or (isinstance(d, int) and d >= 0) for d in shape
            ):
                raise ValueError(
                    "`shape` must be a tuple of non-negative integers or None. "
                    f"Received: shape={shape}"
                )
            batch_shape = (batch_size, *shape)
        elif input_tensor is not None and batch_shape is None:
            batch_shape = tuple(input_tensor.shape)
        kwargs.pop("input_shape", None)
        super().__init__(name=name, **kwargs)
        self.batch_shape = tuple(batch_shape)
        self._dtype = standardize_dtype(dtype)
        self.sparse = False
        self.optional = optional
        self.built = True
        self._output_shape = self.batch_shape
        self.output_tensor = KerasTensor(
            self.batch_shape, dtype=self._dtype, name=self.name
        )
        from kerastorch.layers.node import Node

        Node(self, (), {}, self.output_tensor)

    def call(self, inputs=None):
        return inputs

    @property
    def dtype(self) -> str:
        return self._dtype

    def get_config(self) -> dict:
        return {
            "batch_shape": self.batch_shape,
            "dtype": self._dtype,
            "sparse": False,
            "name": self.name,
        }


def Input(
    shape=None,
    batch_size: int | None = None,
    dtype=None,
    sparse: bool | None = None,
    batch_shape=None,
    name: str | None = None,
    tensor=None,
    optional: bool = False,
) -> KerasTensor:
    """A symbolic tensor to start a model from: `Input(shape=(784,))`.

    Args:
        shape: the shape without the batch axis (`None` entries are unknown sizes).
        batch_size: optional fixed batch size. Defaults to `None`.
        dtype: Defaults to `floatx()`.
        batch_shape: the full shape including the batch axis, instead of `shape`.
        name: Defaults to `"input_layer"` made unique.

    Example:

    >>> x = kerastorch.Input(shape=(32,))
    >>> x.shape
    (None, 32)
    """
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        batch_shape=batch_shape,
        name=name,
        input_tensor=tensor,
        optional=optional,
    )
    return layer.output_tensor
