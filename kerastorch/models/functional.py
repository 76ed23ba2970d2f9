"""Functional: a model defined by a graph of layer calls, `Model(inputs, outputs)`.

The graph is the `Node`s recorded when layers were called on `KerasTensor`s
(`layers/node.py`). It is walked once, at construction, into a flat plan:
a list of steps `(layer, where its arguments come from, where its outputs
go)` over numbered value slots. `call` runs the plan; per layer it costs one
list lookup and one layer call.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from kerastorch.backend.dtypes import standardize_dtype
from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.layers.core.input_layer import InputLayer
from kerastorch.layers.layer import Layer
from kerastorch.models.model import Model
from kerastorch.utils import tree


class _Slot:
    """Where a step argument is read from: `values[index]`."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


def _fill(template, values):
    if type(template) is _Slot:
        return values[template.index]
    if isinstance(template, list):
        return [_fill(t, values) for t in template]
    if isinstance(template, tuple):
        return tuple(_fill(t, values) for t in template)
    if isinstance(template, dict):
        return {k: _fill(t, values) for k, t in template.items()}
    return template


class _Step:
    """One layer call of the plan."""

    __slots__ = ("layer", "node", "single_in", "args", "kwargs", "single_out", "out_slots")

    def __init__(self, layer, node, single_in, args, kwargs, single_out, out_slots):
        self.layer = layer
        self.node = node
        self.single_in = single_in  # slot of the only argument, or None
        self.args = args  # templates, used when single_in is None
        self.kwargs = kwargs
        self.single_out = single_out  # slot of the only output, or None
        self.out_slots = out_slots


def _tensor_name(t: KerasTensor) -> str:
    history = t._keras_history
    if history is None:
        return repr(t)
    return f"{history.operation.name}[{history.node_index}][{history.tensor_index}]"


def _topological_nodes(input_tensors: list, output_tensors: list) -> list:
    """The nodes between the inputs and the outputs, each after its parents."""
    input_ids = {id(t) for t in input_tensors}
    order: list = []
    done: set[int] = set()
    for output in output_tensors:
        # Iterative depth-first walk: deep graphs must not hit Python's recursion limit.
        stack = [(output, False)]
        while stack:
            tensor, expanded = stack.pop()
            if id(tensor) in input_ids:
                continue
            history = tensor._keras_history
            node = history.operation._inbound_nodes[history.node_index]
            if id(node) in done:
                continue
            if expanded:
                done.add(id(node))
                order.append(node)
                continue
            if node.is_input:
                accessed = [n.operation.name for n in order]
                raise ValueError(
                    "Graph disconnected: cannot obtain value for tensor "
                    f"{tensor} at layer '{node.operation.name}': it is not one of "
                    "the model's `inputs`, and no input leads to it. The following "
                    f"previous layers were accessed without issue: {accessed}"
                )
            stack.append((tensor, True))
            for parent in reversed(node.input_tensors):
                stack.append((parent, False))
    return order


def _check_keras_tensors(structure, what: str) -> list:
    flat = tree.flatten(structure)
    if not flat:
        raise ValueError(f"A functional model needs at least one tensor in `{what}`.")
    for t in flat:
        if not isinstance(t, KerasTensor):
            raise ValueError(
                f"All `{what}` of a functional model must be symbolic tensors "
                "(made by `kerastorch.Input` and layer calls on them). "
                f"Received: {t!r} (of type {type(t).__name__})"
            )
        if t._keras_history is None:
            raise ValueError(
                f"The tensor {t} in `{what}` was not produced by a layer: it is "
                "not derived from the model's inputs. Build it from "
                "`kerastorch.Input` with layer calls."
            )
    return flat


