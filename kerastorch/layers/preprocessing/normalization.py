"""Normalization: feature-wise `(x - mean) / sqrt(variance)`, statistics from `adapt()`."""

from __future__ import annotations

import numpy as np
import torch

from kerastorch import backend
from kerastorch.layers.preprocessing import preprocessing_utils as utils
from kerastorch.layers.preprocessing.data_layer import DataLayer


class Normalization(DataLayer):
    """Shifts and scales inputs to mean 0 and variance 1, feature by feature.

    Computes `(input - mean) / max(sqrt(var), epsilon)` (or the inverse with
    `invert=True`). The statistics are either given as `mean` and `variance`
    or learned by `adapt(data)`, which computes the exact mean and population
    variance (as `np.mean`/`np.var`) in float64, streaming over batches. Learned
    statistics are non-trainable weights named `mean`, `variance` and `count`
    (the number of samples seen), so they save with the model's weights.

    Args:
        axis: the axis or axes that keep separate statistics (the feature
            axes); every other axis is reduced. `None` means one scalar mean
            and variance. Defaults to `-1`.
        mean: optional mean to use instead of `adapt()`; broadcast to the kept
            axes. Defaults to `None`.
        variance: optional variance, given together with `mean`. Defaults to `None`.
        invert: if `True`, undo the normalization: `mean + input * sqrt(var)`.
            Defaults to `False`.

    Example:

    >>> layer = kerastorch.layers.Normalization(axis=-1)
    >>> layer.adapt(np.array([[0., 7., 4.], [2., 9., 6.]]))
    >>> layer(np.array([[0., 7., 4.]]))
    tensor([[-1., -1., -1.]])
    """

    def __init__(
        self, axis=-1, mean=None, variance=None, invert: bool = False, **kwargs
    ):
        if axis is None:
            axis = ()
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            axis = (int(axis),)
        elif isinstance(axis, (list, tuple)) and all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis
        ):
            axis = tuple(int(a) for a in axis)
        else:
            raise ValueError(
                "`axis` must be an integer, a tuple of integers or None. "
                f"Received: axis={axis!r}"
            )
        if (mean is None) != (variance is None):
            raise ValueError(
                "When setting values directly, both `mean` and `variance` must "
                f"be set. Received: mean={mean} and variance={variance}"
            )
        if not isinstance(invert, bool):
            raise ValueError(f"`invert` must be a boolean. Received: invert={invert!r}")
        super().__init__(**kwargs)
        self.axis = axis
        self.input_mean = utils.listify(mean)
        self.input_variance = utils.listify(variance)
        self.invert = invert
        self.supports_masking = True

    def build(self, input_shape):
        if input_shape is None:
            raise ValueError(f"Layer '{self.name}' needs an input shape to build.")
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"All `axis` values of layer '{self.name}' must be in the range "
                f"[-ndim, ndim). Received inputs with ndim={ndim}, while "
                f"axis={self.axis}"
            )
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    f"All `axis` values to be kept must have a known shape. "
                    f"Received axis={self.axis}, inputs.shape={input_shape}, with "
                    f"unknown axis at index {d}"
                )
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(
            input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)
        )
        stats_shape = tuple(input_shape[d] for d in self._keep_axis)
        self._stats_shape = stats_shape
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                name="mean", shape=stats_shape, initializer="zeros", trainable=False
            )
            self.adapt_variance = self.add_weight(
                name="variance", shape=stats_shape, initializer="ones", trainable=False
            )
            self.count = self.add_weight(
                name="count",
                shape=(),
                dtype="int64",
                initializer="zeros",
                trainable=False,
            )
        else:
            dtype = self._float_dtype
            mean = torch.as_tensor(np.asarray(self.input_mean, dtype=np.float64)).to(
                dtype
            )
            variance = torch.as_tensor(
                np.asarray(self.input_variance, dtype=np.float64)
            ).to(dtype)
            try:
                mean = mean.broadcast_to(stats_shape).reshape(self._broadcast_shape)
                variance = variance.broadcast_to(stats_shape).reshape(
                    self._broadcast_shape
                )
            except RuntimeError as e:
                raise ValueError(
                    f"Layer '{self.name}': `mean`/`variance` of shape "
                    f"{tuple(np.shape(self.input_mean))} cannot be broadcast to the "
                    f"kept axes {stats_shape} of inputs of shape {input_shape}."
                ) from e
            # Config, not weights (as in Keras): buffers only so `.to(device)` moves them.
            device = self._device_anchor.device
            self.register_buffer("_fixed_mean", mean.to(device), persistent=False)
            self.register_buffer(
                "_fixed_variance", variance.to(device), persistent=False
            )

    def _stats(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.input_mean is not None:
            return self._fixed_mean, self._fixed_variance
        return (
            self.adapt_mean.reshape(self._broadcast_shape),
            self.adapt_variance.reshape(self._broadcast_shape),
        )

    def call(self, inputs):
        x = torch.as_tensor(inputs)
        mean, variance = self._stats()
        x = x.to(dtype=mean.dtype)
        scale = torch.sqrt(variance).clamp_min(backend.epsilon())
        if self.invert:
            return mean + x * scale
        return (x - mean) / scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def adapt(
        self, data, batch_size: int | None = None, steps: int | None = None
    ) -> None:
        """Compute the mean and variance of `data` over the reduced axes.

        Args:
            data: a numpy array, tensor, list, torch `Dataset`/`DataLoader` or
                iterable of feature batches.
            batch_size: rows per chunk for arrays, or the `DataLoader` batch
                size for a `Dataset`. Defaults to `None` (arrays in one piece).
            steps: at most this many batches of an iterable. Defaults to `None`.
        """
        if self.input_mean is not None:
            raise ValueError(
                f"Cannot adapt Normalization layer '{self.name}' after setting "
                "`mean` and `variance` directly. Create the layer without them "
                "to learn them with adapt()."
            )
        count = 0
        mean = m2 = None
        for batch in utils.adapt_batches(data, batch_size, steps):
            x = self._numeric_batch(batch)
            if x.numel() == 0:
                continue
            x = x.detach().to(torch.float64)
            if not self.built:
                self.build(tuple(x.shape))
                self.built = True
                self.to(self._output_device)  # weights join the layer's device
            self._check_adapt_shape(tuple(x.shape))
            if count and 0 in self._keep_axis:
                raise ValueError(
                    f"Layer '{self.name}' keeps statistics along axis 0, so adapt() "
                    "needs all the data as one array, not in batches."
                )
            # Chan et al.'s pairwise update of (count, mean, M2), all in float64.
            if self._reduce_axis:
                n_b = x.numel() // int(np.prod(self._stats_shape, dtype=np.int64))
                var_b, mean_b = torch.var_mean(x, dim=self._reduce_axis, correction=0)
            else:  # every axis kept: each value is its own statistic
                n_b, mean_b, var_b = 1, x, torch.zeros_like(x)
            m2_b = var_b * n_b
            if mean is None:
                count, mean, m2 = n_b, mean_b, m2_b
            else:
                total = count + n_b
                delta = mean_b - mean
                mean = mean + delta * (n_b / total)
                m2 = m2 + m2_b + delta.square() * (count * n_b / total)
                count = total
        if mean is None:
            raise utils.empty_data_error(self.name)
        self.adapt_mean.assign(mean.reshape(self._stats_shape))
        self.adapt_variance.assign((m2 / count).reshape(self._stats_shape))
        self.count.assign(count)

    def _numeric_batch(self, batch) -> torch.Tensor:
        if utils.is_string_data(batch):
            raise TypeError(f"Layer '{self.name}' adapts on numeric data, not strings.")
        x = (
            batch
            if isinstance(batch, torch.Tensor)
            else torch.as_tensor(np.asarray(batch))
        )
        if x.is_complex() or x.dtype == torch.bool:
            raise TypeError(
                f"Layer '{self.name}' adapts on real numeric data. Received dtype {x.dtype}."
            )
        return x

    def _check_adapt_shape(self, shape: tuple) -> None:
        build = self._build_shapes
        if len(shape) != len(build) or any(
            shape[d] != build[d] for d in self._keep_axis
        ):
            raise ValueError(
                f"Layer '{self.name}' was built with input_shape={tuple(build)}, but "
                "adapt() is being called with data of an incompatible shape, "
                f"data.shape={shape}"
            )

    def get_config(self) -> dict:
        config = super().get_config()
        axis = (
            None
            if self.axis == ()
            else (self.axis[0] if len(self.axis) == 1 else list(self.axis))
        )
        config.update(
            {
                "axis": axis,
                "invert": self.invert,
                "mean": self.input_mean,
                "variance": self.input_variance,
            }
        )
        return config
