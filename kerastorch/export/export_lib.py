"""`model.export`: the inference graph as a `torch.export` program (`.pt2`) or ONNX.

Both formats start from one `torch.export.export` trace of
`model(inputs, training=False)` with a dynamic batch axis; ONNX converts that
program with `torch.onnx.export(..., dynamo=True)`. Files are written to a
temporary name in the target folder, then moved into place.
"""

from __future__ import annotations

import difflib
import os
import warnings

import torch
from torch import nn

from kerastorch.export import errors
from kerastorch.export import signature as sig_lib
from kerastorch.layers.layer import Layer
from kerastorch.saving.atomic_io import atomic_path

# format -> the file extension it writes.
FORMATS = {"torch": ".pt2", "onnx": ".onnx"}
# Keras formats that need TensorFlow/OpenVINO, which kerastorch does not use.
_UNSUPPORTED_KERAS_FORMATS = ("tf_saved_model", "litert", "openvino")
_KWARGS = {"torch": {"strict"}, "onnx": {"strict", "opset_version"}}
# ONNX files hold at most 2 GiB; larger weights go to a `.onnx.data` file beside it.
_ONNX_INLINE_LIMIT = 2**31 - 2**26


def export_model(
    model: Layer,
    filepath: str | os.PathLike,
    format: str = "torch",
    verbose: bool = True,
    input_signature=None,
    **kwargs,
) -> None:
    """Export the model's inference graph for runtimes without Python Keras.

    The exported graph is `model(inputs, training=False)`: dropout is off and
    BatchNormalization uses its moving statistics. The model's own
    train/eval mode is left as it was. The first axis of every input is a
    dynamic batch axis (unless the signature fixes it).

    - `format="torch"` writes a `torch.export.ExportedProgram` to a `.pt2`
      file. Reload it with `torch.export.load(filepath).module()`, which is
      called like the model (`module(x)`, `module([a, b])`, `module({...})`).
    - `format="onnx"` writes an ONNX model (`.onnx`) through
      `torch.onnx.export(..., dynamo=True)` (needs `pip install
      "kerastorch[export]"`). Inputs are named after the model's `Input`s
      (dict keys for dict inputs), the batch axis is named `"batch"`.

    Args:
        model: the model (or layer) to export.
        filepath: where to write: must end in `.pt2` for `"torch"`, `.onnx`
            for `"onnx"`. Missing folders are created.
        format: `"torch"` or `"onnx"`. Defaults to `"torch"`.
        verbose: print one line naming the file and the input signature.
            Defaults to `True`.
        input_signature: the inputs' shapes and dtypes: a
            `kerastorch.InputSpec`, a `KerasTensor`, a `(shape, dtype)` pair
            or an example tensor, or a list/dict of them matching the model's
            inputs. Defaults to `None`: the model's `Input`s, or the shapes
            of its first call (subclassed models, taking its compute dtype).
        **kwargs: `strict=False` (trace with TorchDynamo, `torch.export`'s
            `strict` mode); for ONNX also `opset_version` (defaults to
            torch's choice).

    Example:

    ```python
    model.export("model.pt2")
    program = torch.export.load("model.pt2")
    predictions = program.module()(torch.rand(7, 28, 28, 1))
    ```
    """
    if not isinstance(model, Layer):
        raise TypeError(
            "`export_model` takes a kerastorch model or layer. "
            f"Received: model={model!r} (of type {type(model).__name__})"
        )
    fmt = _check_format(format)
    path = _check_filepath(filepath, fmt)
    unknown = set(kwargs) - _KWARGS[fmt]
    if unknown:
        raise TypeError(
            f"Unrecognized keyword arguments for format='{fmt}': {sorted(unknown)}. "
            f"Accepted: {sorted(_KWARGS[fmt])}"
        )
    strict = bool(kwargs.get("strict", False))
    if fmt == "onnx":
        _require_onnx()

    if input_signature is None:
        signature = sig_lib.signature_from_model(model)
    else:
        signature = sig_lib.normalize_signature(input_signature, model.compute_dtype)
    flat_sigs = sig_lib.flat_signatures(signature)
    batch_size = sig_lib.sample_batch_size(signature)
    inputs = sig_lib.sample_inputs(signature, batch_size)

    if not model.built:
        with torch.no_grad():
            model(inputs, training=False)  # build the weights outside the trace
    with _inference_state(model) as reset:
        program = _trace(model, fmt, inputs, signature, batch_size, strict, reset)
    _detach_weights(program)

    if fmt == "torch":
        _write_atomic(path, lambda tmp: torch.export.save(program, tmp))
    else:
        _write_onnx(model, program, path, flat_sigs, kwargs.get("opset_version"))
    if verbose:
        described = ", ".join(s.describe() for s in flat_sigs)
        print(f"Saved {fmt} artifact at '{path}'. Inputs: {described}.")