class Functional(Model):
    """A model whose layers form a graph, made by `Model(inputs, outputs)`.

    Args:
        inputs: a `kerastorch.Input` tensor, or a list or dict of them.
        outputs: the tensor(s) computed from `inputs` by layer calls: a
            tensor, a list or a dict.
        name: Defaults to `"functional"` made unique.
        trainable: Defaults to `True`.

    Example:

    ```python
    inputs = kerastorch.Input(shape=(32,))
    x = kerastorch.layers.Dense(64, activation="relu")(inputs)
    outputs = kerastorch.layers.Dense(10)(x)
    model = kerastorch.Model(inputs, outputs)
    ```
    """

    def __init__(self, inputs, outputs, name: str | None = None, trainable: bool = True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        if isinstance(inputs, dict):
            for key in inputs:
                if not isinstance(key, str):
                    raise ValueError(
                        f"The keys of a dict of `inputs` must be strings. Received: {key!r}"
                    )
        self._inputs_struct = _copy_structure(inputs)
        self._outputs_struct = _copy_structure(outputs)
        flat_inputs = _check_keras_tensors(inputs, "inputs")
        flat_outputs = _check_keras_tensors(outputs, "outputs")
        if len({id(t) for t in flat_inputs}) != len(flat_inputs):
            raise ValueError("The same tensor appears more than once in `inputs`.")
        self._build_graph(flat_inputs, flat_outputs)
        self.built = True

    # --- the graph ------------------------------------------------------------------

    def _build_graph(self, flat_inputs: list, flat_outputs: list) -> None:
        nodes = _topological_nodes(flat_inputs, flat_outputs)
        slots: dict[int, int] = {}

        def slot_of(t: KerasTensor) -> int:
            if id(t) not in slots:
                slots[id(t)] = len(slots)
            return slots[id(t)]

        self._input_slots = [slot_of(t) for t in flat_inputs]

        def template(v):
            return _Slot(slots[id(v)]) if isinstance(v, KerasTensor) else v

        plan = []
        for node in nodes:
            args, kwargs = node.call_args, node.call_kwargs
            if len(args) == 1 and not kwargs and isinstance(args[0], KerasTensor):
                single_in, args_t, kwargs_t = slots[id(args[0])], None, None
            else:
                single_in = None
                args_t = tree.map_structure(template, list(args))
                kwargs_t = tree.map_structure(template, kwargs)
            outs = [slot_of(t) for t in node.output_tensors]
            single_out = outs[0] if isinstance(node.outputs, KerasTensor) else None
            plan.append(_Step(node.operation, node, single_in, args_t, kwargs_t, single_out, outs))
        self._plan = plan
        self._num_slots = len(slots)
        self._output_slots = [slots[id(t)] for t in flat_outputs]
        self._graph_nodes = nodes
        self._input_tensors = flat_inputs
        self._output_tensors = flat_outputs

        # Layers: the input layers first (in input order), then in graph order.
        layers: list[Layer] = []
        seen: set[int] = set()
        for t in flat_inputs:
            layer = t._keras_history.operation
            if id(layer) not in seen:
                seen.add(id(layer))
                layers.append(layer)
        for node in nodes:
            if id(node.operation) not in seen:
                seen.add(id(node.operation))
                layers.append(node.operation)
        names: dict[str, int] = {}
        for layer in layers:
            names[layer.name] = names.get(layer.name, 0) + 1
        duplicated = sorted(n for n, c in names.items() if c > 1)
        if duplicated:
            raise ValueError(
                f"The name(s) {duplicated} are used by more than one layer in the "
                "model. All layer names should be unique."
            )
        for layer in layers:
            self.add_module(layer.name.replace(".", "_"), layer)
        self._graph_layers = layers
        self._input_ranks = [len(t.shape) for t in flat_inputs]
        self._accepted_shapes = None
        self._single_input = len(flat_inputs) == 1
        self._single_output = isinstance(self._outputs_struct, KerasTensor)

    # --- calling --------------------------------------------------------------------

    def call(self, inputs, training=None, mask=None):
        if self._single_input and type(inputs) is torch.Tensor and (inputs.shape,) == self._accepted_shapes:
            flat = [inputs]  # the common case: one tensor of an already-checked shape
        else:
            flat = self._standardize_inputs(inputs)
        if mask is not None:
            flat = _attach_masks(flat, mask)
        values = [None] * self._num_slots
        for slot, x in zip(self._input_slots, flat):
            values[slot] = x
        for step in self._plan:
            if step.single_in is not None:
                out = step.layer(values[step.single_in])
            else:
                out = step.layer(*_fill(step.args, values), **_fill(step.kwargs, values))
            if step.single_out is not None:
                values[step.single_out] = out
            else:
                for slot, value in zip(step.out_slots, tree.flatten(out)):
                    values[slot] = value
        if self._single_output:
            return values[self._output_slots[0]]
        return tree.pack_sequence_as(self._outputs_struct, [values[s] for s in self._output_slots])

    def _standardize_inputs(self, inputs) -> list:
        struct = self._inputs_struct
        n = len(self._input_tensors)
        if isinstance(inputs, dict):
            flat = self._inputs_from_dict(inputs)
        elif isinstance(struct, dict) and n > 1:
            raise ValueError(
                f"Model '{self.name}' expects a dict of inputs with keys "
                f"{sorted(struct)}. Received: {type(inputs).__name__}"
            )
        else:
            flat = tree.flatten(inputs)
        if len(flat) != n:
            raise ValueError(
                f"Model '{self.name}' expects {n} input(s) {self.input_names}, but "
                f"it received {len(flat)} input tensor(s)."
            )
        shapes = tuple(getattr(x, "shape", None) for x in flat)
        if shapes != self._accepted_shapes:
            adjusted = self._adjust_and_check(flat)
            if all(a is b for a, b in zip(adjusted, flat)):
                # Shapes that needed no adjustment need no second look.
                self._accepted_shapes = shapes
            flat = adjusted
        return flat

    def _inputs_from_dict(self, inputs: dict) -> list:
        struct = self._inputs_struct
        keys = sorted(struct) if isinstance(struct, dict) else None
        flat = []
        for i, t in enumerate(self._input_tensors):
            names = [keys[i]] if keys is not None else []
            names.append(t._keras_history.operation.name)
            for key in names:
                if key in inputs:
                    flat.append(inputs[key])
                    break
            else:
                raise ValueError(
                    f"Missing input '{names[0]}' for model '{self.name}': the dict "
                    f"of inputs has keys {sorted(inputs)}; expected keys "
                    f"{keys if keys is not None else self.input_names}."
                )
        return flat

    def _adjust_and_check(self, flat: list) -> list:
        """Keras's rank adjustment (add or drop a trailing 1-axis), then a shape check."""
        out = []
        for i, (x, ref) in enumerate(zip(flat, self._input_tensors)):
            if isinstance(x, torch.Tensor):
                rank = self._input_ranks[i]
                if x.dim() == rank - 1 and rank >= 2 and ref.shape[-1] == 1:
                    x = x.unsqueeze(-1)
                elif x.dim() == rank + 1 and x.shape[-1] == 1:
                    x = x.squeeze(-1)
                shape = tuple(x.shape)
                if len(shape) != rank or any(
                    r is not None and r != s for r, s in zip(ref.shape, shape)
                ):
                    raise ValueError(
                        f"Input {i} ('{ref._keras_history.operation.name}') of model "
                        f"'{self.name}' is incompatible with the model: expected "
                        f"shape={ref.shape}, found shape={shape}"
                    )
            out.append(x)
        return out

    # --- structure ------------------------------------------------------------------

    @property
    def layers(self) -> list[Layer]:
        return list(self._graph_layers)

    def _tracked_layers(self) -> list[Layer]:
        return list(self._graph_layers)

    @property
    def inputs(self) -> list[KerasTensor]:
        return list(self._input_tensors)

    @property
    def outputs(self) -> list[KerasTensor]:
        return list(self._output_tensors)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_names(self) -> list[str]:
        if isinstance(self._inputs_struct, dict):
            return sorted(self._inputs_struct)
        return [t._keras_history.operation.name for t in self._input_tensors]

    @property
    def output_names(self) -> list[str]:
        if isinstance(self._outputs_struct, dict):
            return sorted(self._outputs_struct)
        return [t._keras_history.operation.name for t in self._output_tensors]

    @property
    def input_shape(self):
        shapes = tree.map_structure(lambda t: t.shape, self._inputs_struct)
        return shapes

    @property
    def output_shape(self):
        return tree.map_structure(lambda t: t.shape, self._outputs_struct)

    @property
    def input_spec(self):
        return None

    @input_spec.setter
    def input_spec(self, value) -> None:
        if value is not None:
            raise AttributeError("The input spec of a functional model comes from its inputs.")

    @property
    def _summary_connections(self) -> dict[str, list[str]]:
        """`{layer name: ["dense[0][0]", ...]}`: the tensors each layer was called on."""
        index = self._node_indices()
        connections: dict[str, list[str]] = {}
        for node in self._graph_nodes:
            names = connections.setdefault(node.operation.name, [])
            for t in node.input_tensors:
                history = t._keras_history
                parent = history.operation._inbound_nodes[history.node_index]
                names.append(
                    f"{history.operation.name}[{index.get(id(parent), 0)}][{history.tensor_index}]"
                )
        return connections

    def _node_indices(self) -> dict[int, int]:
        """`{id(node): index}`: each node numbered among its layer's nodes in this model."""
        kept = {id(n) for n in self._graph_nodes}
        for t in self._input_tensors:
            history = t._keras_history
            kept.add(id(history.operation._inbound_nodes[history.node_index]))
        index: dict[int, int] = {}
        for layer in self._graph_layers:
            i = 0
            for node in layer._inbound_nodes:
                if id(node) in kept:
                    index[id(node)] = i
                    i += 1
        return index

    def build(self, input_shape=None) -> None:
        """A functional model is built when it is made; this does nothing."""

    # --- config ---------------------------------------------------------------------

    def get_config(self) -> dict:
        from kerastorch.layers import serialize

        index = self._node_indices()

        def tensor_config(t: KerasTensor) -> list:
            history = t._keras_history
            node = history.operation._inbound_nodes[history.node_index]
            return [history.operation.name, index[id(node)], history.tensor_index]

        def serialize_arg(v, layer):
            if isinstance(v, KerasTensor):
                return {
                    "class_name": "__keras_tensor__",
                    "config": {
                        "shape": list(v.shape),
                        "dtype": v.dtype,
                        "keras_history": tensor_config(v),
                    },
                }
            return _serialize_value(v, layer, serialize_arg)

        layer_configs = []
        for layer in self._graph_layers:
            config = serialize(layer)
            config["name"] = layer.name
            nodes = [n for n in layer._inbound_nodes if id(n) in index and not n.is_input]
            config["inbound_nodes"] = [
                {
                    "args": [serialize_arg(a, layer) for a in node.call_args],
                    "kwargs": {k: serialize_arg(v, layer) for k, v in node.call_kwargs.items()},
                }
                for node in nodes
            ]
            layer_configs.append(config)

        def structure_config(struct):
            if isinstance(struct, KerasTensor):
                return [tensor_config(struct)]
            if isinstance(struct, dict):
                return {k: tensor_config(v) for k, v in struct.items()}
            return [tensor_config(t) for t in struct]

        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layer_configs,
            "input_layers": structure_config(self._inputs_struct),
            "output_layers": structure_config(self._outputs_struct),
        }



