"""LSTMCell and LSTM: Long Short-Term Memory (Hochreiter & Schmidhuber, 1997)."""

from __future__ import annotations

import torch

from kerastorch import activations
from kerastorch import initializers
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.rnn._cell_base import BaseRNNCell
from kerastorch.layers.rnn._layer_base import CellRNN
from kerastorch.layers.rnn._utils import check_bool


def check_use_cudnn(use_cudnn):
    if use_cudnn not in ("auto", True, False):
        raise ValueError(
            "Invalid value received for argument `use_cudnn`. Expected one of "
            f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn!r}"
        )
    return use_cudnn


class LSTMCell(BaseRNNCell):
    """Cell class for `LSTM`: one timestep, states `[h, c]`.

    Weights (Keras layout): `kernel` `(input_dim, 4 * units)`,
    `recurrent_kernel` `(units, 4 * units)`, `bias` `(4 * units,)`, each split
    into gate blocks in the order **[i, f, c, o]** (input, forget, cell
    candidate, output) — the same order as torch's `nn.LSTM`:

        z = x @ kernel + h @ recurrent_kernel + bias
        i, f, g, o = recurrent_activation(z_i), recurrent_activation(z_f),
                     activation(z_c), recurrent_activation(z_o)
        c' = f * c + i * g;  h' = o * activation(c')

    Args:
        units: positive integer, the size of the output and of each state.
        activation: Defaults to `"tanh"`.
        recurrent_activation: the gates' activation. Defaults to `"sigmoid"`.
        use_bias: Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        recurrent_initializer: Defaults to `"orthogonal"`.
        bias_initializer: Defaults to `"zeros"`.
        unit_forget_bias: add 1 to the forget-gate bias at initialization.
            Defaults to `True`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: Defaults to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint: Defaults to `None`.
        dropout: fraction of the inputs to drop (one mask per sequence).
            Defaults to `0.0`.
        recurrent_dropout: fraction of the recurrent state to drop; each gate
            then draws its own masks, as Keras's `implementation=1`.
            Defaults to `0.0`.
        seed: integer seed for the dropout masks. Defaults to `None`.

    Example:

    >>> layer = kerastorch.layers.RNN(kerastorch.layers.LSTMCell(4), return_state=True)
    >>> output, h, c = layer(torch.ones(2, 5, 3))
    """

    gates = 4

    def __init__(
        self,
        units: int,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs,
    ):
        dropout, recurrent_dropout = self._check_args(
            "LSTMCell", units, dropout, recurrent_dropout, seed
        )
        check_bool(unit_forget_bias, "unit_forget_bias")
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
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [units, units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, base, ones = self.units, self.bias_initializer, initializers.Ones()

        def forget_bias_one(shape, dtype=None):
            # [i, f, c, o]: the forget block starts at one.
            return torch.cat(
                [
                    torch.as_tensor(base((units,), dtype=dtype)),
                    torch.as_tensor(ones((units,), dtype=dtype)),
                    torch.as_tensor(base((2 * units,), dtype=dtype)),
                ]
            )

        return forget_bias_one

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]  # (batch, units) each
        dp_mask, rec_mask = self._masks(inputs, h_tm1, training)
        z = self._project(inputs, self.kernel, dp_mask)  # (batch, 4 * units)
        z = z + self._project(h_tm1, self.recurrent_kernel, rec_mask)
        if self.bias is not None:
            z = z + self.bias
        z_i, z_f, z_c, z_o = z.chunk(4, dim=-1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = f * c_tm1 + i * self.activation(z_c)
        o = self.recurrent_activation(z_o)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "recurrent_activation": activations.serialize(
                    self.recurrent_activation
                ),
                "unit_forget_bias": self.unit_forget_bias,
            }
        )
        return config


class LSTM(CellRNN):
    """Long Short-Term Memory layer (Hochreiter & Schmidhuber, 1997).

    Runs torch's fused `torch.lstm` kernel (cuDNN on CUDA; a right-padded
    mask becomes a packed sequence) when `activation="tanh"`,
    `recurrent_activation="sigmoid"` and no recurrent dropout is active in
    training; otherwise a per-timestep loop over an `LSTMCell`. Both give the
    same numbers.

    Weights (Keras layout and names): `kernel` `(input_dim, 4 * units)`,
    `recurrent_kernel` `(units, 4 * units)`, `bias` `(4 * units,)`; the gate
    blocks are in the order **[i, f, c, o]** (input, forget, cell, output),
    which is also torch's order, so the fused path only transposes them.

    Args:
        units: positive integer, the size of the output.
        activation: Defaults to `"tanh"`.
        recurrent_activation: Defaults to `"sigmoid"`.
        use_bias: Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        recurrent_initializer: Defaults to `"orthogonal"`.
        bias_initializer: Defaults to `"zeros"`.
        unit_forget_bias: add 1 to the forget-gate bias at initialization.
            Defaults to `True`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
        activity_regularizer: Defaults to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint: Defaults to `None`.
        dropout: fraction of the inputs to drop. Defaults to `0.0`.
        recurrent_dropout: fraction of the recurrent state to drop. Defaults to `0.0`.
        seed: integer seed for the dropout masks. Defaults to `None`.
        return_sequences, return_state, go_backwards, stateful, unroll: as in
            `RNN`. Default to `False`.
        use_cudnn: `"auto"` uses the fused kernel when possible; `False`
            always loops; `True` raises when the fused kernel cannot be used.
            Defaults to `"auto"`.

    Example:

    >>> lstm = kerastorch.layers.LSTM(4, return_sequences=True, return_state=True)
    >>> seq, h, c = lstm(torch.rand(32, 10, 8))
    >>> seq.shape, h.shape, c.shape
    (torch.Size([32, 10, 4]), torch.Size([32, 4]), torch.Size([32, 4]))
    """

    _cell_class = LSTMCell

    def __init__(
        self,
        units: int,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias: bool = True,
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
        use_cudnn="auto",
        **kwargs,
    ):
        check_use_cudnn(use_cudnn)
        cell = LSTMCell(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            implementation=kwargs.pop("implementation", 2),
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="lstm_cell",
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
            cell.activation is activations.tanh
            and cell.recurrent_activation is activations.sigmoid
        ):
            return "lstm"
        return None

    def _torch_params(self) -> list:
        cell = self.cell
        # Same gate order [i, f, c, o] in Keras and torch: transposed views.
        params = [cell.kernel.t(), cell.recurrent_kernel.t()]  # (4u, in), (4u, u)
        if cell.bias is not None:
            params += [cell.bias, cell.bias.new_zeros(cell.bias.shape)]
        return params
