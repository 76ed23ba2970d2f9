"""A served model's signature, and the checks that turn a JSON request into arrays.

The request shapes are TF-Serving's REST API: the row form
`{"instances": [...]}` (one item per example; a dict per example for a model
with several inputs) and the columnar form `{"inputs": ...}` (one batch per
input). Nothing here imports a web framework: a bad request raises
`RequestError`, which the server turns into a 400 answer.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np

from kerastorch.backend.dtypes import standardize_dtype

_FLOATS = ("float16", "bfloat16", "float32", "float64")
# What JSON values become before they go to torch: numpy has no bfloat16, and
# a float16 model still reads float32 (the model casts on its first layer).
_WIRE_DTYPES = {"float64": np.float64, "bool": np.bool_, "string": np.str_}
_KIND_NAMES = {
    "f": "floating-point numbers",
    "i": "integers",
    "u": "integers",
    "b": "booleans",
    "U": "strings",
}


class RequestError(ValueError):
    """A request that does not fit the model's signature (an HTTP 400)."""


@dataclass(frozen=True)
class TensorSpec:
    """Name, shape (with `None` for any size) and dtype of one model input or output."""

    name: str
    shape: tuple
    dtype: str

    def to_json(self) -> dict:
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype}


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}_{count}")
    return out


class Signature:
    """The inputs and outputs of a model, read from its symbolic `inputs`/`outputs`.

    Args:
        model: a built `kerastorch.Model` with known inputs (Sequential with
            an `Input` or built, or Functional).
    """

    def __init__(self, model):
        try:
            inputs = list(model.inputs)
            outputs = list(model.outputs)
        except (AttributeError, ValueError) as e:
            raise ValueError(
                f"Model '{model.name}' cannot be served: its inputs are not known "
                "(a subclassed model, or a Sequential model without an `Input`). "
                "Serve a Functional or Sequential model with a `kerastorch.Input`. "
                f"Details: {e}"
            ) from None
        input_names = getattr(model, "input_names", None) or [
            t.name or f"input_{i}" for i, t in enumerate(inputs)
        ]
        output_names = getattr(model, "output_names", None)
        if not output_names:
            last = model.layers[-1].name if len(outputs) == 1 and model.layers else None
            output_names = (
                [last] if last else [f"output_{i}" for i in range(len(outputs))]
            )
        self.inputs = [
            TensorSpec(n, tuple(t.shape), standardize_dtype(t.dtype))
            for n, t in zip(_unique(list(input_names)), inputs)
        ]
        self.outputs = [
            TensorSpec(n, tuple(t.shape), standardize_dtype(t.dtype))
            for n, t in zip(_unique(list(output_names)), outputs)
        ]
        # A dict of named tensors for Functional models, a lone tensor otherwise.
        self.keyed_inputs = len(self.inputs) > 1 or isinstance(
            getattr(model, "input", None), dict
        )

    @property
    def input_names(self) -> list[str]:
        return [spec.name for spec in self.inputs]

    def to_json(self) -> dict:
        return {
            "inputs": [spec.to_json() for spec in self.inputs],
            "outputs": [spec.to_json() for spec in self.outputs],
        }

    # --- requests ---------------------------------------------------------------

    def parse(self, payload: dict) -> tuple[dict[str, np.ndarray], str]:
        """Check a decoded request body; return `({input name: batch array}, form)`.

        `form` is `"instances"` (row form) or `"inputs"` (columnar form).
        """
        if "instances" in payload:
            return self._from_rows(payload["instances"]), "instances"
        return self._from_columns(payload["inputs"]), "inputs"

    def _from_rows(self, instances: list) -> dict[str, np.ndarray]:
        if not instances:
            raise RequestError("`instances` is empty: send at least one example.")
        names = self.input_names
        columns: dict[str, list] = {name: [] for name in names}
        for i, instance in enumerate(instances):
            if isinstance(instance, dict) and (
                self.keyed_inputs or set(instance) == set(names)
            ):
                _check_keys(instance, names, f"instances[{i}]")
                for name in names:
                    columns[name].append(instance[name])
            elif self.keyed_inputs:
                raise RequestError(
                    f"instances[{i}] must be an object with the keys {names} (this "
                    f"model has several inputs). Received: {type(instance).__name__}"
                )
            else:
                columns[names[0]].append(instance)
        return {
            spec.name: self._to_batch(columns[spec.name], spec, "instances")
            for spec in self.inputs
        }

    def _from_columns(self, inputs) -> dict[str, np.ndarray]:
        names = self.input_names
        if isinstance(inputs, dict) and (
            self.keyed_inputs or set(inputs) == set(names)
        ):
            _check_keys(inputs, names, "inputs")
            columns = inputs
        elif self.keyed_inputs:
            raise RequestError(
                f"`inputs` must be an object with the keys {names} (this model has "
                f"several inputs). Received: {type(inputs).__name__}"
            )
        else:
            columns = {names[0]: inputs}
        arrays = {}
        for spec in self.inputs:
            where = "inputs" if not self.keyed_inputs else f"inputs['{spec.name}']"
            value = columns[spec.name]
            if not isinstance(value, list) or not value:
                raise RequestError(
                    f"`{where}` must be a non-empty list (a batch of examples). "
                    f"Received: {_describe(value)}"
                )
            arrays[spec.name] = self._to_batch(value, spec, where)
        sizes = {name: len(a) for name, a in arrays.items()}
        if len(set(sizes.values())) > 1:
            raise RequestError(f"The inputs have different batch sizes: {sizes}.")
        return arrays

    def _to_batch(self, values: list, spec: TensorSpec, where: str) -> np.ndarray:
        """Stack `values` (one per example) into an array of the input's shape and dtype."""
        label = f" for input '{spec.name}'" if len(self.inputs) > 1 else ""
        array = _as_array(values)
        if array is None:
            # Find the first example to blame, for a message that points at it.
            for i, value in enumerate(values):
                _check_example(value, spec, f"`{where}[{i}]`{label}")
            shapes = sorted({np.shape(v) for v in values if _as_array([v]) is not None})
            raise RequestError(
                f"`{where}`{label} is ragged: its examples have different shapes "
                f"{[list(s) for s in shapes]}; every example needs the shape "
                f"{_inner(spec)}."
            )
        array = _check_dtype(array, spec, f"`{where}`{label}")
        inner = spec.shape[1:]
        # Keras's rank adjustment: scalars feed an input of shape (1,).
        if array.ndim == len(inner) and inner and inner[-1] == 1:
            array = array[..., None]
        got = array.shape[1:]
        if len(got) != len(inner) or any(
            e is not None and e != g for e, g in zip(inner, got)
        ):
            raise RequestError(
                f"`{where}`{label} has examples of shape {list(got)}, but the model "
                f"expects {_inner(spec)} (`null` is any size)."
            )
        return array


