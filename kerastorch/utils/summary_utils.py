"""`model.summary()`: the Keras-style table of layers, shapes and parameter counts."""

from __future__ import annotations

import shutil
from collections.abc import Callable


def _format_size(num_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if num_bytes < 1024 or unit == "TB":
            return f"{num_bytes:.2f} {unit}"
        num_bytes /= 1024
    return f"{num_bytes:.2f} TB"


def _count(weights) -> tuple[int, int]:
    """(number of scalars, bytes) of a list of weights, each counted once."""
    seen: set[int] = set()
    count = nbytes = 0
    for w in weights:
        if id(w) in seen:
            continue
        seen.add(id(w))
        count += w.numel()
        nbytes += w.numel() * w.element_size()
    return count, nbytes


def _shape_str(layer) -> str:
    shape = getattr(layer, "_output_shape", None)
    if shape is None:
        return "?"
    return str(shape).replace("'", "")


def print_summary(
    model,
    line_length: int | None = None,
    positions: list[float] | None = None,
    print_fn: Callable[..., None] | None = None,
    expand_nested: bool = False,
    show_trainable: bool = False,
    layer_range=None,
) -> None:
    """Print (or pass to `print_fn`, one line at a time) the model's summary table."""
    if print_fn is None:
        print_fn = print
    layers = model.layers
    if layer_range is not None:
        names = [layer.name for layer in layers]
        start, end = layer_range
        try:
            layers = layers[names.index(start) : names.index(end) + 1]
        except ValueError as e:
            raise ValueError(
                f"`layer_range` must name layers of the model. Received: "
                f"layer_range={layer_range}; layers are {names}"
            ) from e
    connected = getattr(model, "_summary_connections", None)
    headers = ["Layer (type)", "Output Shape", "Param #"]
    if connected is not None:
        headers.append("Connected to")
    if show_trainable:
        headers.append("Trainable")
    if line_length is None:
        line_length = min(shutil.get_terminal_size((98, 20)).columns, 98)
        if connected is not None:
            line_length = max(line_length, 120)
    if positions is None:
        fractions = [0.45, 0.8, 1.0] if connected is None else [0.3, 0.5, 0.6, 1.0]
        if show_trainable:
            fractions = [f * 0.9 for f in fractions] + [1.0]
    else:
        fractions = positions
    bounds = [int(line_length * f) if f <= 1 else int(f) for f in fractions]
    widths = [bounds[0]] + [b - a for a, b in zip(bounds, bounds[1:])]

    def row(cells: list[str]) -> str:
        out = ""
        for cell, width in zip(cells, widths):
            cell = str(cell)
            if len(cell) > width - 2:
                cell = cell[: width - 3] + "…"
            out += cell.ljust(width)
        return out.rstrip()

    rows = []

    def add_layer(layer, prefix: str = "") -> None:
        if layer.built:
            params = f"{_count(layer.weights)[0]:,}"
        else:
            params = "0 (unbuilt)"
        cells = [f"{prefix}{layer.name} ({type(layer).__name__})", _shape_str(layer), params]
        if connected is not None:
            cells.append(", ".join(connected.get(layer.name, [])) or "-")
        if show_trainable:
            cells.append("Y" if layer.trainable else "N")
        rows.append(row(cells))
        if expand_nested and hasattr(layer, "layers") and layer is not model:
            for sub in layer.layers:
                add_layer(sub, prefix + "  ")

    for layer in layers:
        add_layer(layer)

    weights = model.weights if model.built else []
    total, total_bytes = _count(weights)
    trainable, trainable_bytes = _count(model.trainable_weights if model.built else [])
    non_trainable = total - trainable
    non_trainable_bytes = total_bytes - trainable_bytes

    print_fn(f'Model: "{model.name}"')
    print_fn("━" * line_length)
    print_fn(row(headers))
    print_fn("━" * line_length)
    for i, text in enumerate(rows):
        print_fn(text)
        print_fn(("─" if i < len(rows) - 1 else "━") * line_length)
    if not rows:
        print_fn("━" * line_length)
    print_fn(f" Total params: {total:,} ({_format_size(total_bytes)})")
    print_fn(f" Trainable params: {trainable:,} ({_format_size(trainable_bytes)})")
    print_fn(
        f" Non-trainable params: {non_trainable:,} ({_format_size(non_trainable_bytes)})"
    )
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and hasattr(optimizer, "variables"):
        try:
            opt_count, opt_bytes = _count(
                [v for v in optimizer.variables if hasattr(v, "numel")]
            )
        except Exception:  # noqa: BLE001 - the summary must not fail on an optimizer
            opt_count = 0
        if opt_count:
            print_fn(f" Optimizer params: {opt_count:,} ({_format_size(opt_bytes)})")
