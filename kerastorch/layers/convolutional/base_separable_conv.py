"""BaseSeparableConv: depthwise then pointwise convolution (SeparableConv1D/2D)."""

from __future__ import annotations

from kerastorch import activations
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.backend import standardize_data_format
from kerastorch.layers.convolutional import conv_utils
from kerastorch.layers.convolutional.base_depthwise_conv import depthwise_torch_kernel
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


class BaseSeparableConv(Layer):
    """Abstract separable convolution: a depthwise conv, then a 1x1 conv.

    Weights (Keras layouts): `depthwise_kernel` `(*kernel_size,
    input_channels, depth_multiplier)`, `pointwise_kernel` `(1, ..., 1,
    input_channels * depth_multiplier, filters)` and `bias` `(filters,)`.
    `strides`, `padding` and `dilation_rate` apply to the depthwise step.

    Args:
        rank: number of spatial dimensions (1 or 2).
        depth_multiplier: positive int, depthwise channels per input channel.
        filters: positive int, the number of output channels.
        kernel_size: int or tuple of `rank` ints, the depthwise window size.
        strides: int or tuple of `rank` ints. Defaults to `1`.
        padding: `"valid"` or `"same"`. Defaults to `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `image_data_format()`.
        dilation_rate: int or tuple of `rank` ints. Defaults to `1`.
        activation: activation function or name. Defaults to `None`.
        use_bias: whether to add a bias. Defaults to `True`.
        depthwise_initializer, pointwise_initializer: Defaults to
            `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        depthwise_regularizer, pointwise_regularizer, bias_regularizer,
            activity_regularizer: Defaults to `None`.
        depthwise_constraint, pointwise_constraint, bias_constraint: Defaults
            to `None`.
    """

    def __init__(
        self,
        rank: int,
        depth_multiplier: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
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
        depth_multiplier = conv_utils.check_positive_int(
            depth_multiplier, "depth_multiplier"
        )
        filters = conv_utils.check_positive_int(filters, "filters")
        kernel_size, strides, dilation_rate, padding = conv_utils.standardize_conv_geometry(
            rank, kernel_size, strides, dilation_rate, padding
        )
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.depth_multiplier = depth_multiplier
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.dilation_rate = dilation_rate
        self.padding = padding
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    @property
    def _channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        in_channels = conv_utils.input_channels(self, input_shape)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel",
            shape=(*self.kernel_size, in_channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(
                *([1] * self.rank),
                in_channels * self.depth_multiplier,
                self.filters,
            ),
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.input_spec = InputSpec(
            ndim=self.rank + 2, axes={self._channel_axis: in_channels}
        )

    def call(self, inputs):
        r = self.rank
        x = conv_utils.to_channels_first(inputs, self.data_format)  # (N, C, *spatial)
        y = conv_utils.convolve(
            x,
            depthwise_torch_kernel(self.depthwise_kernel),  # (C * mult, 1, *k)
            None,
            self.padding,
            self.strides,
            self.dilation_rate,
            groups=x.shape[1],
        )  # (N, C * mult, *spatial_out)
        # (filters, C * mult, 1, ...), a view
        pointwise = self.pointwise_kernel.permute(r + 1, r, *range(r))
        y = conv_utils.conv_nd(
            y, pointwise, self.bias, (1,) * r, (0,) * r, (1,) * r
        )  # (N, filters, *spatial_out)
        y = conv_utils.from_channels_first(y, self.data_format)
        return y if self.activation is activations.linear else self.activation(y)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "depth_multiplier": self.depth_multiplier,
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "depthwise_initializer": initializers.serialize(
                    self.depthwise_initializer
                ),
                "pointwise_initializer": initializers.serialize(
                    self.pointwise_initializer
                ),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "depthwise_regularizer": regularizers.serialize(
                    self.depthwise_regularizer
                ),
                "pointwise_regularizer": regularizers.serialize(
                    self.pointwise_regularizer
                ),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(
                    self.activity_regularizer
                ),
                "depthwise_constraint": constraints.serialize(
                    self.depthwise_constraint
                ),
                "pointwise_constraint": constraints.serialize(
                    self.pointwise_constraint
                ),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config
