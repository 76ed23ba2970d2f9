"""Input signatures for export: what the exported program accepts.

A signature is the structure of the model's first call argument (one spec,
a list or a dict of specs). Each spec is a `kerastorch.InputSpec`, a
`KerasTensor`, a `(shape, dtype)` pair or an example tensor/array. A `None`
first axis becomes the dynamic batch dimension, shared by all inputs.
"""

from __future__ import annotations

import numpy as np
import torch

from kerastorch.backend import floatx
from kerastorch.backend.dtypes import standardize_dtype
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.layers.input_spec import InputSpec
from kerastorch.utils import tree

# Non-batch `None` axes are traced at this size (large enough for downsampling convnets).
_FREE_AXIS_SAMPLE = 32


class TensorSig:
    """One input of the exported program: shape (`None` = dynamic), dtype, name."""

    def __init__(self, shape: tuple, dtype: str, name: str | None):
        self.shape = shape
        self.dtype = dtype
        self.name = name

    def describe(self) -> str:
        dims = ", ".join(
            ("batch" if i == 0 else "?") if d is None else str(d)
            for i, d in enumerate(self.shape)
        )
        return f"{self.name}: {self.dtype}[{dims}]"


def _is_shape(value) -> bool:
    return isinstance(value, (list, tuple)) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in value
    )


def _is_dtype(value) -> bool:
    return value is None or isinstance(value, (str, torch.dtype, np.dtype, type))


def _is_shape_dtype_pair(value) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and _is_shape(value[0])
        and _is_dtype(value[1])
        and not _is_shape(value)  # `(None, 3)` is a shape, not a pair
    )


def _to_sig(spec, default_dtype: str) -> TensorSig:
    if isinstance(spec, TensorSig):
        return spec
    if isinstance(spec, InputSpec):
        if spec.shape is None:
            raise ValueError(
                "An `InputSpec` in `input_signature` needs a full `shape` "
                f"(use None for the batch axis). Received: {spec}"
            )
        shape, dtype, name = spec.shape, spec.dtype, spec.name
    elif isinstance(spec, KerasTensor):
        shape, dtype, name = spec.shape, spec.dtype, spec.name
    elif isinstance(spec, (torch.Tensor, np.ndarray)):
        # An example batch: its batch size is not part of the signature.
        shape, dtype, name = (None, *tuple(spec.shape)[1:]), spec.dtype, None
    elif _is_shape_dtype_pair(spec):
        shape, dtype, name = spec[0], spec[1], None
    else:
        raise TypeError(
            "Each entry of `input_signature` must be a `kerastorch.InputSpec`, a "
            "`KerasTensor`, a `(shape, dtype)` pair or an example tensor. "
            f"Received: {spec!r} (of type {type(spec).__name__})"
        )
    shape = tuple(None if d is None else int(d) for d in shape)
    if not shape:
        raise ValueError(
            "Exported inputs need a batch axis (rank >= 1). Received a scalar "
            f"shape for input {name or '?'}: {shape}"
        )
    dtype = standardize_dtype(dtype) if dtype is not None else default_dtype
    if dtype == "string":
        raise ValueError(
            f"Input {name or '?'} has dtype 'string': string inputs cannot be exported "
            "(torch programs take tensors only). Export the model that follows the "
            "string preprocessing, and run the lookup outside."
        )
    return TensorSig(shape, dtype, name)