class _InferenceModel(nn.Module):
    """`model(inputs, training=False)` as a module: what gets traced."""

    def __init__(self, model: Layer):
        super().__init__()
        self.model = model

    def forward(self, inputs):
        return self.model(inputs, training=False)


def _trace(model, fmt, inputs, signature, batch_size, strict, reset):
    from torch.export import export

    reset()
    try:
        with warnings.catch_warnings():
            # Strict mode flags the per-call context layers keep (restored after each call).
            warnings.filterwarnings("ignore", message=".*certain side effects happened")
            return export(
                _InferenceModel(model),
                (inputs,),
                dynamic_shapes=(sig_lib.dynamic_shapes(signature),),
                strict=strict,
            )
    except Exception as e:
        layer = errors.layer_from_traceback(e, model)
        if layer is None:
            layer = errors.probe_layers(model, (inputs,), batch_size, strict, reset)
        raise errors.export_error(model, fmt, e, layer) from e


class _inference_state:
    """Eval mode while tracing; afterwards every module's mode and per-call caches as before.

    Layers cache the last accepted input shape (`_accepted_shape`, Functional
    `_accepted_shapes`) to skip re-checking; comparing a traced batch size
    with a cached one would fix the batch size, so `reset()` clears them.

    A weight set under a second attribute name (`self.adapt_mean` for the
    weight registered as `mean`) is a plain attribute that `torch.export`
    does not swap for its traced copy; while tracing it is registered under
    that name too, so the trace sees one weight, then put back as it was.
    """

    _CACHES = ("_accepted_shape", "_accepted_shapes")

    def __init__(self, model: Layer):
        self.model = model

    def __enter__(self):
        modules = list(self.model.modules())
        self.modes = [(m, m.training) for m in modules]
        self.caches = [
            (m, {k: m.__dict__[k] for k in self._CACHES if k in m.__dict__})
            for m in modules
        ]
        self.losses = [(m, list(m._losses)) for m in modules if isinstance(m, Layer)]
        self.aliases = []
        for module in modules:
            for name, value in list(module.__dict__.items()):
                if (
                    isinstance(value, nn.Parameter)
                    and name not in module._parameters
                    and any(p is value for p in module._parameters.values())
                ):
                    self.aliases.append((module, name, value))
                    del module.__dict__[name]
                    module._parameters[name] = value
        self.model.eval()
        return self.reset

    def reset(self) -> None:
        for module, cache in self.caches:
            for key in cache:
                module.__dict__[key] = None

    def __exit__(self, *exc):
        for module, training in self.modes:
            module.training = training
        for module, cache in self.caches:
            module.__dict__.update(cache)
        for layer, losses in self.losses:
            # Losses added while tracing hold traced tensors: drop them.
            layer._losses[:] = losses
        for module, name, value in self.aliases:
            del module._parameters[name]
            module.__dict__[name] = value
        return False


def _detach_weights(program) -> None:
    """Plain, grad-free `nn.Parameter`s in the program (no kerastorch classes in the file)."""
    state = program.state_dict
    for key, value in list(state.items()):
        if isinstance(value, nn.Parameter):
            state[key] = nn.Parameter(value.detach(), requires_grad=False)
        elif isinstance(value, torch.Tensor):
            state[key] = value.detach()


