"""Keras 3's HDF5 weights layout (`model.weights.h5`, `*.weights.h5`), read and written.

Keras 3 stores each layer's own variables under the layer's path in the
model, as datasets named by position:

    vars                             the model's own variables (usually none)
    layers/dense/vars/0              Dense kernel   (first Dense of the model)
    layers/dense/vars/1              Dense bias
    layers/dense_1/vars/0            the second Dense: named by class and rank,
                                     never by the layer's (auto-generated) name
    layers/gru/cell/vars/0..2        sublayers under their attribute name
    layers/sequential/layers/...     nested models recurse
    optimizer/vars/0..n              iterations, learning rate, slot variables

A layer's variables are its trainable ones then its non-trainable ones, each
in creation order; kerastorch layers keep Keras's variable shapes and order,
so weights move over unchanged. Each `vars` group carries the layer's name
in an attribute (`name`), as Keras writes it.

`h5py` is an optional dependency (extra `keras-io`), imported on first use.
"""

from __future__ import annotations

import re

import numpy as np
import torch

_EXTRA_HINT = 'pip install "kerastorch[keras-io]"'


def require_h5py():
    """Import h5py, or raise an ImportError naming the extra that installs it."""
    try:
        import h5py
    except ImportError:
        raise ImportError(
            "Reading and writing Keras 3 files (`.keras` archives written by "
            "Keras, `.weights.h5`) needs the `h5py` package, which is not "
            f"installed. Install it with `{_EXTRA_HINT}`."
        ) from None
    return h5py


def keras_snake_case(name: str) -> str:
    """Keras's `to_snake_case`, which names weight groups (`Conv2DTranspose` -> `conv2d_transpose`)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


# --- the model's layout -------------------------------------------------------------


class WeightGroup:
    """One `vars` group: a path, the owning layer's name, its variables in Keras order."""

    def __init__(self, path: str, name: str, variables: list):
        self.path = path
        self.name = name
        self.variables = variables

    @property
    def vars_path(self) -> str:
        return f"{self.path}/vars" if self.path else "vars"


def weight_groups(model) -> list[WeightGroup]:
    """Every layer of `model` (itself included) as Keras 3 lays it out in HDF5."""
    groups: list[WeightGroup] = []
    _walk(model, "", groups, set())
    return groups


def _own_variables(layer) -> list:
    return list(layer._trainable_variables) + list(layer._non_trainable_variables)


def _walk(layer, path: str, groups: list, visited: set) -> None:
    from kerastorch.layers.layer import Layer

    if id(layer) in visited:
        return
    visited.add(id(layer))
    groups.append(WeightGroup(path, layer.name, _own_variables(layer)))
    for attr, child in _children(layer):
        child_path = f"{path}/{attr}" if path else attr
        if isinstance(child, Layer):
            _walk(child, child_path, groups, visited)
        else:
            _walk_container(child, child_path, groups, visited)


def _walk_container(layers: list, path: str, groups: list, visited: set) -> None:
    used: dict[str, int] = {}
    for layer in layers:
        base = keras_snake_case(type(layer).__name__)
        if base in used:
            used[base] += 1
            name = f"{base}_{used[base]}"
        else:
            used[base] = 0
            name = base
        _walk(layer, f"{path}/{name}", groups, visited)


def _children(layer) -> list[tuple[str, object]]:
    """`(attribute name, sublayer or list of layers)`, in Keras's visiting order."""
    from torch import nn

    from kerastorch.layers.layer import Layer
    from kerastorch.models.functional import Functional
    from kerastorch.models.sequential import Sequential
    from kerastorch.ops._op_layer import OpLayer
    from kerastorch.saving.keras3.graph_order import keras_layer_order

    children: list[tuple[str, object]] = []
    if isinstance(layer, Functional):
        ordered = [x for x in keras_layer_order(layer) if not isinstance(x, OpLayer)]
        return [("layers", ordered)]
    if isinstance(layer, Sequential):
        return [("layers", list(layer.layers))]
    for attr, module in layer._modules.items():
        if module is None:
            continue
        public = attr.lstrip("_")
        if public != attr and getattr(layer, public, None) is module:
            attr = public  # Keras reaches `_query_dense` through `query_dense`
        if isinstance(module, Layer):
            children.append((attr, module))
        elif isinstance(module, (nn.ModuleList, nn.ModuleDict, nn.Sequential)):
            items = [m for m in module._modules.values() if isinstance(m, Layer)]
            children.append((attr, items))
    # Keras visits attributes sorted by name, private ones last.
    children.sort(key=lambda item: f"~{item[0]}" if item[0].startswith("_") else item[0])
    return children


