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


def _op(name: str):
    def method(self, *args):
        from kerastorch import ops

        return getattr(ops, name)(self, *args)

    method.__name__ = f"__{name}__"
    return method


def _reflected(name: str):
    def method(self, other):
        from kerastorch import ops

        return getattr(ops, name)(other, self)

    return method


# Python operators on symbolic tensors become op nodes of the graph, as in Keras.
for _dunder, _name in (
    ("add", "add"),
    ("sub", "subtract"),
    ("mul", "multiply"),
    ("truediv", "divide"),
    ("floordiv", "floor_divide"),
    ("mod", "mod"),
    ("pow", "power"),
    ("matmul", "matmul"),
    ("and", "logical_and"),
    ("or", "logical_or"),
    ("xor", "logical_xor"),
):
    setattr(KerasTensor, f"__{_dunder}__", _op(_name))
    setattr(KerasTensor, f"__r{_dunder}__", _reflected(_name))
for _dunder, _name in (
    ("neg", "negative"),
    ("abs", "absolute"),
    ("invert", "logical_not"),
    ("lt", "less"),
    ("le", "less_equal"),
    ("gt", "greater"),
    ("ge", "greater_equal"),
    ("getitem", "get_item"),
):
    setattr(KerasTensor, f"__{_dunder}__", _op(_name))
KerasTensor.__pos__ = lambda self: self
