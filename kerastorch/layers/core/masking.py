"""Masking: mark timesteps whose features all equal `mask_value` as padding."""

from __future__ import annotations

from kerastorch.layers.layer import Layer


class Masking(Layer):
    """Masks timesteps whose features all equal `mask_value`.

    For each position of the input (all axes but the last), the mask is
    `True` when any feature differs from `mask_value`. Masked positions are
    zeroed in the output, and the mask is passed on to the layers that use it
    (RNNs, attention, ...).

    Args:
        mask_value: the padding value. Defaults to `0.0`.

    Example:

    >>> x = torch.tensor([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
    >>> y = kerastorch.layers.Masking()(x)
    >>> y._keras_mask
    tensor([[ True, False,  True]])
    """

    def __init__(self, mask_value: float = 0.0, **kwargs):
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float)):
            raise ValueError(
                f"`mask_value` must be a number. Received: mask_value={mask_value!r}"
            )
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs, previous_mask=None):
        return (inputs != self.mask_value).any(dim=-1)  # (batch, timesteps)

    def call(self, inputs):
        keep = (inputs != self.mask_value).any(dim=-1, keepdim=True)  # (..., 1)
        return inputs * keep.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
