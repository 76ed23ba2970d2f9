"""Shape inference without computing: run a layer on meta-device tensors.

Unknown sizes (`None`, usually the batch) are replaced by two different
placeholder sizes in two runs; an output axis whose size differs between the
runs is unknown (`None`) in the result. Parameters are swapped for meta copies
with `torch.func.functional_call`, so no real arithmetic happens. A layer whose
`call` cannot run on meta tensors (data-dependent shapes, lazily created
sublayers) falls back to one run on small real zero tensors, as Keras's torch
backend does.
"""

from __future__ import annotations

import math

import torch

from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.utils import tree

# Two sizes for each unknown dimension: an output dimension that differs
# between the runs is unknown too. They stay apart through downsampling by
# up to 128 (97 // 32 = 3, 211 // 32 = 6), which strided backbones need.
_PLACEHOLDERS = (97, 211)
# Above this many input elements, a layer that fails on meta tensors is not run
# on real zeros (that would be real computation, maybe gigabytes of it).
_MAX_FALLBACK_ELEMENTS = 2**24


def _to_tensor(x: KerasTensor, placeholder: int, device) -> torch.Tensor:
    shape = tuple(placeholder if d is None else d for d in x.shape)
    return torch.zeros(shape, dtype=to_torch_dtype(x.dtype), device=device)


def _to_spec(a: torch.Tensor, b: torch.Tensor | None) -> KerasTensor:
    shape = tuple(a.shape)
    if b is not None:
        shape = tuple(
            None if da != db else da for da, db in zip(shape, tuple(b.shape))
        )
    return KerasTensor(shape, dtype=a.dtype)


def _run(fn, module, args, kwargs, placeholder: int, device):
    def convert(x):
        return _to_tensor(x, placeholder, device) if isinstance(x, KerasTensor) else x

    args = tree.map_structure(convert, args)
    kwargs = tree.map_structure(convert, kwargs)
    with torch.no_grad():
        if device == "meta" and module is not None:
            state = {
                name: t.to("meta")
                for name, t in list(module.named_parameters()) + list(module.named_buffers())
            }
            return torch.func.functional_call(
                module, state, args, kwargs, tie_weights=True, strict=False
            )
        return fn(*args, **kwargs)


def compute_output_spec(fn, args, kwargs, module: torch.nn.Module | None = None):
    """Return KerasTensors shaped like `fn(*args, **kwargs)`.

    `fn` is called with KerasTensors in `args`/`kwargs` replaced by tensors.
    When `module` is given and `fn` is its `__call__`, its parameters are
    replaced by meta copies for the meta run.
    """
    has_unknown = any(
        isinstance(x, KerasTensor) and None in x.shape
        for x in tree.flatten((args, kwargs))
    )
    real_device = "cpu"
    if module is not None:
        for p in module.parameters():
            real_device = p.device
            break
    try:
        outs = [_run(fn, module, args, kwargs, _PLACEHOLDERS[0], "meta")]
        if has_unknown:
            outs.append(_run(fn, module, args, kwargs, _PLACEHOLDERS[1], "meta"))
    except Exception as meta_error:  # noqa: BLE001 - any meta failure: try real zeros
        size = sum(
            math.prod(_PLACEHOLDERS[1] if d is None else d for d in x.shape)
            for x in tree.flatten((args, kwargs))
            if isinstance(x, KerasTensor)
        )
        if size > _MAX_FALLBACK_ELEMENTS:
            raise ValueError(
                f"Cannot infer the output shape of {getattr(module, 'name', fn)} "
                "without computing: its call failed on meta tensors, and the inputs "
                f"are too large ({size} elements) to run on zeros instead. Define "
                "`compute_output_shape` on the layer. Meta error: "
                f"{type(meta_error).__name__}: {meta_error}"
            ) from meta_error
        outs = [_run(fn, None, args, kwargs, _PLACEHOLDERS[0], real_device)]
        if has_unknown:
            outs.append(_run(fn, None, args, kwargs, _PLACEHOLDERS[1], real_device))
    if len(outs) == 1:
        return tree.map_structure(
            lambda a: _to_spec(a, None) if isinstance(a, torch.Tensor) else a, outs[0]
        )
    return tree.map_structure(
        lambda a, b: _to_spec(a, b) if isinstance(a, torch.Tensor) else a,
        outs[0],
        outs[1],
    )
