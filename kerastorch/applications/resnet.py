"""ResNet18 and ResNet50 (torchvision's), as Keras applications.

Reference: [Deep Residual Learning for Image Recognition](https://arxiv.org/abs/1512.03385)
(CVPR 2016). Keras has ResNet50 only; ResNet18 follows the same signature.
"""

from __future__ import annotations

from kerastorch import layers
from kerastorch.applications import imagenet_utils
from kerastorch.applications._app_builder import build_application


def _top(x, classes, classifier_activation, data_format):
    x = layers.GlobalAveragePooling2D(data_format=data_format, name="avg_pool")(x)
    dense = layers.Dense(classes, activation=classifier_activation, name="predictions")
    return dense(x), [(dense, "")]


def _resnet(architecture, name, include_top, weights, input_tensor, input_shape, pooling,
            classes, classifier_activation):
    return build_application(
        architecture,
        top=_top,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        name=name,
    )


def ResNet50(
    include_top: bool = True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes: int = 1000,
    classifier_activation="softmax",
    name: str = "resnet50",
):
    """Instantiates the ResNet50 architecture (torchvision's, 25.6M parameters).

    The convolutional base is torchvision's `resnet50` in one
    `TorchModuleWrapper` layer; the classification top is Keras layers. Inputs
    are `channels_last` images preprocessed with
    `kerastorch.applications.resnet.preprocess_input` (torchvision's
    normalization, not Keras's "caffe" mode: the weights are torchvision's).

    Args:
        include_top: whether to include the fully-connected layer at the top
            of the network. Defaults to `True`.
        weights: `None` (random initialization), `"imagenet"` (torchvision's
            `ResNet50_Weights.IMAGENET1K_V2`, downloaded by torchvision), or the
            path to a weights file: a torchvision `state_dict` (`.pth`, `.pt`,
            `.safetensors`) or a file `model.load_weights` reads. Defaults to
            `"imagenet"`.
        input_tensor: optional Keras tensor (output of `keras.Input()`) to use
            as image input for the model. Defaults to `None`.
        input_shape: optional shape tuple, e.g. `(224, 224, 3)`; only to be
            specified if `include_top` is `False` (otherwise the shape is
            `(224, 224, 3)` with ImageNet weights). At least 32x32.
            Defaults to `None`.
        pooling: optional pooling mode for feature extraction when
            `include_top` is `False`: `None` (the 4D feature map), `"avg"`
            or `"max"` (global pooling, a 2D output). Defaults to `None`.
        classes: number of classes to classify images into, only with
            `include_top=True` and no `weights`. Defaults to `1000`.
        classifier_activation: the activation of the top layer; `None` gives
            logits. Only `None` and `"softmax"` with pretrained weights.
            Defaults to `"softmax"`.
        name: the name of the model. Defaults to `"resnet50"`.

    Returns:
        A Functional model.

    Example:

    >>> base = kerastorch.applications.ResNet50(
    ...     weights=None, include_top=False, input_shape=(64, 64, 3), pooling="avg")
    >>> base.output_shape
    (None, 2048)
    """
    return _resnet("resnet50", name, include_top, weights, input_tensor, input_shape,
                   pooling, classes, classifier_activation)


def ResNet18(
    include_top: bool = True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes: int = 1000,
    classifier_activation="softmax",
    name: str = "resnet18",
):
    """Instantiates the ResNet18 architecture (torchvision's, 11.7M parameters).

    Not in Keras; same arguments and behaviour as `ResNet50` (see there), with
    torchvision's `ResNet18_Weights.IMAGENET1K_V1` for `weights="imagenet"`.

    Args:
        include_top: whether to include the top Dense layer. Defaults to `True`.
        weights: `None`, `"imagenet"` or a weights file path. Defaults to
            `"imagenet"`.
        input_tensor: optional Keras tensor to use as input. Defaults to `None`.
        input_shape: optional `(height, width, 3)`, at least 32x32. Defaults to
            `None`.
        pooling: `None`, `"avg"` or `"max"` when `include_top=False`. Defaults
            to `None`.
        classes: number of classes. Defaults to `1000`.
        classifier_activation: the top layer's activation. Defaults to
            `"softmax"`.
        name: the name of the model. Defaults to `"resnet18"`.

    Returns:
        A Functional model.

    Example:

    >>> model = kerastorch.applications.ResNet18(weights=None, input_shape=(64, 64, 3), classes=10)
    """
    return _resnet("resnet18", name, include_top, weights, input_tensor, input_shape,
                   pooling, classes, classifier_activation)


preprocess_input = imagenet_utils.torch_preprocess_input
decode_predictions = imagenet_utils.decode_predictions
