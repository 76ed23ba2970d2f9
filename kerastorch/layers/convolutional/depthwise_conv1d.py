"""DepthwiseConv1D: per-channel convolution of sequences."""

from __future__ import annotations

from kerastorch.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv


class DepthwiseConv1D(BaseDepthwiseConv):
    """1D depthwise convolution: a separate filter bank per input channel.

    Each input channel is convolved with its own `depth_multiplier` filters;
    the outputs are stacked, giving `input_channels * depth_multiplier`
    channels (channel `c * depth_multiplier + m`). The kernel
    `depthwise_kernel` has shape `(kernel_size, input_channels, depth_multiplier)`.

    Args:
        kernel_size: int or tuple of 1 int, the window size.
        strides: int or tuple of 1 int. Defaults to `1`.
        padding: `"valid"` or `"same"` (TF-style). Defaults to `"valid"`.
        depth_multiplier: positive int, output channels per input channel.
            Defaults to `1`.
        data_format: `"channels_last"` (`(batch, steps, channels)`) or `"channels_first"`
            (`(batch, channels, steps)`). Defaults to `image_data_format()`.
        dilation_rate: int or tuple of 1 int. Defaults to `1`.
        activation: activation function or name. Defaults to `None`.
        use_bias: whether to add a bias. Defaults to `True`.
        depthwise_initializer: Defaults to `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        depthwise_regularizer, bias_regularizer, activity_regularizer:
            Defaults to `None`.
        depthwise_constraint, bias_constraint: Defaults to `None`.

    Example:

    >>> layer = kerastorch.layers.DepthwiseConv1D(3, depth_multiplier=2)
    >>> layer(torch.ones(4, 10, 8)).shape
    torch.Size([4, 8, 16])
    """

    def __init__(
        self,
        kernel_size,
        strides=1,
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate=1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            rank=1,
            depth_multiplier=depth_multiplier,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
