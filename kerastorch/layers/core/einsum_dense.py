"""EinsumDense: a dense layer whose contraction is an einsum equation."""

from __future__ import annotations

import re

import torch

from kerastorch import activations
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.layers.layer import Layer

# The three equation forms Keras accepts: no ellipsis, "...x,y->...z", "xy...,y->z...".
_PLAIN = re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)")
_LEFT = re.compile(r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)")
_RIGHT = re.compile(r"([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\.")


def _parse(equation: str) -> tuple[str, str, str, str | None]:
    """(input spec, weight spec, output spec, elided side) of an EinsumDense equation."""
    for pattern, side in ((_PLAIN, None), (_LEFT, "left"), (_RIGHT, "right")):
        match = pattern.fullmatch(equation)
        if match:
            return (*match.groups(), side)
    raise ValueError(
        f"Invalid einsum equation '{equation}'. Equations must be in the form "
        "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
    )


def analyze_einsum(equation: str, bias_axes: str | None, input_shape, output_shape):
    """Kernel shape, bias shape (or None) and full output shape, as Keras derives them.

    `output_shape` is the partial output shape given to the layer: without the
    batch axis and without the axes covered by `...`.
    """
    in_spec, w_spec, out_spec, side = _parse(equation)
    input_shape = tuple(input_shape)
    partial = list(output_shape)
    elided = len(input_shape) - len(in_spec)
    if elided < 0 or (side is None and elided != 0) or (side == "left" and elided < 1):
        raise ValueError(
            f"The equation '{equation}' expects inputs of rank "
            f"{len(in_spec)}{' or more' if side else ''}. "
            f"Received: input_shape={input_shape}"
        )
    expected = len(out_spec) if side == "left" else len(out_spec) - 1
    if len(partial) != expected:
        raise ValueError(
            f"The equation '{equation}' has output spec '{out_spec}', so "
            f"`output_shape` needs {expected} entries (the batch axis and the "
            f"axes under '...' excluded). Received: output_shape={tuple(partial)}"
        )
    if side == "left":
        full = [*input_shape[:elided], *partial]
        offset = elided
    else:
        full = [input_shape[0], *partial, *input_shape[len(input_shape) - elided :]]
        offset = 0
    in_map = {dim: i + offset for i, dim in enumerate(in_spec)}
    out_map = {dim: i + offset for i, dim in enumerate(out_spec)}

    for dim in in_spec:
        if dim in out_map:
            in_size, out_size = input_shape[in_map[dim]], full[out_map[dim]]
            if out_size is None:
                full[out_map[dim]] = in_size  # a shared axis keeps the input's size
            elif in_size is not None and in_size != out_size:
                raise ValueError(
                    "Input shape and output shape do not match at shared "
                    f"dimension '{dim}'. Input shape is {in_size}, and output "
                    f"shape is {out_size}."
                )
    for dim in out_spec:
        if dim not in in_spec and dim not in w_spec:
            raise ValueError(
                f"Dimension '{dim}' was specified in the output '{out_spec}' but "
                f"has no corresponding dim in the input spec '{in_spec}' or "
                f"weight spec '{w_spec}'."
            )

    kernel_shape = []
    for dim in w_spec:
        if dim in in_map:
            kernel_shape.append(input_shape[in_map[dim]])
        elif dim in out_map:
            kernel_shape.append(full[out_map[dim]])
        else:
            raise ValueError(
                f"Weight dimension '{dim}' did not have a match in either the "
                f"input spec '{in_spec}' or the output spec '{out_spec}'. For this "
                "layer, the weight must be fully specified."
            )

    bias_shape = None
    if bias_axes is not None:
        for char in bias_axes:
            if char not in out_spec:
                raise ValueError(
                    f"Bias dimension '{char}' was requested, but is not part of "
                    f"the output spec '{out_spec}'."
                )
        first = min(out_spec.find(char) for char in bias_axes)
        # Broadcastable against the output: size on bias axes, 1 elsewhere.
        bias_shape = [
            full[out_map[char]] if char in bias_axes else 1 for char in out_spec[first:]
        ]
        if side == "right":
            bias_shape += [1] * elided
    return tuple(kernel_shape), (tuple(bias_shape) if bias_shape else None), tuple(full)


class EinsumDense(Layer):
    """A dense layer of any rank: `activation(einsum(equation, inputs, kernel) + bias)`.

    The kernel's shape is derived from `equation`, the input shape and
    `output_shape`, as in Keras. Equations take one of three forms:
    `"ab,bc->ac"`, `"...b,bc->...c"` (leading axes passed through) or
    `"abc...,cd->abd..."` (trailing axes passed through).

    Args:
        equation: the einsum equation `"{input},{kernel}->{output}"`.
        output_shape: the output shape without the batch axis and without the
            axes covered by `...`; an integer for one axis. `None` entries
            take the input's size on axes shared with the input.
        activation: activation function or name. Defaults to `None` (linear).
        bias_axes: letters of the output spec that get a bias, e.g. `"c"`.
            Defaults to `None` (no bias).
        kernel_initializer: Defaults to `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer, bias_regularizer, activity_regularizer: Defaults to `None`.
        kernel_constraint, bias_constraint: Defaults to `None`.

    Example:

    >>> layer = kerastorch.layers.EinsumDense("abc,cd->abd", output_shape=(None, 64),
    ...                                       bias_axes="d")
    >>> layer(torch.ones(2, 32, 128)).shape
    torch.Size([2, 32, 64])
    >>> tuple(layer.kernel.shape)
    (128, 64)
    """

    def __init__(
        self,
        equation: str,
        output_shape,
        activation=None,
        bias_axes: str | None = None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank: int | None = None,
        **kwargs,
    ):
        if not isinstance(equation, str):
            raise ValueError(
                f"`equation` must be a string. Received: equation={equation!r}"
            )
        _parse(equation)  # ValueError for an equation of the wrong form
        received = output_shape
        if isinstance(output_shape, int) and not isinstance(output_shape, bool):
            output_shape = (output_shape,)
        if not isinstance(output_shape, (list, tuple)) or not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 1)
            for d in output_shape
        ):
            raise ValueError(
                "`output_shape` must be a positive integer or a tuple of positive "
                f"integers / None. Received: output_shape={received!r}"
            )
        if bias_axes is not None and not isinstance(bias_axes, str):
            raise ValueError(
                f"`bias_axes` must be a string or None. Received: bias_axes={bias_axes!r}"
            )
        if lora_rank is not None:
            raise ValueError(
                "LoRA (`lora_rank`) is not supported by kerastorch's EinsumDense. "
                f"Received: lora_rank={lora_rank}"
            )
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.equation = equation
        self.partial_output_shape = tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._linear_activation = (
            activation is None or activations.serialize(self.activation) == "linear"
        )

    def build(self, input_shape):
        kernel_shape, bias_shape, full_output_shape = analyze_einsum(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape
        )
        self.full_output_shape = full_output_shape
        self.kernel = self.add_weight(
            name="kernel",
            shape=kernel_shape,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if bias_shape is not None:
            self.bias = self.add_weight(
                name="bias",
                shape=bias_shape,
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None

    def call(self, inputs):
        x = torch.einsum(self.equation, inputs, self.kernel)  # full_output_shape
        if self.bias is not None:
            x = x + self.bias
        if self._linear_activation:
            return x
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return analyze_einsum(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape
        )[2]

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "equation": self.equation,
                "output_shape": self.partial_output_shape,
                "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(
                    self.activity_regularizer
                ),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config
