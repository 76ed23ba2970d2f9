"""ImageNet helpers shared by the applications: input preprocessing, label decoding,
and Keras's checks of the application arguments."""

from __future__ import annotations

import os

import numpy as np
import torch

from kerastorch import backend

_MODES = ("torch", "tf", "caffe")
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


def preprocess_input(x, data_format: str | None = None, mode: str = "torch"):
    """Preprocess a batch of `[0, 255]` RGB images for an ImageNet model.

    Modes, as in Keras: `"torch"` scales to `[0, 1]` then normalizes each
    channel with the ImageNet mean and standard deviation (what torchvision's
    weights expect, so the default here; Keras's own default is `"caffe"`);
    `"tf"` scales to `[-1, 1]`; `"caffe"` converts RGB to BGR and subtracts
    the ImageNet BGR mean. The input is not modified: a new array (numpy in,
    numpy out) or tensor (tensor in, tensor out) is returned.

    Args:
        x: images, `(..., height, width, 3)` for `channels_last` or
            `(..., 3, height, width)` for `channels_first`; a numpy array,
            a tensor or a nested list.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.
        mode: `"torch"`, `"tf"` or `"caffe"`. Defaults to `"torch"`.

    Returns:
        The preprocessed images, float (`floatx()` unless `x` is already float).

    Example:

    >>> x = np.full((1, 224, 224, 3), 255.0)
    >>> preprocess_input(x)[0, 0, 0]
    array([2.2489083, 2.4285715, 2.64     ], dtype=float32)
    """
    if mode not in _MODES:
        raise ValueError(
            f"`mode` must be one of {list(_MODES)}. Received: mode={mode!r}"
        )
    data_format = _standardize_data_format(data_format)
    is_tensor = isinstance(x, torch.Tensor)
    if not is_tensor:
        x = np.asarray(x)
        if not np.issubdtype(x.dtype, np.floating):
            x = x.astype(backend.floatx())
        t = torch.from_numpy(np.array(x, copy=True))
    else:
        t = x if x.is_floating_point() else x.to(backend.to_torch_dtype(None))
    if t.ndim < 3:
        raise ValueError(
            "`preprocess_input` expects images with a channel axis: at least 3 "
            f"dimensions. Received: x.shape={tuple(t.shape)}"
        )
    axis = -1 if data_format == "channels_last" else -3
    if t.shape[axis] != 3:
        raise ValueError(
            f"`preprocess_input` expects 3 (RGB) channels on axis {axis} for "
            f"data_format={data_format!r}. Received: x.shape={tuple(t.shape)}"
        )
    shape = [1] * t.ndim
    shape[axis] = 3

    def channel_constant(values):
        return torch.tensor(values, dtype=t.dtype, device=t.device).view(shape)

    if mode == "tf":
        out = t / 127.5 - 1.0
    elif mode == "torch":
        out = (t / 255.0 - channel_constant(_IMAGENET_MEAN)) / channel_constant(_IMAGENET_STD)
    else:
        out = t.flip(axis) - channel_constant(_CAFFE_MEAN_BGR)  # RGB -> BGR, centred
    return out if is_tensor else out.numpy()


def decode_predictions(preds, top: int = 5) -> list[list[tuple[int, str, float]]]:
    """The `top` ImageNet classes of each prediction, most likely first.

    The class names are torchvision's (`weights.meta["categories"]`, shipped
    with torchvision, so nothing is downloaded). Where Keras gives a WordNet
    id first, this gives the class index (0-999).

    Args:
        preds: a batch of predictions, shape `(samples, 1000)` (numpy or tensor).
        top: how many classes per sample. Defaults to `5`.

    Returns:
        One list per sample of `(class_index, class_name, score)` tuples.

    Example:

    >>> decode_predictions(np.eye(1000)[[1]], top=1)
    [[(1, 'goldfish', 1.0)]]
    """
    if isinstance(preds, torch.Tensor):
        preds = preds.detach().cpu().numpy()
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError(
            "`decode_predictions` expects a batch of predictions (i.e. a 2D array "
            f"of shape (samples, 1000)). Received array with shape: {preds.shape}"
        )
    if not isinstance(top, int) or isinstance(top, bool) or not 1 <= top <= 1000:
        raise ValueError(f"`top` must be an int in [1, 1000]. Received: top={top!r}")
    names = imagenet_class_names()
    results = []
    for row in preds:
        best = np.argsort(-row, kind="stable")[:top]
        results.append([(int(i), names[i], float(row[i])) for i in best])
    return results