def normalize_signature(input_signature, default_dtype: str | None = None):
    """The signature as a structure (single, list or dict) of `TensorSig`s.

    Keras passes signatures as a list of positional arguments, so a
    one-element list (`[spec]` or `[[spec_a, spec_b]]`) is unwrapped.
    """
    default_dtype = default_dtype or floatx()
    sig = input_signature
    if isinstance(sig, list) and len(sig) == 1 and not _is_shape(sig):
        sig = sig[0]
    if isinstance(sig, dict):
        out = {}
        for key in sorted(sig):  # sorted, as tree.flatten orders dicts
            if not isinstance(key, str):
                raise TypeError(
                    f"Dict keys of `input_signature` must be strings. Received: {key!r}"
                )
            one = _to_sig(sig[key], default_dtype)
            out[key] = TensorSig(one.shape, one.dtype, key)  # ONNX feeds use the keys
        return out
    if isinstance(sig, (list, tuple)) and not _is_shape_dtype_pair(sig):
        if not sig or _is_shape(sig):
            raise ValueError(
                "`input_signature` must be a spec (InputSpec, KerasTensor, "
                "(shape, dtype)) or a list/dict of them, not a bare shape. "
                f"Received: input_signature={input_signature!r}"
            )
        return [_to_sig(s, default_dtype) for s in sig]
    return _to_sig(sig, default_dtype)


def signature_from_model(model):
    """The model's input signature: its `Input`s, or the shapes of its first call."""
    try:
        inputs = model.input
    except (AttributeError, ValueError):
        inputs = None
    if inputs is not None and all(
        isinstance(t, KerasTensor) for t in tree.flatten(inputs)
    ):
        return normalize_signature(inputs)
    shapes = model.__dict__.get("_input_shape")
    if shapes is None or not model.built:
        raise ValueError(
            f"Model '{model.name}' has not been called on data yet, so its input "
            "signature is unknown. Call it once on a batch, build it with "
            "`model.build(input_shape)`, or pass `input_signature=` to export."
        )
    # A subclassed model records only shapes; its inputs take the compute dtype.
    return normalize_signature(_shape_structure_to_pairs(shapes, model.compute_dtype))


def _shape_structure_to_pairs(shapes, dtype: str):
    if _is_shape(shapes):
        return (tuple(shapes), dtype)
    if isinstance(shapes, dict):
        return {k: _shape_structure_to_pairs(v, dtype) for k, v in shapes.items()}
    return [_shape_structure_to_pairs(s, dtype) for s in shapes]


def flat_signatures(signature) -> list[TensorSig]:
    """The `TensorSig`s in flattening order (dicts by sorted key), with unique names."""
    flat = (
        tree.flatten(signature) if not isinstance(signature, TensorSig) else [signature]
    )
    used: set[str] = set()
    for i, sig in enumerate(flat):
        base = sig.name or ("inputs" if len(flat) == 1 else f"input_{i}")
        name, n = base, 1
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        sig.name = name
    return flat


def sample_batch_size(signature) -> int:
    """A batch size to trace with: >= 2 (0 and 1 specialise) and unlike any static axis."""
    static = {
        d for sig in flat_signatures(signature) for d in sig.shape if d is not None
    }
    size = 2
    while size in static:
        size += 1
    return size


def sample_inputs(signature, batch_size: int):
    """Zero tensors matching the signature, with `batch_size` on dynamic batch axes."""

    def make(sig: TensorSig) -> torch.Tensor:
        shape = [
            (batch_size if i == 0 else _FREE_AXIS_SAMPLE) if d is None else d
            for i, d in enumerate(sig.shape)
        ]
        return torch.zeros(shape, dtype=to_torch_dtype(sig.dtype))

    return _map_sigs(make, signature)


def dynamic_shapes(signature):
    """`torch.export` dynamic shapes: one shared `batch` Dim, free axes left to torch."""
    from torch.export import Dim

    batch = Dim("batch")

    def make(sig: TensorSig):
        axes = {}
        for i, d in enumerate(sig.shape):
            if d is None:
                axes[i] = batch if i == 0 else Dim.AUTO
        return axes or None

    return _map_sigs(make, signature)


def _map_sigs(fn, signature):
    if isinstance(signature, TensorSig):
        return fn(signature)
    if isinstance(signature, dict):
        return {k: _map_sigs(fn, v) for k, v in signature.items()}
    return [_map_sigs(fn, s) for s in signature]