def _inner(spec: TensorSpec) -> list:
    return list(spec.shape[1:])


def _describe(value) -> str:
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    return type(value).__name__ if value is not None else "null"


def _check_keys(given: dict, names: list[str], where: str) -> None:
    missing = [n for n in names if n not in given]
    if missing:
        raise RequestError(
            f"`{where}` is missing the input(s) {missing}. Expected keys: {names}; "
            f"received: {sorted(given)}."
        )
    extra = [k for k in given if k not in names]
    if extra:
        hint = difflib.get_close_matches(extra[0], names)
        did_you_mean = f" Did you mean: '{hint[0]}'?" if hint else ""
        raise RequestError(
            f"`{where}` has unknown input(s) {extra}; this model's inputs are {names}."
            + did_you_mean
        )


def _as_array(values) -> np.ndarray | None:
    """`values` as an array, or `None` when they are ragged or hold non-scalars."""
    try:
        array = np.asarray(values)
    except (ValueError, TypeError):
        return None
    return None if array.dtype == object else array


def _check_example(value, spec: TensorSpec, where: str) -> None:
    array = _as_array(value)
    if array is None:
        if _holds(value, lambda v: v is None):
            raise RequestError(
                f"{where} contains null values; the model needs {spec.dtype} values."
            )
        if _holds(value, lambda v: isinstance(v, dict)):
            raise RequestError(
                f"{where} contains an object where {spec.dtype} values were expected."
            )
        raise RequestError(
            f"{where} is ragged: its nested lists have different lengths."
        )
    _check_dtype(array, spec, where)


def _holds(value, test) -> bool:
    if test(value):
        return True
    return isinstance(value, list) and any(_holds(v, test) for v in value)


def _check_dtype(array: np.ndarray, spec: TensorSpec, where: str) -> np.ndarray:
    """Check that JSON values fit the input's dtype; return them in the wire dtype."""
    kind = array.dtype.kind
    dtype = spec.dtype
    if dtype in _FLOATS:
        ok = kind in "fiu"
    elif dtype.startswith(("int", "uint")):
        ok = kind in "iu"
    elif dtype == "bool":
        ok = kind == "b"
    elif dtype == "string":
        ok = kind == "U"
    else:
        ok = True  # a dtype JSON cannot carry (complex): let torch decide
    if not ok:
        raise RequestError(
            f"{where} holds {_KIND_NAMES.get(kind, array.dtype.name)}, but input "
            f"'{spec.name}' has dtype {dtype}."
        )
    if dtype.startswith(("int", "uint")) and array.size:
        info = np.iinfo(dtype)
        low, high = array.min(), array.max()
        if low < info.min or high > info.max:
            raise RequestError(
                f"{where} holds integers outside the range of {dtype} "
                f"([{info.min}, {info.max}]). Received: min={low}, max={high}"
            )
        return array.astype(dtype)
    return array.astype(_WIRE_DTYPES.get(dtype, np.float32), copy=False)
