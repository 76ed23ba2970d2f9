"""MobileNetV3Small and MobileNetV3Large (torchvision's), as Keras applications.

Reference: [Searching for MobileNetV3](https://arxiv.org/abs/1905.02244) (ICCV 2019).
"""

from __future__ import annotations

from kerastorch import layers
from kerastorch.applications import imagenet_utils
from kerastorch.applications._app_builder import build_application

_LAST_POINT_CHANNELS = {"mobilenet_v3_small": 1024, "mobilenet_v3_large": 1280}


def _make_divisible(value: float, divisor: int = 8) -> int:
    """Round channels to a multiple of `divisor`, not below 90% (the MobileNet rule)."""
    new_value = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return new_value + divisor if new_value < 0.9 * value else new_value


def _mobilenet_v3(architecture, input_shape, alpha, minimalistic, include_top, weights,
                  input_tensor, classes, pooling, dropout_rate, classifier_activation,
                  include_preprocessing, name):
    if minimalistic:
        raise ValueError(
            "torchvision's MobileNetV3 has no minimalistic variant (no squeeze-"
            "excite, ReLU, 3x3 kernels), so kerastorch cannot build one. "
            f"Received: minimalistic={minimalistic!r}"
        )
    if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or alpha <= 0:
        raise ValueError(f"`alpha` must be a positive number. Received: alpha={alpha!r}")
    if weights == "imagenet" and alpha != 1.0:
        raise ValueError(
            "torchvision has ImageNet weights for MobileNetV3 with alpha=1.0 only "
            f"(Keras also has 0.75). Received: alpha={alpha}"
        )
    if not isinstance(dropout_rate, (int, float)) or not 0 <= dropout_rate < 1:
        raise ValueError(
            f"`dropout_rate` must be a number in [0, 1). Received: dropout_rate={dropout_rate!r}"
        )
    last_point = _make_divisible(_LAST_POINT_CHANNELS[architecture] * alpha)

    def top(x, classes, classifier_activation, data_format):
        x = layers.GlobalAveragePooling2D(data_format=data_format, name="avg_pool")(x)
        last = layers.Dense(last_point, name="conv_2")
        x = layers.Activation("hard_swish", name="hard_swish")(last(x))
        x = layers.Dropout(dropout_rate, name="dropout")(x)
        logits = layers.Dense(classes, activation=classifier_activation, name="predictions")
        return logits(x), [(last, "0"), (logits, "3")]

    return build_application(
        architecture,
        top=top,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        name=name,
        include_preprocessing=include_preprocessing,
        options={"width_mult": float(alpha)},
    )


_ARGS_DOC = """
    Args:
        input_shape: optional `(height, width, 3)`, at least 32x32; with
            `include_top=True` and ImageNet weights it must be `(224, 224, 3)`.
            Defaults to `None`.
        alpha: the width multiplier of torchvision's `width_mult` (ImageNet
            weights exist for 1.0 only). Defaults to `1.0`.
        minimalistic: Keras's variant without squeeze-excite; torchvision has
            none, so `True` raises a ValueError. Defaults to `False`.
        include_top: whether to include the classification top. Defaults to `True`.
        weights: `None`, `"imagenet"` (torchvision's weights, downloaded by
            torchvision) or the path to a weights file (a torchvision
            `state_dict` or a file `model.load_weights` reads). Defaults to
            `"imagenet"`.
        input_tensor: optional Keras tensor to use as input. Defaults to `None`.
        classes: number of classes. Defaults to `1000`.
        pooling: `None`, `"avg"` or `"max"` when `include_top=False`. Defaults
            to `None`.
        dropout_rate: dropout before the last Dense layer. Defaults to `0.2`.
        classifier_activation: the top layer's activation. Defaults to `"softmax"`.
        include_preprocessing: normalize `[0, 255]` inputs inside the model
            (torchvision's ImageNet mean/std; Keras's own MobileNetV3 rescales to
            [-1, 1] instead, for its own weights). With `False`, feed
            `imagenet_utils.preprocess_input(x, mode="torch")`. Defaults to `True`.
        name: the name of the model.

    Returns:
        A Functional model.
"""


def MobileNetV3Small(
    input_shape=None,
    alpha: float = 1.0,
    minimalistic: bool = False,
    include_top: bool = True,
    weights="imagenet",
    input_tensor=None,
    classes: int = 1000,
    pooling=None,
    dropout_rate: float = 0.2,
    classifier_activation="softmax",
    include_preprocessing: bool = True,
    name: str = "MobileNetV3Small",
):
    """Instantiates the MobileNetV3Small architecture (torchvision's, 2.5M parameters).
    {args}
    Example:

    >>> model = kerastorch.applications.MobileNetV3Small(
    ...     weights=None, input_shape=(64, 64, 3), classes=10)
    """
    return _mobilenet_v3("mobilenet_v3_small", input_shape, alpha, minimalistic, include_top,
                         weights, input_tensor, classes, pooling, dropout_rate,
                         classifier_activation, include_preprocessing, name)


def MobileNetV3Large(
    input_shape=None,
    alpha: float = 1.0,
    minimalistic: bool = False,
    include_top: bool = True,
    weights="imagenet",
    input_tensor=None,
    classes: int = 1000,
    pooling=None,
    dropout_rate: float = 0.2,
    classifier_activation="softmax",
    include_preprocessing: bool = True,
    name: str = "MobileNetV3Large",
):
    """Instantiates the MobileNetV3Large architecture (torchvision's, 5.5M parameters).
    {args}
    Example:

    >>> base = kerastorch.applications.MobileNetV3Large(
    ...     weights=None, include_top=False, pooling="avg")
    """
    return _mobilenet_v3("mobilenet_v3_large", input_shape, alpha, minimalistic, include_top,
                         weights, input_tensor, classes, pooling, dropout_rate,
                         classifier_activation, include_preprocessing, name)


MobileNetV3Small.__doc__ = MobileNetV3Small.__doc__.replace("{args}", _ARGS_DOC)
MobileNetV3Large.__doc__ = MobileNetV3Large.__doc__.replace("{args}", _ARGS_DOC)


preprocess_input = imagenet_utils.identity_preprocess_input
decode_predictions = imagenet_utils.decode_predictions
