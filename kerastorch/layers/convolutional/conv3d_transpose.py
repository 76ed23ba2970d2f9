"""Conv3DTranspose: transposed 3D convolution (learned upsampling of volumes)."""

from __future__ import annotations

from kerastorch.layers.convolutional.base_conv_transpose import BaseConvTranspose


class Conv3DTranspose(BaseConvTranspose):
    """Transposed 3D convolution: the gradient of Conv3D with respect to its input.

    The kernel has shape `(kd, kh, kw, filters, input_channels)`. With `padding="same"` and no
    `output_padding`, each spatial size `n` becomes `n * stride`; with
    `"valid"` it becomes `(n - 1) * stride + max(kernel_size, stride)`
    (for `dilation_rate=1`).

    Args:
        filters: positive int, the number of output channels.
        kernel_size: int or tuple of 3 ints, the window size.
        strides: int or tuple of 3 ints. Defaults to `1`.
        padding: `"valid"` or `"same"`. Defaults to `"valid"`.
        output_padding: int or tuple of 3 ints, the extra size at the end of each
            spatial axis, smaller than the stride. Defaults to `None`.
        data_format: `"channels_last"` (`(batch, d, h, w, channels)`) or `"channels_first"`
            (`(batch, channels, d, h, w)`). Defaults to `image_data_format()`.
        dilation_rate: int or tuple of 3 ints. Defaults to `1`.
        activation: activation function or name. Defaults to `None`.
        use_bias: whether to add a bias. Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer, bias_regularizer, activity_regularizer: Defaults
            to `None`.
        kernel_constraint, bias_constraint: Defaults to `None`.

    Example:

    >>> layer = kerastorch.layers.Conv3DTranspose(4, 2, strides=2)
    >>> layer(torch.ones(2, 4, 4, 4, 8)).shape
    torch.Size([2, 8, 8, 8, 4])
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        output_padding=None,
        data_format: str | None = None,
        dilation_rate=1,
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
            rank=3,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            output_padding=output_padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
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
