"""ViTB16: the Vision Transformer ViT-B/16 (torchvision's), as a Keras application.

Keras has no ViT in `keras.applications` (KerasHub has `ViTBackbone`); the
name follows the applications' pattern (`ViTB16`, module `vit`).

Reference: [An Image is Worth 16x16 Words](https://arxiv.org/abs/2010.11929) (ICLR 2021).
"""

from __future__ import annotations

from kerastorch import layers
from kerastorch.applications import imagenet_utils
from kerastorch.applications._app_builder import build_application


def _top(x, classes, classifier_activation, data_format):
    x = x[:, 0]  # (batch, hidden): the class token, as torchvision's head reads it
    dense = layers.Dense(classes, activation=classifier_activation, name="predictions")
    return dense(x), [(dense, "head")]


def ViTB16(
    include_top: bool = True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes: int = 1000,
    classifier_activation="softmax",
    name: str = "vit_b16",
):
    """Instantiates ViT-B/16 (torchvision's `vit_b_16`, 86.6M parameters).

    The input is fixed at `(224, 224, 3)` (the position embedding has one
    entry per 16x16 patch of a 224x224 image). Without the top, the output is
    the encoder's token sequence `(batch, 197, 768)`, class token first;
    `pooling="avg"`/`"max"` pool over all tokens. The top is a Dense layer on
    the class token, as in torchvision. Preprocess with `vit.preprocess_input`.

    Args:
        include_top: whether to include the Dense classifier. Defaults to `True`.
        weights: `None`, `"imagenet"` (torchvision's
            `ViT_B_16_Weights.IMAGENET1K_V1`, downloaded by torchvision) or the
            path to a weights file (a torchvision `state_dict` or a file
            `model.load_weights` reads). Defaults to `"imagenet"`.
        input_tensor: optional Keras tensor to use as input. Defaults to `None`.
        input_shape: `(224, 224, 3)` or `None`. Defaults to `None`.
        pooling: `None`, `"avg"` or `"max"` when `include_top=False`. Defaults
            to `None`.
        classes: number of classes. Defaults to `1000`.
        classifier_activation: the top layer's activation. Defaults to `"softmax"`.
        name: the name of the model. Defaults to `"vit_b16"`.

    Returns:
        A Functional model.

    Example:

    >>> model = kerastorch.applications.ViTB16(weights=None, classes=10)
    """
    return build_application(
        "vit_b_16",
        top=_top,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        name=name,
        fixed_size=True,
    )


preprocess_input = imagenet_utils.torch_preprocess_input
decode_predictions = imagenet_utils.decode_predictions