# --- helpers ------------------------------------------------------------------------


def _copy_structure(structure):
    if isinstance(structure, dict):
        return dict(structure)
    if isinstance(structure, (list, tuple)):
        return [_copy_structure(s) for s in structure]
    return structure


def _attach_masks(flat: list, mask) -> list:
    masks = tree.flatten(mask) if isinstance(mask, (list, tuple, dict)) else [mask]
    if len(masks) != len(flat):
        return flat
    out = []
    for x, m in zip(flat, masks):
        if m is not None and isinstance(x, torch.Tensor) and getattr(x, "_keras_mask", None) is not m:
            x = x.view_as(x)  # a new tensor object: the caller's keeps its attributes
            x._keras_mask = m
        out.append(x)
    return out


def _serialize_value(v, layer, recurse):
    """A node argument that is not a symbolic tensor, as JSON."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        if math.isfinite(v):
            return v
        return {"class_name": "__float__", "config": {"value": str(v)}}
    if isinstance(v, (list, tuple)):
        return [recurse(x, layer) for x in v]
    if isinstance(v, dict):
        return {str(k): recurse(x, layer) for k, x in v.items()}
    if isinstance(v, slice):
        return {
            "class_name": "__slice__",
            "config": {"start": v.start, "stop": v.stop, "step": v.step},
        }
    if v is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(v, (torch.Tensor, np.ndarray)):
        value = v.detach().cpu().tolist() if isinstance(v, torch.Tensor) else v.tolist()
        return {
            "class_name": "__tensor__",
            "config": {"value": value, "dtype": standardize_dtype(v.dtype)},
        }
    if isinstance(v, np.generic):
        return v.item()
    raise TypeError(
        f"Cannot serialize an argument of the call to layer '{layer.name}': "
        f"{v!r} (of type {type(v).__name__}) is not a tensor, number, string, "
        "list, dict or slice."
    )


def _deserialize_value(v, tensors):
    if isinstance(v, list):
        return [_deserialize_value(x, tensors) for x in v]
    if isinstance(v, dict):
        kind = v.get("class_name")
        config = v.get("config", {})
        if kind == "__keras_tensor__":
            name, node_index, tensor_index = config["keras_history"]
            return tensors[(name, node_index)][tensor_index]
        if kind == "__slice__":
            return slice(config["start"], config["stop"], config["step"])
        if kind == "__ellipsis__":
            return Ellipsis
        if kind == "__float__":
            return float(config["value"])
        if kind == "__tensor__":
            from kerastorch.backend.dtypes import to_torch_dtype

            return torch.tensor(config["value"], dtype=to_torch_dtype(config["dtype"]))
        return {k: _deserialize_value(x, tensors) for k, x in v.items()}
    return v


def _references(v) -> list:
    """The `(layer name, node index)` pairs a serialized argument reads."""
    out = []
    if isinstance(v, list):
        for x in v:
            out.extend(_references(x))
    elif isinstance(v, dict):
        if v.get("class_name") == "__keras_tensor__":
            name, node_index, _ = v["config"]["keras_history"]
            out.append((name, node_index))
        else:
            for x in v.values():
                out.extend(_references(x))
    return out


def _rebuild_graph(config: dict, custom_objects=None):
    """Recreate the layers of a functional config and replay its calls."""
    from kerastorch.layers import deserialize

    if not isinstance(config, dict) or "layers" not in config:
        raise ValueError(
            "A functional model config needs 'layers', 'input_layers' and "
            f"'output_layers'. Received keys: {sorted(config) if isinstance(config, dict) else config!r}"
        )
    layers: dict[str, Layer] = {}
    pending: list[tuple[str, list]] = []
    for layer_config in config["layers"]:
        layer_config = dict(layer_config)
        name = layer_config.pop("name", None) or layer_config.get("config", {}).get("name")
        inbound = layer_config.pop("inbound_nodes", [])
        layer = deserialize(layer_config, custom_objects=custom_objects)
        layers[name] = layer
        pending.append((name, list(inbound)))

    tensors: dict[tuple[str, int], list] = {}
    for name, layer in layers.items():
        if isinstance(layer, InputLayer):
            tensors[(name, 0)] = [layer.output_tensor]
    # Replay the calls; a node runs once every tensor it reads exists.
    progress = True
    while progress and any(nodes for _, nodes in pending):
        progress = False
        for name, nodes in pending:
            layer = layers[name]
            while nodes:
                node = nodes[0]
                if not all(ref in tensors for ref in _references(node)):
                    break
                args = _deserialize_value(node.get("args", []), tensors)
                kwargs = _deserialize_value(node.get("kwargs", {}), tensors)
                outputs = layer(*args, **kwargs)
                index = len([k for k in tensors if k[0] == name])
                tensors[(name, index)] = [t for t in tree.flatten(outputs) if isinstance(t, KerasTensor)]
                nodes.pop(0)
                progress = True
    stuck = [name for name, nodes in pending if nodes]
    if stuck:
        raise ValueError(
            f"Cannot rebuild the functional model: the calls of layers {stuck} "
            "read tensors that no layer in the config produces."
        )

    def tensor(ref):
        if not (isinstance(ref, list) and len(ref) == 3 and isinstance(ref[0], str)):
            raise ValueError(f"Invalid tensor reference in the model config: {ref!r}")
        key = (ref[0], ref[1])
        if key not in tensors:
            raise ValueError(
                f"The model config refers to output {ref[1]} of layer '{ref[0]}', "
                "which does not exist."
            )
        return tensors[key][ref[2]]

    def structure(spec):
        if isinstance(spec, dict):
            return {k: tensor(v) for k, v in spec.items()}
        if isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str):
            return tensor(spec)
        result = [tensor(r) for r in spec]
        return result[0] if len(result) == 1 else result

    return structure(config["input_layers"]), structure(config["output_layers"])
