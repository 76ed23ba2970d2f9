"""BaseConvTranspose: the N-D transposed convolution behind Conv{1,2,3}DTranspose."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerastorch import activations
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.backend import standardize_data_format
from kerastorch.layers.convolutional import conv_utils
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


class BaseConvTranspose(Layer):
    """Abstract N-D transposed convolution (the gradient of a convolution).

    The kernel has Keras's layout `(*kernel_size, filters, input_channels)`.
    Output sizes and values follow TensorFlow: with `"same"` padding and no
    `output_padding` each axis grows from `n` to `n * stride`, and the cropped
    border is split as TF's forward "same" convolution pads (the odd one at
    the end). torch's `padding`/`output_padding` are used when they express
    that crop; otherwise the full result is computed and sliced (a view).

    Args:
        rank: number of spatial dimensions (1, 2 or 3).
        filters: positive int, the number of output channels.
        kernel_size: int or tuple of `rank` ints, the window size.
        strides: int or tuple of `rank` ints. Defaults to `1`.
        padding: `"valid"` or `"same"`. Defaults to `"valid"`.
        output_padding: int or tuple of `rank` ints, extra size added at the
            end of each spatial axis; each must be smaller than its stride.
            Defaults to `None` (inferred as described above).
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `image_data_format()`.
        dilation_rate: int or tuple of `rank` ints. Defaults to `1`.
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
        filters = conv_utils.check_positive_int(filters, "filters")
        kernel_size, strides, dilation_rate, padding = conv_utils.standardize_conv_geometry(
            rank, kernel_size, strides, dilation_rate, padding, strides_with_dilation=True
        )
        if output_padding is not None:
            output_padding = conv_utils.standardize_tuple(
                output_padding, rank, "output_padding", allow_zero=True
            )
            if any(op >= s for op, s in zip(output_padding, strides)):
                raise ValueError(
                    "Strides must be greater than output padding. Received: "
                    f"strides={strides}, output_padding={output_padding}"
                )
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.dilation_rate = dilation_rate
        self.padding = padding
        self.output_padding = output_padding
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
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, self.filters, in_channels),
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

    def _crops(self, spatial_shape) -> list[tuple[int, int, int]]:
        """Per axis `(full_length, start, length)`: the output is `full[start:start+length]`.

        `full` is the uncropped transposed convolution, `(n - 1) * s + k_eff`
        long; positions past its end are zeros (before the bias).
        """
        crops = []
        for i, n in enumerate(spatial_shape):
            k, s, d = self.kernel_size[i], self.strides[i], self.dilation_rate[i]
            op = None if self.output_padding is None else self.output_padding[i]
            length = conv_utils.deconv_output_length(n, k, s, self.padding, op, d)
            full = (n - 1) * s + (k - 1) * d + 1
            # TF crops what its forward "same" conv of `length` would have padded.
            start = 0 if self.padding == "valid" else max(full - length, 0) // 2
            crops.append((full, start, length))
        return crops

    def call(self, inputs):
        # (N, C_in, *spatial), a view of channels_last inputs
        x = conv_utils.to_channels_first(inputs, self.data_format)
        r = self.rank
        weight = self.kernel.permute(r + 1, r, *range(r))  # (C_in, filters, *k), a view
        crops = self._crops(x.shape[2:])
        # torch crops `padding` from both ends and appends `output_padding`.
        torch_out_pad = [length - (full - 2 * start) for full, start, length in crops]
        if all(
            0 <= op < max(s, d)
            for op, s, d in zip(torch_out_pad, self.strides, self.dilation_rate)
        ):
            padding = tuple(start for _, start, _ in crops)
            y = conv_utils.conv_transpose_nd(
                x,
                weight,
                self.bias,
                self.strides,
                padding,
                tuple(torch_out_pad),
                self.dilation_rate,
            )
        else:
            zeros = (0,) * r
            y = conv_utils.conv_transpose_nd(
                x, weight, None, self.strides, zeros, zeros, self.dilation_rate
            )
            y = self._crop(y, crops)
            if self.bias is not None:
                y = y + self.bias.view(-1, *([1] * r))
        y = conv_utils.from_channels_first(y, self.data_format)
        return y if self.activation is activations.linear else self.activation(y)

    @staticmethod
    def _crop(y: torch.Tensor, crops) -> torch.Tensor:
        """Slice `y` (N, C, *full) to the TF window, zero-extending past the end."""
        extend = []
        for axis, (full, start, length) in enumerate(crops, start=2):
            y = y.narrow(axis, start, min(length, full - start))
            extend.append(max(start + length - full, 0))
        if any(extend):
            flat = []
            for e in reversed(extend):
                flat.extend((0, e))
            y = F.pad(y, flat)
        return y

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "output_padding": self.output_padding,
                "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
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