# --- writing ----------------------------------------------------------------------------


def write_weights(model, h5_file, optimizer_variables: list | None = None) -> None:
    """Write `model`'s weights (and optimizer variables, if given) into open `h5_file`."""
    for group in weight_groups(model):
        entry = h5_file.require_group(group.vars_path)
        entry.attrs["name"] = group.name
        for i, variable in enumerate(group.variables):
            entry.create_dataset(str(i), data=_to_numpy(variable))
    if optimizer_variables is not None:
        entry = h5_file.require_group("optimizer/vars")
        entry.attrs["name"] = optimizer_variables[0]
        for i, value in enumerate(optimizer_variables[1]):
            entry.create_dataset(str(i), data=_to_numpy(value))


def _to_numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach()
        if hasattr(value, "full_tensor"):  # an FSDP2 shard
            value = value.full_tensor()
        if value.dtype == torch.bfloat16:
            value = value.float()
        return value.cpu().numpy()
    return np.asarray(value)


# --- reading ----------------------------------------------------------------------------


def check_keras3_layout(h5_file, source: str) -> None:
    """Refuse HDF5 files that are not Keras 3 weights (legacy Keras 2 `.h5` models, ...)."""
    attrs = set(h5_file.attrs)
    if "layer_names" in attrs or "model_weights" in h5_file or "model_config" in attrs:
        raise ValueError(
            f"{source} is a legacy Keras 2 HDF5 file (`model.save('x.h5')` in "
            "Keras 2 / tf.keras), which kerastorch cannot read. Open it with "
            "Keras 3 (`keras.models.load_model`), save it again as `.keras` and "
            "load that file."
        )
    if "vars" not in h5_file and "layers" not in h5_file:
        raise ValueError(
            f"{source} is an HDF5 file but not a Keras 3 weights file: it has no "
            f"top-level `vars` or `layers` group (found: {sorted(h5_file)[:8]})."
        )


def read_weights(model, h5_file, source: str, skip_mismatch: bool = False) -> None:
    """Copy the weights in open `h5_file` into `model`; every shape is checked first."""
    import warnings

    from kerastorch.utils.warnings import KerasTorchWarning

    check_keras3_layout(h5_file, source)
    loads, problems = [], []
    for group in weight_groups(model):
        stored = _stored_arrays(h5_file, group.vars_path)
        if len(stored) != len(group.variables):
            if stored or group.variables:
                problems.append(
                    f"layer '{group.name}' (at '{group.path or '/'}') has "
                    f"{len(group.variables)} variables, the file has {len(stored)}"
                )
            continue
        for i, (variable, value) in enumerate(zip(group.variables, stored)):
            if tuple(variable.shape) != tuple(value.shape):
                problems.append(
                    f"variable {i} of layer '{group.name}' "
                    f"('{getattr(variable, 'path', '?')}') has shape "
                    f"{tuple(variable.shape)}, the file has {tuple(value.shape)}"
                )
            else:
                loads.append((variable, value))
    if problems and not skip_mismatch:
        raise ValueError(
            f"Cannot load the weights in {source} into model '{model.name}': "
            + "; ".join(problems)
            + ". The architecture must match the one that wrote the file; pass "
            "`skip_mismatch=True` to load only the variables that match."
        )
    if problems:
        warnings.warn(
            f"Skipping variables that do not match in {source}: " + "; ".join(problems),
            KerasTorchWarning,
            stacklevel=3,
        )
    with torch.no_grad():
        for variable, value in loads:
            variable.copy_(torch.as_tensor(value, dtype=variable.dtype))


def _stored_arrays(h5_file, vars_path: str) -> list[np.ndarray]:
    if vars_path not in h5_file:
        return []
    group = h5_file[vars_path]
    keys = sorted((k for k in group if k.isdigit()), key=int)
    return [np.asarray(group[k]) for k in keys]


def read_optimizer_arrays(h5_file) -> list[np.ndarray]:
    """The optimizer variables Keras stored (`optimizer/vars/0..n`), or `[]`."""
    return _stored_arrays(h5_file, "optimizer/vars")
