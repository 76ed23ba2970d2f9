"""Conv1D: temporal convolution (with Keras's "causal" padding)."""

from __future__ import annotations

from kerastorch.layers.convolutional.base_conv import BaseConv


class Conv1D(BaseConv):
    """1D convolution over a sequence: `activation(conv1d(inputs, kernel) + bias)`.

    The kernel has shape `(kernel_size, input_channels // groups, filters)`.

    Args:
        filters: positive int, the number of output channels.
        kernel_size: int or tuple of 1 int, the window length.
        strides: int or tuple of 1 int. Defaults to `1`.
        padding: `"valid"`, `"same"` or `"causal"` (output step `t` sees only
            inputs up to `t`; the input is left-padded). Defaults to `"valid"`.
        data_format: `"channels_last"` (`(batch, steps, channels)`) or
            `"channels_first"` (`(batch, channels, steps)`). Defaults to
            `image_data_format()`.
        dilation_rate: int or tuple of 1 int. Defaults to `1`.
        groups: positive int dividing `filters` and the input channels.
            Defaults to `1`.
        activation: activation function or name. Defaults to `None`.
        use_bias: whether to add a bias. Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer, bias_regularizer, activity_regularizer: Defaults
            to `None`.
        kernel_constraint, bias_constraint: Defaults to `None`.

    Example:

    >>> layer = kerastorch.layers.Conv1D(32, 3, padding="causal")
    >>> layer(torch.ones(4, 10, 8)).shape
    torch.Size([4, 10, 32])
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        groups: int = 1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            rank=1,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            groups=groups,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
