"""GRUCell and GRU: Gated Recurrent Unit (Cho et al., 2014)."""

from __future__ import annotations

import torch

from kerastorch import activations
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.rnn._cell_base import BaseRNNCell
from kerastorch.layers.rnn._layer_base import CellRNN
from kerastorch.layers.rnn._utils import check_bool
from kerastorch.layers.rnn.lstm import check_use_cudnn
from kerastorch.utils import tree


def _to_torch_gate_order(w: torch.Tensor) -> torch.Tensor:
    """Keras's [z, r, h] gate blocks (last axis) in torch's order [r, z, n]."""
    z, r, h = w.chunk(3, dim=-1)
    return torch.cat([r, z, h], dim=-1)


class GRUCell(BaseRNNCell):
    """Cell class for `GRU`: one timestep, state `h`.

    Weights (Keras layout): `kernel` `(input_dim, 3 * units)`,
    `recurrent_kernel` `(units, 3 * units)`, gate blocks in the order
    **[z, r, h]** (update, reset, candidate); `bias` `(2, 3 * units)` when
    `reset_after=True` (row 0 the input bias, row 1 the recurrent bias), else
    `(3 * units,)`:

        z = recurrent_activation(x W_z + b_z + h U_z + b'_z)       (same for r)
        reset_after=True:  hh = activation(x W_h + b_h + r * (h U_h + b'_h))
        reset_after=False: hh = activation(x W_h + b_h + (r * h) U_h)
        h' = z * h + (1 - z) * hh

    Args:
        units: positive integer, the size of the output and state.
        activation: Defaults to `"tanh"`.
        recurrent_activation: the gates' activation. Defaults to `"sigmoid"`.
        use_bias: Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        recurrent_initializer: Defaults to `"orthogonal"`.
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: Defaults to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint: Defaults to `None`.
        dropout: fraction of the inputs to drop (one mask per sequence).
            Defaults to `0.0`.
        recurrent_dropout: fraction of the recurrent state to drop; each gate
            then draws its own masks, as Keras's `implementation=1`.
            Defaults to `0.0`.
        reset_after: apply the reset gate after the recurrent matrix product
            (the cuDNN/torch formulation). Defaults to `True`.
        seed: integer seed for the dropout masks. Defaults to `None`.

    Example:

    >>> layer = kerastorch.layers.RNN(kerastorch.layers.GRUCell(4))
    >>> layer(torch.ones(2, 5, 3)).shape
    torch.Size([2, 4])
    """

    gates = 3

    def __init__(
        self,
        units: int,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        reset_after: bool = True,
        seed: int | None = None,
        **kwargs,
    ):
        dropout, recurrent_dropout = self._check_args(
            "GRUCell", units, dropout, recurrent_dropout, seed
        )
        check_bool(reset_after, "reset_after")
        # Keras's speed knob: there is one implementation here.
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        self._setup(
            units, activation, use_bias, kernel_initializer, recurrent_initializer,
            bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint, dropout,
            recurrent_dropout, seed,
        )  # fmt: skip
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after
        self.state_size = units

    def _bias_shape(self) -> tuple[int, ...]:
        if self.reset_after:
            return (2, 3 * self.units)  # input bias, recurrent bias
        return (3 * self.units,)

    def call(self, inputs, states, training=False):
        h_tm1 = states[0] if tree.is_nested(states) else states  # (batch, units)
        dp_mask, rec_mask = self._masks(inputs, h_tm1, training)
        units = self.units
        input_bias = recurrent_bias = None
        if self.bias is not None:
            if self.reset_after:
                input_bias, recurrent_bias = self.bias[0], self.bias[1]
            else:
                input_bias = self.bias
        x = self._project(inputs, self.kernel, dp_mask)  # (batch, 3 * units)
        if input_bias is not None:
            x = x + input_bias
        x_z, x_r, x_h = x.chunk(3, dim=-1)
        if self.reset_after:
            # (batch, 3 * units)
            inner = self._project(h_tm1, self.recurrent_kernel, rec_mask)
            if recurrent_bias is not None:
                inner = inner + recurrent_bias
            rec_z, rec_r, rec_h = inner.chunk(3, dim=-1)
            z = self.recurrent_activation(x_z + rec_z)
            r = self.recurrent_activation(x_r + rec_r)
            hh = self.activation(x_h + r * rec_h)
        else:
            per_gate = rec_mask is not None and rec_mask.dim() > h_tm1.dim()
            zr_mask = rec_mask[:2] if per_gate else rec_mask
            inner = self._project(h_tm1, self.recurrent_kernel[:, : 2 * units], zr_mask)
            rec_z, rec_r = inner.chunk(2, dim=-1)
            z = self.recurrent_activation(x_z + rec_z)
            r = self.recurrent_activation(x_r + rec_r)
            h_h = h_tm1
            if rec_mask is not None:
                h_h = h_tm1 * (rec_mask[2] if per_gate else rec_mask)
            hh = self.activation(
                x_h + torch.matmul(r * h_h, self.recurrent_kernel[:, 2 * units :])
            )
        h = z * h_tm1 + (1 - z) * hh
        return h, ([h] if tree.is_nested(states) else h)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "recurrent_activation": activations.serialize(
                    self.recurrent_activation
                ),
                "reset_after": self.reset_after,
            }
        )
        return config


