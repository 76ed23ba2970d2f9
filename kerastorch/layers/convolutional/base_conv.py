"""BaseConv: the N-D convolution shared by Conv1D, Conv2D and Conv3D."""

from __future__ import annotations

import torch

from kerastorch import activations
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.backend import standardize_data_format
from kerastorch.layers.convolutional import conv_utils
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


class BaseConv(Layer):
    """Abstract N-D convolution: `activation(conv(inputs, kernel) + bias)`.

    The kernel has Keras's layout `(*kernel_size, input_channels // groups,
    filters)`. With `data_format="channels_last"` the input is handed to
    `F.conv{rank}d` as a permuted view (torch's channels_last memory format),
    so no copy of the input is made; only "same" padding whose total is odd
    on some axis (e.g. stride 2 on an even size) pads the input with `F.pad`.

    Args:
        rank: number of spatial dimensions (1, 2 or 3).
        filters: positive int, the number of output channels.
        kernel_size: int or tuple of `rank` ints, the window size.
        strides: int or tuple of `rank` ints. Defaults to `1`.
        padding: `"valid"`, `"same"` or (Conv1D only) `"causal"`.
            Defaults to `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `image_data_format()` (`"channels_last"`).
        dilation_rate: int or tuple of `rank` ints. Defaults to `1`.
        groups: positive int dividing `filters` and the input channels.
            Defaults to `1`.
        activation: activation function or name. Defaults to `None`.
        use_bias: whether to add a bias. Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer, bias_regularizer, activity_regularizer: Defaults
            to `None`.
        kernel_constraint, bias_constraint: Defaults to `None`.
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
        filters = conv_utils.check_positive_int(filters, "filters")
        groups = conv_utils.check_positive_int(groups, "groups")
        if filters % groups != 0:
            raise ValueError(
                "The number of filters must be evenly divisible by the number "
                f"of groups. Received: groups={groups}, filters={filters}"
            )
        kernel_size, strides, dilation_rate, padding = conv_utils.standardize_conv_geometry(
            rank, kernel_size, strides, dilation_rate, padding, allow_causal=rank == 1
        )
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.filters = filters
        self.groups = groups
        self.kernel_size = kernel_size
        self.strides = strides
        self.dilation_rate = dilation_rate
        self.padding = padding
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    @property
    def _channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        in_channels = conv_utils.input_channels(self, input_shape)
        if in_channels % self.groups != 0:
            raise ValueError(
                f"Layer '{self.name}': the number of input channels must be evenly "
                f"divisible by the number of groups. Received groups={self.groups}, "
                f"but the input has {in_channels} channels (full input shape is "
                f"{input_shape})."
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, in_channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
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

    def _torch_kernel(self) -> torch.Tensor:
        """(*k, in // groups, out) → (out, in // groups, *k), a view."""
        r = self.rank
        return self.kernel.permute(r + 1, r, *range(r))

    def call(self, inputs):
        x = conv_utils.to_channels_first(inputs, self.data_format)  # (N, C, *spatial)
        y = conv_utils.convolve(
            x,
            self._torch_kernel(),
            self.bias,
            self.padding,
            self.strides,
            self.dilation_rate,
            self.groups,
        )
        y = conv_utils.from_channels_first(y, self.data_format)
        return y if self.activation is activations.linear else self.activation(y)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "groups": self.groups,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(
                    self.activity_regularizer
                ),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config
