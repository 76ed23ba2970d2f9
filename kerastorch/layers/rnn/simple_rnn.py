"""SimpleRNNCell and SimpleRNN: a fully connected RNN, `h = activation(x W + h W_r + b)`."""

from __future__ import annotations

from kerastorch import activations
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.rnn._cell_base import BaseRNNCell
from kerastorch.layers.rnn._layer_base import CellRNN
from kerastorch.utils import tree


class SimpleRNNCell(BaseRNNCell):
    """Cell class for `SimpleRNN`: one timestep of `activation(x @ kernel + h @ recurrent_kernel + bias)`.

    Weights (Keras layout): `kernel` `(input_dim, units)`, `recurrent_kernel`
    `(units, units)`, `bias` `(units,)`.

    Args:
        units: positive integer, the size of the output and state.
        activation: Defaults to `"tanh"`.
        use_bias: Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        recurrent_initializer: Defaults to `"orthogonal"`.
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: Defaults to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint: Defaults to `None`.
        dropout: fraction of the inputs to drop (one mask per sequence).
            Defaults to `0.0`.
        recurrent_dropout: fraction of the recurrent state to drop. Defaults to `0.0`.
        seed: integer seed for the dropout masks. Defaults to `None`.

    Example:

    >>> layer = kerastorch.layers.RNN(kerastorch.layers.SimpleRNNCell(4))
    >>> layer(torch.ones(2, 5, 3)).shape
    torch.Size([2, 4])
    """

    gates = 1

    def __init__(
        self,
        units: int,
        activation="tanh",
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
        seed: int | None = None,
        **kwargs,
    ):
        dropout, recurrent_dropout = self._check_args(
            "SimpleRNNCell", units, dropout, recurrent_dropout, seed
        )
        super().__init__(**kwargs)
        self._setup(
            units, activation, use_bias, kernel_initializer, recurrent_initializer,
            bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint, dropout,
            recurrent_dropout, seed,
        )  # fmt: skip
        self.state_size = units

    def call(self, inputs, states, training=False):
        prev_output = states[0] if tree.is_nested(states) else states  # (batch, units)
        dp_mask, rec_mask = self._masks(inputs, prev_output, training)
        h = self._project(inputs, self.kernel, dp_mask)
        if self.bias is not None:
            h = h + self.bias
        output = self.activation(
            h + self._project(prev_output, self.recurrent_kernel, rec_mask)
        )
        return output, ([output] if tree.is_nested(states) else output)


class SimpleRNN(CellRNN):
    """Fully connected RNN: the output is fed back as the next step's state.

    Runs torch's fused `rnn_tanh`/`rnn_relu` kernel (cuDNN on CUDA) when the
    activation is `"tanh"` or `"relu"` and no recurrent dropout is active;
    otherwise a per-timestep loop over a `SimpleRNNCell`. Both give the same
    numbers. Weights (Keras layout, names `kernel`, `recurrent_kernel`,
    `bias`): `(input_dim, units)`, `(units, units)`, `(units,)`.

    Args:
        units: positive integer, the size of the output.
        activation: Defaults to `"tanh"`.
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

    Example:

    >>> layer = kerastorch.layers.SimpleRNN(4, return_sequences=True)
    >>> layer(torch.ones(32, 10, 8)).shape
    torch.Size([32, 10, 4])
    """

    _cell_class = SimpleRNNCell

    def __init__(
        self,
        units: int,
        activation="tanh",
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
        **kwargs,
    ):
        cell = SimpleRNNCell(
            units,
            activation=activation,
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
            seed=seed,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="simple_rnn_cell",
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

    def _fused_mode(self) -> str | None:
        if self.cell.activation is activations.tanh:
            return "rnn_tanh"
        if self.cell.activation is activations.relu:
            return "rnn_relu"
        return None

    def _torch_params(self) -> list:
        cell = self.cell
        # Transposed views: (units, input_dim), (units, units).
        params = [cell.kernel.t(), cell.recurrent_kernel.t()]
        if cell.bias is not None:
            params += [cell.bias, cell.bias.new_zeros(cell.bias.shape)]
        return params
