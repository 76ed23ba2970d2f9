"""`kerastorch.applications`: torchvision's ImageNet models as Keras applications.

Each model is a Functional model: `channels_last` image input, torchvision's
feature extractor in one `layers.TorchModuleWrapper` layer, and a Keras
top (or pooling). torchvision (the `vision` extra) is imported when a model
is built, not when this package is imported. Family modules hold
`preprocess_input` and `decode_predictions`, as in Keras
(`kerastorch.applications.resnet.preprocess_input`).
"""

from kerastorch.applications import convnext
from kerastorch.applications import efficientnet
from kerastorch.applications import imagenet_utils
from kerastorch.applications import mobilenet_v3
from kerastorch.applications import resnet
from kerastorch.applications import resnet50
from kerastorch.applications import vit
from kerastorch.applications.convnext import ConvNeXtTiny
from kerastorch.applications.efficientnet import EfficientNetB0
from kerastorch.applications.mobilenet_v3 import MobileNetV3Large
from kerastorch.applications.mobilenet_v3 import MobileNetV3Small
from kerastorch.applications.resnet import ResNet18
from kerastorch.applications.resnet import ResNet50
from kerastorch.applications.vit import ViTB16

__all__ = [
    "ConvNeXtTiny",
    "EfficientNetB0",
    "MobileNetV3Large",
    "MobileNetV3Small",
    "ResNet18",
    "ResNet50",
    "ViTB16",
    "convnext",
    "efficientnet",
    "imagenet_utils",
    "mobilenet_v3",
    "resnet",
    "resnet50",
    "vit",
]
