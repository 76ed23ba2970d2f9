"""Merge: the base of the layers that combine a list of tensors element-wise."""

from __future__ import annotations

import torch

from kerastorch.layers.layer import Layer


def _is_shape(s) -> bool:
    return isinstance(s, (list, tuple)) and all(
        d is None or isinstance(d, int) for d in s
    )


def get_mask(x):
    """The Keras mask carried by a tensor (`x._keras_mask`), or None."""
    return getattr(x, "_keras_mask", None)


def broadcast_mask(mask: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """A `(batch, steps)` mask broadcast to the shape of `x` (`(batch, steps, ...)`)."""
    while mask.dim() < x.dim():
        mask = mask.unsqueeze(-1)
    return mask.expand_as(x)


class Merge(Layer):
    """Base class of the element-wise merge layers (`Add`, `Multiply`, ...).

    Inputs are a list of tensors with the same batch size whose other axes
    broadcast against each other (right-aligned, as numpy); inputs of lower
    rank get size-1 axes inserted after the batch axis. Masks are combined
    with a logical OR.

    Subclasses implement `_merge_function(inputs)` on the list of tensors.
    """

    _min_inputs = 1
    _max_inputs: int | None = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    # --- validation ---------------------------------------------------------------

    def _check_input_shapes(self, input_shape) -> list[tuple]:
        """The list of input shapes, or a ValueError that says what was received."""
        if (
            not isinstance(input_shape, (list, tuple))
            or not all(_is_shape(s) for s in input_shape)
            or (input_shape and not isinstance(input_shape[0], (list, tuple)))
        ):
            raise ValueError(
                f"A merge layer ('{self.name}', {type(self).__name__}) should be called "
                f"on a list of inputs. Received: input_shape={input_shape} "
                "(not a list of shapes)"
            )
        shapes = [tuple(s) for s in input_shape]
        n = len(shapes)
        if n < self._min_inputs or (
            self._max_inputs is not None and n > self._max_inputs
        ):
            if self._min_inputs == self._max_inputs:
                expected = f"exactly {self._min_inputs}"
            else:
                expected = f"at least {self._min_inputs}"
            raise ValueError(
                f"A `{type(self).__name__}` layer ('{self.name}') should be called on "
                f"{expected} input(s). Received {n} inputs: input_shape={shapes}"
            )
        for s in shapes:
            if len(s) == 0:
                raise ValueError(
                    f"Layer '{self.name}' needs batched inputs (rank >= 1). "
                    f"Received: input_shape={shapes}"
                )
        batch_sizes = {s[0] for s in shapes} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                f"Layer '{self.name}' cannot merge tensors with different batch "
                f"sizes. Received tensors with shapes {shapes}"
            )
        return shapes

    def _elementwise_shape(self, shape1: tuple, shape2: tuple) -> tuple:
        """Broadcast shape of two shapes without their batch axis."""
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return shape1
        out = list(shape1[: len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2) :], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1:
                out.append(j)
            elif j == 1 or i == j:
                out.append(i)
            else:
                raise ValueError(
                    f"Layer '{self.name}': inputs have incompatible shapes. "
                    f"Received shapes {shape1} and {shape2} (batch axis excluded)."
                )
        return tuple(out)

    def _merged_shape(self, shapes: list[tuple]) -> tuple:
        out = shapes[0][1:]
        for s in shapes[1:]:
            out = self._elementwise_shape(out, s[1:])
        batch = next((s[0] for s in shapes if s[0] is not None), None)
        return (batch, *out)

    # --- layer API ------------------------------------------------------------------

    def build(self, input_shape):
        self._merged_shape(self._check_input_shapes(input_shape))

    def call(self, inputs):
        if isinstance(inputs, torch.Tensor) or not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"A merge layer ('{self.name}') should be called on a list of "
                f"inputs. Received: inputs of type {type(inputs).__name__} "
                "(not a list of tensors)"
            )
        inputs = list(inputs)
        if not torch.compiler.is_compiling():  # traced shapes are SymInts; torch checks them
            self._merged_shape(self._check_input_shapes([tuple(x.shape) for x in inputs]))
        max_ndim = max(x.dim() for x in inputs)
        if any(x.dim() != max_ndim for x in inputs):
            # Lower-rank inputs: add size-1 axes after the batch axis (a view).
            inputs = [
                x.reshape(x.shape[0], *([1] * (max_ndim - x.dim())), *x.shape[1:])
                for x in inputs
            ]
        return self._merge_function(inputs)

    def _merge_function(self, inputs: list[torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError(
            f"{type(self).__name__} must implement `_merge_function(inputs)`."
        )

    def _masked_reduce(self, inputs, op, neutral: float) -> torch.Tensor:
        """Reduce with `op`, masked-out entries counting as `neutral`; zero outside all masks."""
        masks = [get_mask(x) for x in inputs]
        if all(m is None for m in masks):
            output = inputs[0]
            for x in inputs[1:]:
                output = op(output, x)
            return output
        has_output_mask = all(m is not None for m in masks)
        output = output_mask = None
        for x, mask in zip(inputs, masks):
            if mask is not None:
                mask = broadcast_mask(mask, x)
                fill = neutral if x.is_floating_point() else int(neutral)
                x = torch.where(mask, x, fill)
                if has_output_mask:
                    output_mask = mask if output_mask is None else output_mask | mask
            output = x if output is None else op(output, x)
        if has_output_mask:
            output = torch.where(output_mask, output, 0)
        return output

    def _masked_select_op(self, inputs, op) -> torch.Tensor:
        """Apply `op` pairwise where masked-out entries take the other operand's value.

        For `Maximum`/`Minimum`, which have no neutral element.
        """
        output = output_mask = None
        for x in inputs:
            mask = get_mask(x)
            if mask is not None:
                mask = broadcast_mask(mask, x)
            if output is None:
                output, output_mask = x, mask
                continue
            if mask is not None:
                x = torch.where(mask, x, output)
            if output_mask is not None:
                output = torch.where(output_mask, output, x)
            output_mask = (
                output_mask | mask
                if mask is not None and output_mask is not None
                else None
            )
            output = op(output, x)
        return output

    def compute_output_shape(self, input_shape):
        return self._merged_shape(self._check_input_shapes(input_shape))

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None:
            return None
        if not isinstance(previous_mask, (list, tuple)):
            raise ValueError(f"`mask` should be a list. Received: mask={previous_mask}")
        if len(previous_mask) != len(inputs):
            raise ValueError(
                "The lists `inputs` and `mask` should have the same length. "
                f"Received: {len(inputs)} inputs and {len(previous_mask)} masks."
            )
        if any(m is None for m in previous_mask):
            return None
        output_mask = previous_mask[0]
        for m in previous_mask[1:]:
            output_mask = output_mask | m
        return output_mask
