"""`keras.applications.resnet50`: ResNet50 with its preprocessing and decoding."""

from kerastorch.applications.resnet import ResNet50
from kerastorch.applications.resnet import decode_predictions
from kerastorch.applications.resnet import preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
