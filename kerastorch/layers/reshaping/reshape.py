"""Reshape: give each sample a new shape (one axis may be -1)."""

from __future__ import annotations

import math

from kerastorch.layers.layer import Layer


class Reshape(Layer):
    """Reshapes each sample to `target_shape`; the batch axis is kept.

    Args:
        target_shape: tuple of positive integers without the batch axis. One
            entry may be `-1`: it is inferred from the sample size.

    Example:

    >>> x = kerastorch.Input(shape=(12,))
    >>> kerastorch.layers.Reshape((3, 4))(x).shape
    (None, 3, 4)
    >>> kerastorch.layers.Reshape((-1, 2, 2))(x).shape
    (None, 3, 2, 2)
    """

    def __init__(self, target_shape, **kwargs):
        if isinstance(target_shape, int) and not isinstance(target_shape, bool):
            target_shape = (target_shape,)
        if not isinstance(target_shape, (list, tuple)) or not all(
            isinstance(d, int) and not isinstance(d, bool) and (d >= 1 or d == -1)
            for d in target_shape
        ):
            raise ValueError(
                "`target_shape` must be a tuple of positive integers, with at most "
                f"one -1. Received: target_shape={target_shape!r}"
            )
        target_shape = tuple(target_shape)
        if target_shape.count(-1) > 1:
            raise ValueError(
                "The `target_shape` argument must not contain more than one `-1` "
                f"value. Received: target_shape={target_shape}"
            )
        super().__init__(**kwargs)
        self.target_shape = target_shape
        self.built = True

    def _resolve(self, sample_shape: tuple) -> tuple:
        """`target_shape` with -1 filled in for a sample of `sample_shape` (None if unknown)."""
        known = math.prod(d for d in self.target_shape if d != -1)
        if any(d is None for d in sample_shape):
            return tuple(None if d == -1 else d for d in self.target_shape)
        size = math.prod(sample_shape)
        if -1 in self.target_shape:
            ok = size % known == 0
            missing = size // known if ok else None
            resolved = tuple(missing if d == -1 else d for d in self.target_shape)
        else:
            ok = size == known
            resolved = self.target_shape
        if not ok:
            raise ValueError(
                f"Layer '{self.name}' cannot reshape samples of shape {sample_shape} "
                f"({size} values) to target_shape={self.target_shape} "
                f"({'a multiple of ' if -1 in self.target_shape else ''}{known} "
                "values). The total size must be unchanged."
            )
        return resolved

    def call(self, inputs):
        target = self._resolve(tuple(inputs.shape[1:]))
        return inputs.reshape(inputs.shape[0], *target)  # (batch, *target_shape)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return (input_shape[0], *self._resolve(input_shape[1:]))

    def get_config(self) -> dict:
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config
