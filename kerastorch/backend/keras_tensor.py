"""KerasTensor: a symbolic tensor (shape, dtype, name) made by `kerastorch.Input`.

It holds no data. Calling a layer on it builds the layer and returns a new
KerasTensor whose shape is inferred without computing (see `symbolic.py`).
`_keras_history` records the layer call that produced it, for graph models.
"""

from __future__ import annotations

from kerastorch.backend.dtypes import standardize_dtype


class KerasTensor:
    """A symbolic placeholder: `shape` (with `None` for unknown sizes), `dtype`."""

    def __init__(self, shape, dtype=None, sparse: bool = False, name: str | None = None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.name = name
        self._keras_history = None
        self._keras_mask = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return (
            f"<KerasTensor shape={self.shape}, dtype={self.dtype}, "
            f"sparse={self.sparse}, name={self.name}>"
        )

    def __len__(self):
        raise TypeError(
            "A symbolic KerasTensor has no length. You may be calling a "
            "Python function on `Input(...)` that expects real data."
        )

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a Python bool.")

    def numpy(self):
        raise TypeError(
            "A symbolic KerasTensor holds no value. Call the model on real data "
            "to get numbers."
        )