class GRU(CellRNN):
    """Gated Recurrent Unit layer (Cho et al., 2014).

    Runs torch's fused `torch.gru` kernel (cuDNN on CUDA; a right-padded mask
    becomes a packed sequence) when `activation="tanh"`,
    `recurrent_activation="sigmoid"`, `reset_after=True` (torch's formula)
    and no recurrent dropout is active in training; otherwise a per-timestep
    loop over a `GRUCell`. Both give the same numbers.

    Weights (Keras layout and names): `kernel` `(input_dim, 3 * units)`,
    `recurrent_kernel` `(units, 3 * units)`, gate blocks in the order
    **[z, r, h]** (update, reset, candidate; torch's order is [r, z, n]);
    `bias` `(2, 3 * units)` (input row, recurrent row) with `reset_after=True`,
    else `(3 * units,)`.

    Args:
        units: positive integer, the size of the output.
        activation: Defaults to `"tanh"`.
        recurrent_activation: Defaults to `"sigmoid"`.
        use_bias: Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        recurrent_initializer: Defaults to `"orthogonal"`.
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
        activity_regularizer: Defaults to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint: Defaults to `None`.
        dropout: fraction of the inputs to drop. Defaults to `0.0`.
        recurrent_dropout: fraction of the recurrent state to drop. Defaults to `0.0`.
        seed: integer seed for the dropout masks. Defaults to `None`.
        return_sequences, return_state, go_backwards, stateful, unroll: as in
            `RNN`. Default to `False`.
        reset_after: apply the reset gate after the recurrent matrix product.
            Defaults to `True`.
        use_cudnn: `"auto"` uses the fused kernel when possible; `False`
            always loops; `True` raises when the fused kernel cannot be used.
            Defaults to `"auto"`.

    Example:

    >>> gru = kerastorch.layers.GRU(4, return_sequences=True, return_state=True)
    >>> seq, h = gru(torch.rand(32, 10, 8))
    >>> seq.shape, h.shape
    (torch.Size([32, 10, 4]), torch.Size([32, 4]))
    """

    _cell_class = GRUCell

    def __init__(
        self,
        units: int,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        reset_after: bool = True,
        use_cudnn="auto",
        **kwargs,
    ):
        check_use_cudnn(use_cudnn)
        cell = GRUCell(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            reset_after=reset_after,
            seed=seed,
            implementation=kwargs.pop("implementation", 2),
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="gru_cell",
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = use_cudnn
        self._use_fused = use_cudnn

    def _fused_mode(self) -> str | None:
        cell = self.cell
        if (
            cell.reset_after
            and cell.activation is activations.tanh
            and cell.recurrent_activation is activations.sigmoid
        ):
            return "gru"
        return None

    def _torch_params(self) -> list:
        cell = self.cell
        params = [
            _to_torch_gate_order(cell.kernel).t(),  # (3u, in)
            _to_torch_gate_order(cell.recurrent_kernel).t(),  # (3u, u)
        ]
        if cell.bias is not None:
            params += [
                _to_torch_gate_order(cell.bias[0]),
                _to_torch_gate_order(cell.bias[1]),
            ]
        return params
