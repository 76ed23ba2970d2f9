"""GroupNormalization: normalise groups of channels per sample (Wu & He, 2018)."""

from __future__ import annotations

import torch.nn.functional as F

from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer
from kerastorch.layers.normalization._utils import check_axis_argument
from kerastorch.layers.normalization._utils import check_number
from kerastorch.layers.normalization._utils import resolve_axes
from kerastorch.layers.normalization._utils import upcast


class GroupNormalization(Layer):
    """Group normalization: channels are split into groups, each normalised per sample.

    For every sample, the channels on `axis` are divided into `groups` groups
    of consecutive channels; each group is normalised with its own mean and
    (biased) variance over its channels and all the other non-batch axes, then
    scaled by `gamma` and shifted by `beta` (one value per channel).
    `groups=1` is layer normalization over all axes with per-channel weights;
    `groups=-1` (one group per channel) is instance normalization.

    Args:
        groups: number of groups; must divide the channel count. `-1` means
            one group per channel. Defaults to `32`.
        axis: the channels axis, e.g. `1` for `channels_first` images.
            Defaults to `-1`.
        epsilon: small float added to the variance. Defaults to `1e-3`.
        center: whether to add the learned offset `beta`. Defaults to `True`.
        scale: whether to multiply by the learned `gamma`. Defaults to `True`.
        beta_initializer: Defaults to `"zeros"`.
        gamma_initializer: Defaults to `"ones"`.
        beta_regularizer, gamma_regularizer: Defaults to `None`.
        beta_constraint, gamma_constraint: Defaults to `None`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`, ...).

    Example:

    >>> gn = kerastorch.layers.GroupNormalization(groups=2)
    >>> gn(torch.randn(2, 5, 5, 4)).shape
    torch.Size([2, 5, 5, 4])
    """

    def __init__(
        self,
        groups: int = 32,
        axis: int = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        if (
            not isinstance(groups, int)
            or isinstance(groups, bool)
            or (groups <= 0 and groups != -1)
        ):
            raise ValueError(
                "`groups` must be a positive integer, or -1 for one group per "
                f"channel. Received: groups={groups!r}"
            )
        axis = check_axis_argument(axis, allow_list=False)
        if axis == 0:
            raise ValueError(
                "`axis` cannot be the batch axis 0; use the channels axis. "
                f"Received: axis={axis}"
            )
        epsilon = check_number(epsilon, "epsilon")
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(
                f"Layer '{self.name}' expects an input of rank >= 2 (batch, ..., "
                f"channels). Received: input_shape={tuple(input_shape)}"
            )
        (self._axis,) = resolve_axes(self.axis, input_shape, self.name)
        if self._axis == 0:
            raise ValueError(
                f"Layer '{self.name}': `axis` cannot be the batch axis. "
                f"Received: axis={self.axis}, input_shape={tuple(input_shape)}"
            )
        dim = input_shape[self._axis]
        if self.groups == -1:
            self.groups = dim  # as Keras: the config then records the real count
        if dim < self.groups or dim % self.groups != 0:
            raise ValueError(
                f"Layer '{self.name}': the number of channels ({dim}) must be a "
                f"multiple of `groups` and at least `groups`. Received: "
                f"groups={self.groups}, input_shape={tuple(input_shape)}"
            )
        if self.scale:
            self.gamma = self.add_weight(
                name="gamma",
                shape=(dim,),
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        else:
            self.gamma = None
        if self.center:
            self.beta = self.add_weight(
                name="beta",
                shape=(dim,),
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        else:
            self.beta = None
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})

    def call(self, inputs):
        x = upcast(inputs)
        # torch wants (N, C, *): NHWC → NCHW is a channels_last view, no copy.
        xc = x.movedim(self._axis, 1)  # (batch, channels, ...)
        gamma = None if self.gamma is None else self.gamma.to(x.dtype)
        beta = None if self.beta is None else self.beta.to(x.dtype)
        outputs = F.group_norm(xc, self.groups, gamma, beta, self.epsilon)
        return outputs.movedim(1, self._axis).to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "groups": self.groups,
                "axis": self.axis,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
            }
        )
        return config
