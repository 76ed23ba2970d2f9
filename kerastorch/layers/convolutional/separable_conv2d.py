"""SeparableConv2D: depthwise-separable convolution of images."""

from __future__ import annotations

from kerastorch.layers.convolutional.base_separable_conv import BaseSeparableConv


class SeparableConv2D(BaseSeparableConv):
    """2D separable convolution: depthwise, then pointwise.

    A depthwise convolution (each input channel filtered on its own,
    `depth_multiplier` times) followed by a pointwise (1x1) convolution mixing
    the channels into `filters` outputs. Weights: `depthwise_kernel`
    `(kh, kw, input_channels, depth_multiplier)`, `pointwise_kernel` `(1, 1, input_channels * depth_multiplier, filters)`, `bias` `(filters,)`.

    Args:
        filters: positive int, the number of output channels.
        kernel_size: int or tuple of 2 ints, the depthwise window size.
        strides: int or tuple of 2 ints. Defaults to `1`.
        padding: `"valid"` or `"same"` (TF-style). Defaults to `"valid"`.
        data_format: `"channels_last"` (`(batch, h, w, channels)`) or `"channels_first"`
            (`(batch, channels, h, w)`). Defaults to `image_data_format()`.
        dilation_rate: int or tuple of 2 ints. Defaults to `1`.
        depth_multiplier: positive int, depthwise channels per input channel.
            Defaults to `1`.
        activation: activation function or name. Defaults to `None`.
        use_bias: whether to add a bias. Defaults to `True`.
        depthwise_initializer, pointwise_initializer: Defaults to
            `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        depthwise_regularizer, pointwise_regularizer, bias_regularizer,
            activity_regularizer: Defaults to `None`.
        depthwise_constraint, pointwise_constraint, bias_constraint: Defaults
            to `None`.

    Example:

    >>> layer = kerastorch.layers.SeparableConv2D(32, 3, strides=2, padding="same")
    >>> layer(torch.ones(4, 16, 16, 8)).shape
    torch.Size([4, 8, 8, 32])
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        depth_multiplier: int = 1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            rank=2,
            depth_multiplier=depth_multiplier,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer,
            bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
