"""Which layer blocks an export: from the failing traceback, or by exporting layers one by one."""

from __future__ import annotations

import torch
from torch import nn

from kerastorch.layers.layer import Layer
from kerastorch.utils import tree

_HINT = (
    "A layer's `call` must be traceable by torch.export: no `.numpy()` or "
    "`.tolist()`, no Python `if`/`while` on tensor values (use `torch.where` "
    "or `torch.cond`), and no sizes fixed to the batch size."
)


def export_error(
    model: Layer, fmt: str, error: BaseException, layer: Layer | None
) -> RuntimeError:
    """A RuntimeError naming the blocking layer (raise it `from error`)."""
    cause = first_line(error)
    if layer is None or layer is model:
        where = f"model '{model.name}' cannot be traced"
    else:
        where = f"layer '{layer.name}' ({type(layer).__name__}) cannot be traced"
    return RuntimeError(
        f"Could not export model '{model.name}' with format='{fmt}': {where}. "
        f"{_HINT}\nCause ({type(error).__name__}): {cause}"
    )


def first_line(error: BaseException) -> str:
    """The first non-empty line of an error's message (torch's messages run long)."""
    return next(
        (line for line in str(error).splitlines() if line.strip()), type(error).__name__
    )


def layer_from_traceback(error: BaseException, root: Layer) -> Layer | None:
    """The innermost kerastorch layer whose code was running when `error` was raised."""
    seen: set[int] = set()
    found = None
    chained: BaseException | None = error
    while chained is not None and id(chained) not in seen:
        seen.add(id(chained))
        tb = chained.__traceback__
        innermost = None
        while tb is not None:
            owner = tb.tb_frame.f_locals.get("self")
            if isinstance(owner, Layer):
                innermost = owner
            tb = tb.tb_next
        if innermost is not None and innermost is not root:
            found = innermost  # later links of the chain are closer to the origin
        chained = chained.__cause__ or chained.__context__
    return found


class _LayerCall(nn.Module):
    """One recorded layer call, replayed with its tensor arguments as inputs."""

    def __init__(self, layer: Layer, static_kwargs: dict):
        super().__init__()
        self.layer = layer
        self.static_kwargs = static_kwargs

    def forward(self, args: list, tensor_kwargs: dict):
        return self.layer(*args, **tensor_kwargs, **self.static_kwargs)


def probe_layers(
    model: Layer, model_args: tuple, batch_size: int, strict: bool, reset
) -> Layer | None:
    """Export each sublayer alone (innermost first) on its recorded inputs; the first that fails.

    Used when the traceback does not say where tracing broke, e.g. when a
    layer fixed the batch size (`torch.export` then fails after tracing).
    `reset()` clears the shape caches layers keep between calls.
    """
    from torch.export import Dim
    from torch.export import export

    calls: list[tuple[Layer, tuple, dict]] = []
    recorded: set[int] = set()

    def record(layer, args, kwargs):
        if id(layer) not in recorded:
            recorded.add(id(layer))
            calls.append((layer, args, dict(kwargs)))

    handles = []
    layers = {id(layer): layer for layer in model._flatten_layers(include_self=False)}
    for layer in layers.values():
        handles.append(
            layer.register_forward_pre_hook(
                lambda m, a, k: record(m, a, k), with_kwargs=True
            )
        )
    try:
        with torch.no_grad():
            model(*model_args, training=False)
    except Exception:
        pass  # the calls recorded before the failure are the ones to probe
    finally:
        for handle in handles:
            handle.remove()

    def is_leaf(layer: Layer) -> bool:
        return not any(True for _ in layer._flatten_layers(include_self=False))

    batch = Dim("batch")

    def dynamic(x):
        if isinstance(x, torch.Tensor) and x.dim() >= 1 and x.shape[0] == batch_size:
            return {0: batch}
        return None

    ordered = [c for c in calls if is_leaf(c[0])] + [
        c for c in calls if not is_leaf(c[0])
    ]
    for layer, args, kwargs in ordered:
        tensor_kwargs = {k: v for k, v in kwargs.items() if isinstance(v, torch.Tensor)}
        static_kwargs = {k: v for k, v in kwargs.items() if k not in tensor_kwargs}
        inputs = (list(args), tensor_kwargs)
        reset()
        try:
            export(
                _LayerCall(layer, static_kwargs),
                inputs,
                dynamic_shapes=tree.map_structure(dynamic, inputs),
                strict=strict,
            )
        except Exception:
            return layer
    return None