def imagenet_class_names() -> list[str]:
    """The 1000 ImageNet-1k class names, in index order (from torchvision's metadata)."""
    from kerastorch.applications._torchvision_backbones import imagenet_weights

    return list(imagenet_weights("resnet18").meta["categories"])


# --- argument checks shared by the application builders ---------------------------------


def validate_weights(weights) -> None:
    if not (weights in (None, "imagenet") or (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError(
            "The `weights` argument should be either `None` (random "
            "initialization), 'imagenet' (pre-training on ImageNet), or the path "
            f"to the weights file to be loaded. Received: weights={weights!r}"
        )


def validate_activation(classifier_activation, weights) -> None:
    """With pretrained weights the top's activation must be `None` or `"softmax"` (Keras)."""
    if weights is None:
        return
    from kerastorch import activations

    fn = activations.get(classifier_activation)
    if classifier_activation is not None and fn is not activations.get("softmax"):
        raise ValueError(
            "Only `None` and `softmax` activations are allowed for the "
            "`classifier_activation` argument when using pretrained weights, with "
            f"`include_top=True`; Received: classifier_activation={classifier_activation!r}"
        )


def obtain_input_shape(
    input_shape,
    default_size: int,
    min_size: int,
    data_format: str,
    require_flatten: bool,
    weights=None,
) -> tuple:
    """The model's input shape (no batch axis), checked as Keras's applications do.

    With a classification top and ImageNet weights the shape must be the
    default; a top needs static spatial sizes; spatial sizes must be at
    least `min_size`; images have 3 channels (the first convolution of the
    torchvision models expects RGB).
    """
    if data_format == "channels_first":
        default_shape = (3, default_size, default_size)
    else:
        default_shape = (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten and input_shape is not None:
        if tuple(input_shape) != default_shape:
            raise ValueError(
                "When setting `include_top=True` and loading `imagenet` weights, "
                f"`input_shape` should be {default_shape}. "
                f"Received: input_shape={tuple(input_shape)}"
            )
    if input_shape is None:
        if require_flatten:
            return default_shape
        return (3, None, None) if data_format == "channels_first" else (None, None, 3)
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(
            "`input_shape` must be a tuple of three integers (height, width, "
            f"channels). Received: input_shape={input_shape}"
        )
    if data_format == "channels_first":
        channels, spatial = input_shape[0], input_shape[1:]
    else:
        channels, spatial = input_shape[-1], input_shape[:2]
    if channels != 3:
        raise ValueError(
            "The input must have 3 channels (RGB): the first convolution of the "
            f"torchvision model expects them. Received: input_shape={input_shape}"
        )
    for size in spatial:
        if size is not None and size < min_size:
            raise ValueError(
                f"Input size must be at least {min_size}x{min_size}; Received: "
                f"input_shape={input_shape}"
            )
    if require_flatten and None in spatial:
        raise ValueError(
            "If `include_top` is True, you should specify a static `input_shape`. "
            f"Received: input_shape={input_shape}"
        )
    return input_shape


def _standardize_data_format(data_format) -> str:
    if data_format is None:
        return backend.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "`data_format` must be 'channels_last' or 'channels_first'. "
            f"Received: data_format={data_format!r}"
        )
    return data_format


def identity_preprocess_input(x, data_format: str | None = None):
    """Return `x` unchanged: the model normalizes `[0, 255]` images itself, as in Keras.

    The `preprocess_input` of MobileNetV3, EfficientNet and ConvNeXt.

    Args:
        x: a batch of `[0, 255]` images.
        data_format: ignored. Defaults to `None`.

    Returns:
        `x`, unchanged.
    """
    return x


def torch_preprocess_input(x, data_format: str | None = None):
    """Scale `[0, 255]` RGB images to torchvision's ImageNet normalization ("torch" mode).

    The `preprocess_input` of ResNet and ViT. Keras's ResNet50 uses "caffe"
    mode; these models carry torchvision's weights, trained with the
    "torch" normalization, so that is used here.

    Args:
        x: a batch of images (numpy array or tensor), values in `[0, 255]`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Returns:
        The preprocessed images, same kind (numpy or tensor) as `x`.
    """
    return preprocess_input(x, data_format=data_format, mode="torch")
