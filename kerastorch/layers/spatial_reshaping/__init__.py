"""Spatial reshaping layers: zero padding, cropping and upsampling, 1D to 3D."""

from kerastorch.layers.spatial_reshaping.cropping1d import Cropping1D
from kerastorch.layers.spatial_reshaping.cropping2d import Cropping2D
from kerastorch.layers.spatial_reshaping.cropping3d import Cropping3D
from kerastorch.layers.spatial_reshaping.up_sampling1d import UpSampling1D
from kerastorch.layers.spatial_reshaping.up_sampling2d import UpSampling2D
from kerastorch.layers.spatial_reshaping.up_sampling3d import UpSampling3D
from kerastorch.layers.spatial_reshaping.zero_padding1d import ZeroPadding1D
from kerastorch.layers.spatial_reshaping.zero_padding2d import ZeroPadding2D
from kerastorch.layers.spatial_reshaping.zero_padding3d import ZeroPadding3D

__all__ = [
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
]
