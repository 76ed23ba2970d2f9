"""What SimpleRNNCell, LSTMCell and GRUCell share: arguments, weights, dropout, config."""

from __future__ import annotations

import torch

from kerastorch import activations
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.layers.layer import Layer
from kerastorch.layers.rnn._utils import check_rate
from kerastorch.layers.rnn._utils import check_units
from kerastorch.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from kerastorch.random import SeedGenerator


class BaseRNNCell(Layer, DropoutRNNCell):
    """A cell with Keras's weights: `kernel` `(input_dim, gates * units)`,
    `recurrent_kernel` `(units, gates * units)` and `bias`.

    Subclasses set `gates` and implement `call(inputs, states, training=False)`.
    """

    gates = 1

    def _setup(
        self,
        units,
        activation,
        use_bias,
        kernel_initializer,
        recurrent_initializer,
        bias_initializer,
        kernel_regularizer,
        recurrent_regularizer,
        bias_regularizer,
        kernel_constraint,
        recurrent_constraint,
        bias_constraint,
        dropout,
        recurrent_dropout,
        seed,
    ) -> None:
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.seed = seed
        self.seed_generator = SeedGenerator(seed) if seed is not None else None
        # As Keras's `implementation=1`: with recurrent dropout every gate
        # draws its own input and recurrent masks.
        self.dropout_mask_count = self.gates if recurrent_dropout > 0 else 1
        self.output_size = units

    @staticmethod
    def _check_args(owner: str, units, dropout, recurrent_dropout, seed):
        check_units(units, owner)
        dropout = check_rate(dropout, "dropout")
        recurrent_dropout = check_rate(recurrent_dropout, "recurrent_dropout")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(
                f"`seed` must be an integer or None. Received: seed={seed!r}"
            )
        return dropout, recurrent_dropout

    # --- weights -------------------------------------------------------------------

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Layer '{self.name}' needs a known last input dimension. "
                f"Received: input_shape={input_shape}"
            )
        n = self.gates * self.units
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, n),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(self.units, n),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=self._bias_shape(),
                initializer=self._bias_initializer(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None

    def _bias_shape(self) -> tuple[int, ...]:
        return (self.gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def get_initial_state(self, batch_size: int | None = None) -> list[torch.Tensor]:
        """Zero states, one `(batch_size, size)` tensor per entry of `state_size`."""
        sizes = (
            self.state_size if isinstance(self.state_size, list) else [self.state_size]
        )
        dtype = to_torch_dtype(self.compute_dtype)
        device = self._guess_device()
        return [torch.zeros((batch_size, d), dtype=dtype, device=device) for d in sizes]

    # --- dropout and projections ---------------------------------------------------------

    def _masks(self, inputs, h_tm1, training):
        """The input and recurrent dropout masks in effect (each `None` when inactive)."""
        dp = rec = None
        if training and 0 < self.dropout < 1:
            dp = self.get_dropout_mask(inputs)
        if training and 0 < self.recurrent_dropout < 1:
            rec = self.get_recurrent_dropout_mask(h_tm1)
        return dp, rec

    @staticmethod
    def _project(x: torch.Tensor, weight: torch.Tensor, mask) -> torch.Tensor:
        """`x @ weight` with `x` dropped out by `mask`: `(batch, f)`, or one mask per gate."""
        if mask is None:
            return torch.matmul(x, weight)  # (batch, gates * units)
        if mask.dim() == x.dim():
            return torch.matmul(x * mask, weight)
        gates = mask.shape[0]
        # (gates, f, units)
        per_gate = weight.reshape(weight.shape[0], gates, -1).transpose(0, 1)
        out = torch.bmm(x.unsqueeze(0) * mask, per_gate)  # (gates, batch, units)
        return out.transpose(0, 1).reshape(x.shape[0], -1)  # (batch, gates * units)

    # --- config --------------------------------------------------------------------------

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(
                    self.recurrent_initializer
                ),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(
                    self.recurrent_regularizer
                ),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(
                    self.recurrent_constraint
                ),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed,
            }
        )
        return config
