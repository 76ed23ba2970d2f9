"""ConvLSTMCell and ConvLSTM: an LSTM whose input and recurrent transforms are convolutions."""

from __future__ import annotations

import math

import torch

from kerastorch import activations
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.backend import standardize_data_format
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.layers.convolutional import conv_utils
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer
from kerastorch.layers.rnn._utils import check_bool
from kerastorch.layers.rnn._utils import check_rate
from kerastorch.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from kerastorch.layers.rnn.rnn import RNN
from kerastorch.random import SeedGenerator


def conv_output_length(size, kernel: int, stride: int, dilation: int, padding: str):
    """Length of one spatial axis after a Keras "valid"/"same" convolution."""
    if size is None:
        return None
    if padding == "same":
        return math.ceil(size / stride)
    return (size - (kernel - 1) * dilation - 1) // stride + 1


class ConvLSTMCell(Layer, DropoutRNNCell):
    """Cell class for the ConvLSTM layers: one timestep, states `[h, c]`.

    Weights (Keras layout): `kernel` `(*kernel_size, input_channels,
    4 * filters)`, `recurrent_kernel` `(*kernel_size, filters, 4 * filters)`,
    `bias` `(4 * filters,)`; gate blocks in the order **[i, f, c, o]**. The
    input convolution uses `strides`, `padding` and `dilation_rate`; the
    recurrent one is "same" with stride 1. With dropout, each gate draws its
    own masks (as Keras).

    Args:
        rank: 1, 2 or 3, the number of spatial axes.
        filters: positive integer, the number of output channels.
        kernel_size: an int or `rank` ints.
        strides: an int or `rank` ints. Defaults to `1`.
        padding: `"valid"` or `"same"`. Defaults to `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `image_data_format()`.
        dilation_rate: an int or `rank` ints. Defaults to `1`.
        activation: Defaults to `"tanh"`.
        recurrent_activation: Defaults to `"sigmoid"`.
        use_bias: Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        recurrent_initializer: Defaults to `"orthogonal"`.
        bias_initializer: Defaults to `"zeros"`.
        unit_forget_bias: add 1 to the forget-gate bias at initialization.
            Defaults to `True`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: Defaults to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint: Defaults to `None`.
        dropout: fraction of the inputs to drop. Defaults to `0.0`.
        recurrent_dropout: fraction of the recurrent state to drop. Defaults to `0.0`.
        seed: integer seed for the dropout masks. Defaults to `None`.

    Example:

    >>> cell = kerastorch.layers.rnn.conv_lstm.ConvLSTMCell(2, 4, 3, padding="same")
    >>> kerastorch.layers.RNN(cell)(torch.rand(2, 5, 8, 8, 3)).shape
    torch.Size([2, 8, 8, 4])
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
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
        if rank not in (1, 2, 3):
            raise ValueError(f"`rank` must be 1, 2 or 3. Received: rank={rank!r}")
        filters = conv_utils.check_positive_int(filters, "filters")
        kernel_size, strides, dilation_rate, padding = conv_utils.standardize_conv_geometry(
            rank, kernel_size, strides, dilation_rate, padding
        )
        check_bool(unit_forget_bias, "unit_forget_bias")
        dropout = check_rate(dropout, "dropout")
        recurrent_dropout = check_rate(recurrent_dropout, "recurrent_dropout")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(
                f"`seed` must be an integer or None. Received: seed={seed!r}"
            )
        super().__init__(**kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.data_format = standardize_data_format(data_format)
        self.dilation_rate = dilation_rate
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
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
        self.dropout_mask_count = 4
        # Two states, h and c, each (*output_spatial, filters) per sample.
        self.state_size = [filters, filters]
        self._state_shape = None
        self.input_spec = InputSpec(ndim=rank + 2)

    def _channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def _conv_output_shape(self, input_shape) -> tuple:
        """Shape of the cell's output (and of h and c) for a step input of `input_shape`."""
        spatial = (
            input_shape[1:-1]
            if self.data_format == "channels_last"
            else input_shape[2:]
        )
        out = tuple(
            conv_output_length(n, k, s, d, self.padding)
            for n, k, s, d in zip(
                spatial, self.kernel_size, self.strides, self.dilation_rate
            )
        )
        if self.data_format == "channels_last":
            return (input_shape[0], *out, self.filters)
        return (input_shape[0], self.filters, *out)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        channels = input_shape[self._channel_axis()]
        spatial = (
            input_shape[1:-1]
            if self.data_format == "channels_last"
            else input_shape[2:]
        )
        if channels is None or None in spatial:
            raise ValueError(
                f"Layer '{self.name}' needs known channel and spatial dimensions. "
                f"Received: input_shape={input_shape}"
            )
        self._state_shape = self._conv_output_shape(input_shape)[1:]
        n = 4 * self.filters
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, channels, n),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(*self.kernel_size, self.filters, n),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(n,),
                initializer=self._bias_initializer(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        filters, base, ones = self.filters, self.bias_initializer, initializers.Ones()

        def forget_bias_one(shape, dtype=None):
            return torch.cat(
                [
                    torch.as_tensor(base((filters,), dtype=dtype)),
                    torch.as_tensor(ones((filters,), dtype=dtype)),
                    torch.as_tensor(base((2 * filters,), dtype=dtype)),
                ]
            )

        return forget_bias_one

    def get_initial_state(self, batch_size: int | None = None) -> list[torch.Tensor]:
        dtype = to_torch_dtype(self.compute_dtype)
        device = self._guess_device()
        shape = (batch_size, *self._state_shape)
        return [torch.zeros(shape, dtype=dtype, device=device) for _ in range(2)]

    def _conv(self, x, kernel, padding, strides, dilation, mask):
        """Channels-first `conv(x * mask, kernel)`: `(batch, 4 * filters, *spatial)`."""
        r = self.rank
        weight = kernel.permute(r + 1, r, *range(r))  # (4f, in, *k), a view
        if mask is None:
            x = conv_utils.to_channels_first(x, self.data_format)
            return conv_utils.convolve(x, weight, None, padding, strides, dilation)
        gates = []
        for g, w in enumerate(weight.chunk(4, dim=0)):  # one mask per gate
            x_g = conv_utils.to_channels_first(x * mask[g], self.data_format)
            gates.append(conv_utils.convolve(x_g, w, None, padding, strides, dilation))
        return torch.cat(gates, dim=1)

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        dp_mask = rec_mask = None
        if training and 0 < self.dropout < 1:
            dp_mask = self.get_dropout_mask(inputs)
        if training and 0 < self.recurrent_dropout < 1:
            rec_mask = self.get_recurrent_dropout_mask(h_tm1)
        ones = (1,) * self.rank
        z = self._conv(
            inputs, self.kernel, self.padding, self.strides, self.dilation_rate, dp_mask
        )
        z = z + self._conv(h_tm1, self.recurrent_kernel, "same", ones, ones, rec_mask)
        if self.bias is not None:
            z = z + self.bias.view(1, -1, *ones)
        z_i, z_f, z_c, z_o = z.chunk(4, dim=1)  # (batch, filters, *spatial) each
        c_prev = conv_utils.to_channels_first(c_tm1, self.data_format)
        c = self.recurrent_activation(z_f) * c_prev + self.recurrent_activation(
            z_i
        ) * self.activation(z_c)
        h = self.recurrent_activation(z_o) * self.activation(c)
        h = conv_utils.from_channels_first(h, self.data_format)
        c = conv_utils.from_channels_first(c, self.data_format)
        return h, [h, c]

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(_conv_lstm_config(self))
        config["rank"] = self.rank
        return config


def _conv_lstm_config(cell: ConvLSTMCell) -> dict:
    return {
        "filters": cell.filters,
        "kernel_size": cell.kernel_size,
        "strides": cell.strides,
        "padding": cell.padding,
        "data_format": cell.data_format,
        "dilation_rate": cell.dilation_rate,
        "activation": activations.serialize(cell.activation),
        "recurrent_activation": activations.serialize(cell.recurrent_activation),
        "use_bias": cell.use_bias,
        "kernel_initializer": initializers.serialize(cell.kernel_initializer),
        "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
        "bias_initializer": initializers.serialize(cell.bias_initializer),
        "unit_forget_bias": cell.unit_forget_bias,
        "kernel_regularizer": regularizers.serialize(cell.kernel_regularizer),
        "recurrent_regularizer": regularizers.serialize(cell.recurrent_regularizer),
        "bias_regularizer": regularizers.serialize(cell.bias_regularizer),
        "kernel_constraint": constraints.serialize(cell.kernel_constraint),
        "recurrent_constraint": constraints.serialize(cell.recurrent_constraint),
        "bias_constraint": constraints.serialize(cell.bias_constraint),
        "dropout": cell.dropout,
        "recurrent_dropout": cell.recurrent_dropout,
        "seed": cell.seed,
    }


class ConvLSTM(RNN):
    """Base of `ConvLSTM1D/2D/3D`: an `RNN` over a `ConvLSTMCell`.

    Inputs are `(batch, time, *spatial, channels)` (`channels_last`) or
    `(batch, time, channels, *spatial)` (`channels_first`). Arguments as in
    `ConvLSTMCell` (without `rank`, set by the subclass) plus the `RNN`
    arguments `return_sequences`, `return_state`, `go_backwards`, `stateful`.
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
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
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        **kwargs,
    ):
        cell = ConvLSTMCell(
            rank=rank,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
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
            name="conv_lstm_cell",
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            **kwargs,
        )
        self.input_spec = InputSpec(ndim=rank + 3)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        batch, steps = sequences_shape[0], sequences_shape[1]
        state_shape = self.cell._conv_output_shape((batch, *sequences_shape[2:]))
        if self.return_sequences:
            output_shape = (batch, steps, *state_shape[1:])
        else:
            output_shape = state_shape
        if self.return_state:
            return (output_shape, state_shape, state_shape)
        return output_shape

    def get_config(self) -> dict:
        config = super().get_config()
        del config["cell"]
        config.update(_conv_lstm_config(self.cell))
        config["activity_regularizer"] = regularizers.serialize(
            self.activity_regularizer
        )
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        return cls(**config)


_CELL_ATTRIBUTES = (
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "data_format",
    "dilation_rate",
    "activation",
    "recurrent_activation",
    "use_bias",
    "unit_forget_bias",
    "kernel_initializer",
    "recurrent_initializer",
    "bias_initializer",
    "dropout",
    "recurrent_dropout",
)
for _name in _CELL_ATTRIBUTES:
    setattr(ConvLSTM, _name, property(lambda self, n=_name: getattr(self.cell, n)))
