"""Normalization layers: batch, layer, group, unit (L2) and RMS normalization."""

from kerastorch.layers.normalization.batch_normalization import BatchNormalization
from kerastorch.layers.normalization.group_normalization import GroupNormalization
from kerastorch.layers.normalization.layer_normalization import LayerNormalization
from kerastorch.layers.normalization.rms_normalization import RMSNormalization
from kerastorch.layers.normalization.unit_normalization import UnitNormalization

__all__ = [
    "BatchNormalization",
    "GroupNormalization",
    "LayerNormalization",
    "RMSNormalization",
    "UnitNormalization",
]
