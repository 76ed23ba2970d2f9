"""Assemble an application: Input -> torchvision features -> pooling or Keras top.

Each family module (`resnet.py`, ...) describes its top as a function
returning the output tensor and which torchvision classifier weights fill
which Keras layer; `build_application` does the rest, as Keras's
applications do: argument checks, the input, the model, the weights.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import torch

from kerastorch import backend
from kerastorch import layers
from kerastorch.applications import imagenet_utils
from kerastorch.applications._torchvision_backbones import TorchvisionFeatures
from kerastorch.applications._torchvision_backbones import get_architecture
from kerastorch.applications._torchvision_backbones import imagenet_weights
from kerastorch.backend.keras_tensor import KerasTensor

# A top: (features, classes, classifier_activation, data_format) ->
#   (outputs, [(keras layer, torchvision state_dict prefix of its weights)])
TopFn = Callable[[KerasTensor, int, object, str], tuple]


def build_application(
    architecture: str,
    *,
    top: TopFn,
    include_top: bool,
    weights,
    input_tensor,
    input_shape,
    pooling,
    classes: int,
    classifier_activation,
    name: str,
    default_size: int = 224,
    min_size: int = 32,
    fixed_size: bool = False,
    include_preprocessing: bool = False,
    options: dict | None = None,
):
    """Build the Functional model of one application (see the family modules)."""
    arch = get_architecture(architecture)
    imagenet_utils.validate_weights(weights)
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(
            "If using `weights='imagenet'` with `include_top=True`, `classes` "
            f"should be 1000. Received classes={classes}"
        )
    if not isinstance(classes, int) or isinstance(classes, bool) or classes < 1:
        raise ValueError(f"`classes` must be a positive int. Received: classes={classes!r}")
    if pooling not in (None, "avg", "max"):
        raise ValueError(
            f"`pooling` must be None, 'avg' or 'max'. Received: pooling={pooling!r}"
        )
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    data_format = backend.image_data_format()
    if input_shape is None and isinstance(input_tensor, KerasTensor):
        input_shape = tuple(input_tensor.shape[1:])
    if fixed_size and input_shape is not None:
        expected = (3, default_size, default_size) if data_format == "channels_first" else (
            default_size, default_size, 3
        )
        if tuple(input_shape) != expected:
            raise ValueError(
                f"{name} needs a fixed input shape {expected}: its position "
                f"embedding has one entry per {default_size}x{default_size} image "
                f"patch. Received: input_shape={tuple(input_shape)}"
            )
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=default_size,
        min_size=min_size,
        data_format=data_format,
        require_flatten=include_top or fixed_size,
        weights=weights,
    )

    if input_tensor is None:
        img_input = layers.Input(shape=input_shape)
    elif isinstance(input_tensor, KerasTensor):
        img_input = input_tensor
    else:
        img_input = layers.Input(tensor=input_tensor, shape=input_shape)

    features = TorchvisionFeatures(
        architecture, data_format, include_preprocessing=include_preprocessing, options=options
    )
    backbone = layers.TorchModuleWrapper(
        features,
        name=f"{name}_features".lower(),
        output_shape=_unknown_size_output_shape(input_shape, arch.channels, data_format),
    )
    x = backbone(img_input)
    head_layers: list = []
    if include_top:
        x, head_layers = top(x, classes, classifier_activation, data_format)
    elif pooling is not None:
        x = _pool(x, pooling, arch.family, data_format)

    from kerastorch.models.model import Model

    inputs = source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Model(inputs, x, name=name)
    if weights == "imagenet":
        state = imagenet_weights(architecture).get_state_dict(progress=True, check_hash=True)
        load_torchvision_state(features, head_layers, state, "ImageNet weights", arch.head)
    elif weights is not None:
        load_weights_file(model, features, head_layers, os.fspath(weights), arch.head)
    return model


def _unknown_size_output_shape(input_shape: tuple, channels: int, data_format: str):
    """The feature map's shape when the image size is unknown, else `None` (inferred).

    Inference by a run on placeholder sizes cannot tell that the spatial size
    is unknown once a stride-32 network rounds both placeholders alike.
    """
    if None not in input_shape:
        return None
    if data_format == "channels_first":
        return (channels, None, None)
    return (None, None, channels)


def _pool(x, pooling: str, family: str, data_format: str):
    if family == "vit":  # tokens (batch, 1 + patches, hidden)
        layer = layers.GlobalAveragePooling1D if pooling == "avg" else layers.GlobalMaxPooling1D
        return layer(name=f"{pooling}_pool")(x)
    layer = layers.GlobalAveragePooling2D if pooling == "avg" else layers.GlobalMaxPooling2D
    return layer(data_format=data_format, name=f"{pooling}_pool")(x)


def source_inputs(tensor: KerasTensor) -> list:
    """The `Input` tensors that `tensor` is computed from (Keras's `get_source_inputs`)."""
    found: list = []
    stack = [tensor]
    while stack:
        t = stack.pop()
        history = t._keras_history
        if history is None:
            raise ValueError(
                "`input_tensor` must come from `kerastorch.Input` (directly or "
                f"through layer calls). Received: {t!r}"
            )
        node = history.operation._inbound_nodes[history.node_index]
        if node.is_input:
            if all(t is not f for f in found):
                found.append(t)
        else:
            stack.extend(reversed(node.input_tensors))
    return found[0] if len(found) == 1 else found


# --- weights -------------------------------------------------------------------------------


def load_weights_file(model, features, head_layers, path: str, head: str) -> None:
    """`weights=<path>`: a torchvision `state_dict` (`.pt`/`.pth`/`.bin`/`.safetensors`
    with torchvision's keys) or any file `model.load_weights` reads."""
    state = None
    if path.endswith((".pt", ".pth", ".bin")):
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # noqa: BLE001 - unpickling refusals, truncation, ...
            raise ValueError(
                f"Cannot load '{path}' as a PyTorch state_dict (read with "
                f"`torch.load(weights_only=True)`): {type(e).__name__}: {e}"
            ) from None
        if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
            state = state["state_dict"]
    elif path.endswith(".safetensors"):
        from safetensors.torch import load_file

        state = load_file(path)
    if isinstance(state, dict) and _looks_like_torchvision(features, state):
        load_torchvision_state(features, head_layers, state, f"'{path}'", head)
    else:
        model.load_weights(path)


def _looks_like_torchvision(features, state: dict) -> bool:
    expected = set(features.model.state_dict())
    return bool(expected) and expected <= set(state)


def load_torchvision_state(features, head_layers, state: dict, source: str, head: str) -> None:
    """Copy a full torchvision `state_dict` into the features module and the Keras top.

    Every shape is checked before anything changes, so on error the model
    keeps its weights.
    """
    prefix = f"{head}."
    body = {k: v for k, v in state.items() if not k.startswith(prefix)}
    expected = features.model.state_dict()
    missing = sorted(set(expected) - set(body))
    unexpected = sorted(set(body) - set(expected))
    if missing or unexpected:
        raise ValueError(
            f"The weights in {source} do not fit torchvision's "
            f"'{features.architecture}': missing {missing[:5]}, unexpected "
            f"{unexpected[:5]} ({len(missing)} and {len(unexpected)} in all)."
        )
    bad = [
        f"'{k}': the model has {tuple(expected[k].shape)}, the file {tuple(v.shape)}"
        for k, v in body.items()
        if tuple(v.shape) != tuple(expected[k].shape)
    ]
    head_values = [
        (layer, _keras_values(layer, state, f"{head}.{p}" if p else head, source))
        for layer, p in head_layers
    ]
    for layer, values in head_values:
        for variable, value in zip(layer.weights, values):
            if tuple(variable.shape) != tuple(value.shape):
                bad.append(
                    f"layer '{layer.name}' {variable.name}: the model has "
                    f"{tuple(variable.shape)}, the file {tuple(value.shape)}"
                )
    if bad:
        raise ValueError(f"Shape mismatch in {source}: " + "; ".join(bad[:5]))
    features.model.load_state_dict(body)
    for layer, values in head_values:
        layer.set_weights([v.numpy() for v in values])


def _keras_values(layer, state: dict, prefix: str, source: str) -> list:
    """A torchvision Linear/LayerNorm's tensors in the Keras layer's weight order."""
    keys = (f"{prefix}.weight", f"{prefix}.bias")
    for key in keys:
        if key not in state:
            raise ValueError(
                f"The weights in {source} have no classifier weights ('{key}'), "
                "which the top of this model needs. Pass `include_top=False` to "
                "load only the features."
            )
    weight, bias = (state[k].detach().float().cpu() for k in keys)
    if isinstance(layer, layers.Dense):
        return [weight.t().contiguous(), bias]  # torch (out, in) -> Keras (in, out)
    return [weight, bias]  # LayerNormalization: gamma, beta
