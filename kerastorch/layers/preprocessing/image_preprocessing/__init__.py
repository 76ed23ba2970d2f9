"""Image preprocessing and augmentation layers (resizing on torchvision.transforms.v2)."""

from kerastorch.layers.preprocessing.image_preprocessing.center_crop import CenterCrop
from kerastorch.layers.preprocessing.image_preprocessing.random_brightness import (
    RandomBrightness,
)
from kerastorch.layers.preprocessing.image_preprocessing.random_contrast import (
    RandomContrast,
)
from kerastorch.layers.preprocessing.image_preprocessing.random_crop import RandomCrop
from kerastorch.layers.preprocessing.image_preprocessing.random_flip import RandomFlip
from kerastorch.layers.preprocessing.image_preprocessing.random_rotation import (
    RandomRotation,
)
from kerastorch.layers.preprocessing.image_preprocessing.random_translation import (
    RandomTranslation,
)
from kerastorch.layers.preprocessing.image_preprocessing.random_zoom import RandomZoom
from kerastorch.layers.preprocessing.image_preprocessing.rescaling import Rescaling
from kerastorch.layers.preprocessing.image_preprocessing.resizing import Resizing

__all__ = [
    "CenterCrop",
    "RandomBrightness",
    "RandomContrast",
    "RandomCrop",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Resizing",
]
