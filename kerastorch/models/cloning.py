"""`clone_model`: the same architecture with new layers (and new weights)."""

from __future__ import annotations

from collections.abc import Callable

from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.layers.core.input_layer import Input
from kerastorch.layers.core.input_layer import InputLayer
from kerastorch.layers.layer import Layer
from kerastorch.models.functional import Functional
from kerastorch.models.functional import _fill
from kerastorch.models.model import Model
from kerastorch.models.sequential import Sequential
from kerastorch.utils import tree


def _default_clone(layer: Layer) -> Layer:
    return layer.__class__.from_config(layer.get_config())


def clone_model(
    model: Model,
    input_tensors=None,
    clone_function: Callable[[Layer], Layer] | None = None,
    call_function: Callable | None = None,
    recursive: bool = False,
    **kwargs,
) -> Model:
    """A new model with the same architecture as `model`, and newly initialized weights.

    Works for Sequential and functional models; a subclassed model is
    recreated from its `get_config()`. Shared layers stay shared in the clone.

    Args:
        model: the model to clone.
        input_tensors: optional `Input` tensor(s) to build the clone on.
        clone_function: `layer -> new layer`, applied to every layer (not to
            input layers). Defaults to `layer.__class__.from_config(layer.get_config())`.
        call_function: `(layer, *args, **kwargs) -> outputs`, to change how each
            cloned layer is called in a functional clone. Defaults to calling it.
        recursive: clone nested Sequential/functional models with `clone_model`
            too (otherwise `clone_function` is applied to them).

    Example:

    ```python
    clone = kerastorch.models.clone_model(model)
    clone.set_weights(model.get_weights())
    ```
    """
    if kwargs:
        raise ValueError(f"Unrecognized arguments for `clone_model`: {sorted(kwargs)}")
    if not isinstance(model, Model):
        raise TypeError(
            f"`model` must be a `kerastorch.Model`. Received: {model!r} "
            f"(of type {type(model).__name__})"
        )
    if clone_function is not None and not callable(clone_function):
        raise TypeError(f"`clone_function` must be callable. Received: {clone_function!r}")
    custom_function = clone_function is not None
    clone_function = clone_function or _default_clone
    memo: dict[int, Layer] = {}

    def clone_layer(layer: Layer) -> Layer:
        if id(layer) not in memo:
            if recursive and isinstance(layer, (Sequential, Functional)):
                memo[id(layer)] = clone_model(
                    layer, clone_function=clone_function, call_function=call_function, recursive=True
                )
            else:
                memo[id(layer)] = clone_function(layer)
        return memo[id(layer)]

    if isinstance(model, Sequential):
        return _clone_sequential(model, input_tensors, clone_layer)
    if isinstance(model, Functional):
        return _clone_functional(model, input_tensors, clone_layer, call_function)
    if input_tensors is not None or custom_function:
        raise ValueError(
            "`input_tensors` and `clone_function` are only supported for "
            "Sequential and functional models. Received a subclassed model: "
            f"{type(model).__name__}"
        )
    # A subclassed model: recreated from its config (registered classes resolve).
    return model.__class__.from_config(model.get_config())


def _clone_sequential(model: Sequential, input_tensors, clone_layer) -> Sequential:
    layers = [clone_layer(layer) for layer in model.layers]
    if input_tensors is not None:
        flat = tree.flatten(input_tensors)
        if len(flat) != 1 or not isinstance(flat[0], KerasTensor):
            raise ValueError(
                "A Sequential model takes one input tensor. Received: "
                f"input_tensors={input_tensors!r}"
            )
        return Sequential([flat[0], *layers], name=model.name, trainable=model.trainable)
    if model._input_layer is not None:
        spec = model._input_layer
        layers.insert(0, Input(batch_shape=spec.batch_shape, dtype=spec.dtype, name=spec.name))
    return Sequential(layers, name=model.name, trainable=model.trainable)


def _clone_functional(model: Functional, input_tensors, clone_layer, call_function) -> Functional:
    originals = model.inputs
    if input_tensors is None:
        new_inputs = []
        for t in originals:
            layer = t._keras_history.operation
            if isinstance(layer, InputLayer):
                new_inputs.append(
                    Input(batch_shape=layer.batch_shape, dtype=layer.dtype, name=layer.name)
                )
            else:
                new_inputs.append(Input(batch_shape=t.shape, dtype=t.dtype))
    else:
        new_inputs = tree.flatten(input_tensors)
        if len(new_inputs) != len(originals) or not all(
            isinstance(t, KerasTensor) for t in new_inputs
        ):
            raise ValueError(
                f"`input_tensors` must be {len(originals)} symbolic tensor(s), one "
                f"per model input. Received: {input_tensors!r}"
            )
    values: list = [None] * model._num_slots
    for slot, t in zip(model._input_slots, new_inputs):
        values[slot] = t
    for step in model._plan:
        layer = clone_layer(step.layer)
        if step.single_in is not None:
            args, kwargs = [values[step.single_in]], {}
        else:
            args, kwargs = _fill(step.args, values), _fill(step.kwargs, values)
        out = call_function(layer, *args, **kwargs) if call_function else layer(*args, **kwargs)
        for slot, value in zip(step.out_slots, tree.flatten(out)):
            values[slot] = value
    outputs = tree.pack_sequence_as(model._outputs_struct, [values[s] for s in model._output_slots])
    inputs = tree.pack_sequence_as(model._inputs_struct, new_inputs)
    return Functional(inputs, outputs, name=model.name, trainable=model.trainable)
