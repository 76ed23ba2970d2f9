"""ConvLSTM2D: a convolutional LSTM over sequences of images."""

from __future__ import annotations

from kerastorch.layers.rnn.conv_lstm import ConvLSTM


class ConvLSTM2D(ConvLSTM):
    """2D Convolutional LSTM: an LSTM whose input and recurrent transforms are convolutions.

    Inputs are `(batch, time, rows, cols, channels)` with
    `data_format="channels_last"`, or `(batch, time, channels, rows, cols)`
    with `"channels_first"`. The output (and each of the states `h`, `c`) is
    `(batch, new_rows, new_cols, filters)` (channels_last), with a time axis after
    the batch when `return_sequences=True`.

    Weights (Keras layout and names): `kernel` `(*kernel_size, channels,
    4 * filters)`, `recurrent_kernel` `(*kernel_size, filters, 4 * filters)`,
    `bias` `(4 * filters,)`, gate blocks in the order **[i, f, c, o]**. The
    recurrent convolution is "same" with stride 1.

    Args:
        filters: positive integer, the number of output channels.
        kernel_size: an int or 2 ints, the convolution window.
        strides: an int or 2 ints. Defaults to `1`.
        padding: `"valid"` or `"same"`. Defaults to `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `image_data_format()` (`"channels_last"`).
        dilation_rate: an int or 2 ints. Defaults to `1`.
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
        return_sequences, return_state, go_backwards, stateful: as in `RNN`.
            Default to `False`.

    Example:

    >>> layer = kerastorch.layers.ConvLSTM2D(4, 3, padding="same")
    >>> layer(torch.rand(2, 5, 8, 8, 3)).shape
    torch.Size([2, 8, 8, 4])
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        activation="tanh",
        recurrent_activation="sigmoid",
        **kwargs,
    ):
        super().__init__(
            2,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            recurrent_activation=recurrent_activation,
            **kwargs,
        )
