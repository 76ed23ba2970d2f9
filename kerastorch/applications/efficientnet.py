"""EfficientNetB0 (torchvision's), as a Keras application.

Reference: [EfficientNet: Rethinking Model Scaling for Convolutional Neural
Networks](https://arxiv.org/abs/1905.11946) (ICML 2019).
"""

from __future__ import annotations

from kerastorch import layers
from kerastorch.applications import imagenet_utils
from kerastorch.applications._app_builder import build_application


def _top(x, classes, classifier_activation, data_format):
    x = layers.GlobalAveragePooling2D(data_format=data_format, name="avg_pool")(x)
    x = layers.Dropout(0.2, name="top_dropout")(x)
    dense = layers.Dense(classes, activation=classifier_activation, name="predictions")
    return dense(x), [(dense, "1")]


def EfficientNetB0(
    include_top: bool = True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes: int = 1000,
    classifier_activation="softmax",
    name: str = "efficientnetb0",
):
    """Instantiates the EfficientNetB0 architecture (torchvision's, 5.3M parameters).

    As in Keras, the model takes `[0, 255]` pixels and normalizes them itself
    (with torchvision's ImageNet mean and standard deviation), so
    `efficientnet.preprocess_input` returns its input unchanged.

    Args:
        include_top: whether to include the classification top. Defaults to `True`.
        weights: `None`, `"imagenet"` (torchvision's
            `EfficientNet_B0_Weights.IMAGENET1K_V1`, downloaded by torchvision)
            or the path to a weights file (a torchvision `state_dict` or a file
            `model.load_weights` reads). Defaults to `"imagenet"`.
        input_tensor: optional Keras tensor to use as input. Defaults to `None`.
        input_shape: optional `(height, width, 3)`, at least 32x32. Defaults to
            `None`.
        pooling: `None`, `"avg"` or `"max"` when `include_top=False`. Defaults
            to `None`.
        classes: number of classes. Defaults to `1000`.
        classifier_activation: the top layer's activation. Defaults to `"softmax"`.
        name: the name of the model. Defaults to `"efficientnetb0"`.

    Returns:
        A Functional model.

    Example:

    >>> model = kerastorch.applications.EfficientNetB0(
    ...     weights=None, input_shape=(64, 64, 3), classes=10)
    """
    return build_application(
        "efficientnet_b0",
        top=_top,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        name=name,
        include_preprocessing=True,
    )


preprocess_input = imagenet_utils.identity_preprocess_input
decode_predictions = imagenet_utils.decode_predictions
