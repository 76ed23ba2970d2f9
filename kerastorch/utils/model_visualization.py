"""`plot_model` / `model_to_dot`: draw a model's layer graph with pydot (and graphviz)."""

from __future__ import annotations

import os


def _import_pydot():
    try:
        import pydot
    except ImportError:
        raise ImportError(
            "You must install pydot (`pip install pydot`) for `model_to_dot` "
            "and `plot_model` to work."
        ) from None
    return pydot


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable):
    title = f"{layer.name} ({type(layer).__name__})" if show_layer_names else type(layer).__name__
    lines = [title]
    if show_layer_activations and hasattr(layer, "activation"):
        activation = getattr(layer.activation, "__name__", str(layer.activation))
        lines.append(f"activation: {activation}")
    if show_shapes:
        shape = getattr(layer, "_output_shape", None)
        lines.append(f"output: {shape if shape is not None else '?'}".replace("'", ""))
    if show_dtype:
        lines.append(f"dtype: {layer.dtype}")
    if show_trainable:
        lines.append(f"trainable: {'yes' if layer.trainable else 'no'}")
    return "\\n".join(lines)


def _edges(model) -> list[tuple[object, object]]:
    """`(from layer, to layer)` pairs of the model's graph."""
    from kerastorch.models.functional import Functional
    from kerastorch.models.sequential import Sequential

    if isinstance(model, Functional):
        edges = []
        for node in model._graph_nodes:
            for t in node.input_tensors:
                edges.append((t._keras_history.operation, node.operation))
        return edges
    if isinstance(model, Sequential):
        layers = model.layers
        if model._input_layer is not None:
            layers = [model._input_layer, *layers]
        return list(zip(layers, layers[1:]))
    return []


def model_to_dot(
    model,
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    subgraph: bool = False,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    **kwargs,
):
    """The model's layer graph as a `pydot.Dot` (one node per layer, one edge per connection).

    Args:
        model: a Sequential or functional model (a subclassed model has no
            graph: its direct layers are drawn unconnected).
        show_shapes: add each layer's output shape. Defaults to `False`.
        show_dtype: add each layer's dtype. Defaults to `False`.
        show_layer_names: Defaults to `True`.
        rankdir: `"TB"` (vertical) or `"LR"` (horizontal). Defaults to `"TB"`.
        expand_nested: accepted for Keras compatibility; nested models are
            drawn as one node.
        dpi: Defaults to 200.
        show_layer_activations: add the activation of layers that have one.
        show_trainable: add whether each layer is trainable.
    """
    if kwargs:
        raise ValueError(f"Unrecognized arguments for `model_to_dot`: {sorted(kwargs)}")
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"`rankdir` must be 'TB' or 'LR'. Received: rankdir={rankdir!r}")
    pydot = _import_pydot()
    dot = pydot.Dot(graph_type="digraph", rankdir=rankdir, dpi=str(dpi), concentrate="true")
    dot.set_node_defaults(shape="record")
    layers = list(model.layers)
    edges = _edges(model)
    for a, b in edges:
        for layer in (a, b):
            if all(layer is not seen for seen in layers):
                layers.insert(0, layer)
    for layer in layers:
        label = _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable)
        dot.add_node(pydot.Node(str(id(layer)), label=f'"{label}"'))
    for a, b in edges:
        dot.add_edge(pydot.Edge(str(id(a)), str(id(b))))
    return dot


def plot_model(
    model,
    to_file: str = "model.png",
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    **kwargs,
) -> None:
    """Draw the model's layer graph to `to_file`.

    A `.dot` file is written by pydot alone; other formats (`.png`, `.svg`,
    `.pdf`, ...) are rendered by graphviz's `dot` program, which must be
    installed.

    Args:
        model: the model to draw.
        to_file: the output path; its extension picks the format.
        Other arguments: as `model_to_dot`.
    """
    if not isinstance(to_file, (str, os.PathLike)):
        raise TypeError(f"`to_file` must be a path. Received: {to_file!r}")
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1].lstrip(".").lower() or "png"
    dot = model_to_dot(
        model,
        show_shapes=show_shapes,
        show_dtype=show_dtype,
        show_layer_names=show_layer_names,
        rankdir=rankdir,
        expand_nested=expand_nested,
        dpi=dpi,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable,
        **kwargs,
    )
    folder = os.path.dirname(os.path.abspath(to_file))
    if not os.path.isdir(folder):
        raise ValueError(f"The folder of `to_file` does not exist: {folder}")
    if extension == "dot":
        dot.write_raw(to_file)
        return
    try:
        dot.write(to_file, format=extension)
    except FileNotFoundError:
        raise ImportError(
            "You must install graphviz (its `dot` program; see "
            "https://graphviz.org/download/) for `plot_model` to render "
            f"'.{extension}' files. A '.dot' file needs only pydot."
        ) from None