def _write_onnx(model, program, path: str, flat_sigs, opset_version) -> None:
    size = sum(t.numel() * t.element_size() for t in program.state_dict.values())
    external = size > _ONNX_INLINE_LIMIT
    names = [s.name for s in flat_sigs]
    n_outputs = len(program.graph_signature.user_outputs)
    output_names = _output_names(model, n_outputs)
    try:
        with warnings.catch_warnings():
            # The converter's own progress notes are not the user's concern.
            warnings.simplefilter("ignore")
            onnx_program = torch.onnx.export(
                program,
                (),
                dynamo=True,
                input_names=names,
                output_names=output_names,
                opset_version=opset_version,
                external_data=external,
                verbose=False,
            )
    except Exception as e:
        raise RuntimeError(
            f"Could not convert model '{model.name}' to ONNX: {errors.first_line(e)}. The "
            '`torch.export` step succeeded, so `format="torch"` works for this model.'
        ) from e
    _name_batch_axis(program, onnx_program.model.graph)
    if external:
        # The weights file is named after the model file: write in place.
        onnx_program.save(path, external_data=True)
    else:
        _write_atomic(path, lambda tmp: onnx_program.save(tmp, external_data=False))


def _output_names(model, n_outputs: int) -> list[str]:
    """The model's `output_names` (dict keys or output layer names), else `output_0`, ..."""
    try:
        names = list(model.output_names)
    except (TypeError, ValueError, AttributeError):
        names = []
    if len(names) != n_outputs or len(set(names)) != len(names):
        names = [f"output_{i}" for i in range(n_outputs)]
    return names


def _name_batch_axis(program, graph) -> None:
    """Rename the traced batch symbol (`s77`) to `"batch"` on every ONNX value's shape."""
    import onnx_ir as ir

    user_inputs = set(program.graph_signature.user_inputs)
    symbols = set()
    for node in program.graph.nodes:
        if node.op == "placeholder" and node.name in user_inputs:
            value = node.meta.get("val")
            if (
                isinstance(value, torch.Tensor)
                and value.dim()
                and isinstance(value.shape[0], torch.SymInt)
            ):
                symbols.add(str(value.shape[0]))
    if not symbols:
        return

    def rename(value) -> None:
        shape = value.shape
        if shape is None:
            return
        dims = [
            ir.SymbolicDim("batch")
            if isinstance(d, ir.SymbolicDim) and d.value in symbols
            else d
            for d in shape.dims
        ]
        value.shape = ir.Shape(dims)

    for value in [*graph.inputs, *graph.outputs]:
        rename(value)
    for node in ir.traversal.RecursiveGraphIterator(graph):
        for value in node.outputs:
            rename(value)


def _write_atomic(path: str, write) -> None:
    """`write(tmp)` to a temporary file beside `path`, then moved into place."""
    with atomic_path(path, keep_extension=True) as tmp:
        write(tmp)


def _check_format(format) -> str:
    if not isinstance(format, str):
        raise TypeError(f"`format` must be a string. Received: format={format!r}")
    if format in FORMATS:
        return format
    valid = sorted(FORMATS)
    if format in _UNSUPPORTED_KERAS_FORMATS:
        raise ValueError(
            f"format='{format}' needs TensorFlow or OpenVINO, which kerastorch "
            f"does not use. Valid formats: {valid}. Received: format='{format}'"
        )
    matches = difflib.get_close_matches(format, valid)
    hint = f"Did you mean: {', '.join(repr(m) for m in matches)}? " if matches else ""
    raise ValueError(
        f"Could not interpret format identifier: '{format}'. {hint}Valid formats: {valid}"
    )


def _check_filepath(filepath, fmt: str) -> str:
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(
            f"`filepath` must be a string or path. Received: filepath={filepath!r}"
        )
    path = os.fspath(filepath)
    expected = FORMATS[fmt]
    if not path.endswith(expected):
        other = [f for f, ext in FORMATS.items() if path.endswith(ext)]
        hint = (
            f" (a '{FORMATS[other[0]]}' file is written by format='{other[0]}')"
            if other
            else ""
        )
        raise ValueError(
            f"format='{fmt}' writes a '{expected}' file: the filepath must end in "
            f"'{expected}'{hint}. Received: filepath={path}"
        )
    if os.path.isdir(path):
        raise ValueError(
            f"The filepath is a directory: {path}. Give a file path ending in '{expected}'."
        )
    return path


def _require_onnx() -> None:
    try:
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as e:
        raise ImportError(
            'format="onnx" needs the `onnx` and `onnxscript` packages: '
            'pip install "kerastorch[export]"'
        ) from e
