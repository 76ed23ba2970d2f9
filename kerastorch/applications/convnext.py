"""ConvNeXtTiny (torchvision's), as a Keras application.

Reference: [A ConvNet for the 2020s](https://arxiv.org/abs/2201.03545) (CVPR 2022).
"""

from __future__ import annotations

from kerastorch import layers
from kerastorch.applications import imagenet_utils
from kerastorch.applications._app_builder import build_application


def _top(x, classes, classifier_activation, data_format):
    x = layers.GlobalAveragePooling2D(data_format=data_format, name="avg_pool")(x)
    norm = layers.LayerNormalization(epsilon=1e-6, name="head_layernorm")
    dense = layers.Dense(classes, activation=classifier_activation, name="predictions")
    return dense(norm(x)), [(norm, "0"), (dense, "2")]


def ConvNeXtTiny(
    include_top: bool = True,
    include_preprocessing: bool = True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes: int = 1000,
    classifier_activation="softmax",
    name: str = "convnext_tiny",
):
    """Instantiates the ConvNeXtTiny architecture (torchvision's, 28.6M parameters).

    The top is Keras's: global average pooling, LayerNormalization, Dense.
    Stochastic depth is off, as in Keras (torchvision's builder uses 0.1).

    Args:
        include_top: whether to include the classification top. Defaults to `True`.
        include_preprocessing: normalize `[0, 255]` inputs inside the model with
            the ImageNet mean and standard deviation. With `False`, feed
            `imagenet_utils.preprocess_input(x, mode="torch")`. Defaults to `True`.
        weights: `None`, `"imagenet"` (torchvision's
            `ConvNeXt_Tiny_Weights.IMAGENET1K_V1`, downloaded by torchvision) or
            the path to a weights file (a torchvision `state_dict` or a file
            `model.load_weights` reads). Defaults to `"imagenet"`.
        input_tensor: optional Keras tensor to use as input. Defaults to `None`.
        input_shape: optional `(height, width, 3)`, at least 32x32. Defaults to
            `None`.
        pooling: `None`, `"avg"` or `"max"` when `include_top=False`. Defaults
            to `None`.
        classes: number of classes. Defaults to `1000`.
        classifier_activation: the top layer's activation. Defaults to `"softmax"`.
        name: the name of the model. Defaults to `"convnext_tiny"`.

    Returns:
        A Functional model.

    Example:

    >>> base = kerastorch.applications.ConvNeXtTiny(
    ...     weights=None, include_top=False, input_shape=(64, 64, 3), pooling="avg")
    """
    return build_application(
        "convnext_tiny",
        top=_top,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        name=name,
        include_preprocessing=include_preprocessing,
    )


preprocess_input = imagenet_utils.identity_preprocess_input
decode_predictions = imagenet_utils.decode_predictions
