"""InputSpec: what a layer accepts, checked before `build` and on every call."""

from __future__ import annotations

from collections.abc import Mapping


class InputSpec:
    """Rank, dtype and per-axis size a layer expects of an input.

    Args:
        dtype: expected dtype string, or `None`.
        shape: the full expected shape (`None` entries are free), or `None`.
        ndim: exact rank, or `None`.
        max_ndim: largest allowed rank, or `None`.
        min_ndim: smallest allowed rank, or `None`.
        axes: dict `{axis: size}` of fixed axis sizes (negative axes allowed).
        allow_last_axis_squeeze: accept a rank one lower when the last
            expected axis has size 1.
        name: the input name the spec applies to, for dict inputs.
        optional: whether the input may be `None`.
    """

    def __init__(
        self,
        dtype=None,
        shape=None,
        ndim: int | None = None,
        max_ndim: int | None = None,
        min_ndim: int | None = None,
        axes: Mapping[int, int] | None = None,
        allow_last_axis_squeeze: bool = False,
        name: str | None = None,
        optional: bool = False,
    ):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim is not None else self.max_ndim) - 1
            if max(self.axes) > max_dim:
                raise ValueError(
                    f"Axis {max(self.axes)} is greater than the maximum allowed "
                    f"value: {max_dim}"
                )

    def __repr__(self) -> str:
        spec = [
            f"{k}={v}"
            for k, v in (
                ("dtype", self.dtype),
                ("shape", self.shape),
                ("ndim", self.ndim),
                ("max_ndim", self.max_ndim),
                ("min_ndim", self.min_ndim),
                ("axes", self.axes or None),
            )
            if v is not None
        ]
        return f"InputSpec({', '.join(spec)})"

    def get_config(self) -> dict:
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
        }

    @classmethod
    def from_config(cls, config: dict) -> InputSpec:
        return cls(**config)


def assert_input_compatibility(input_spec, inputs, layer_name: str) -> None:
    """Raise `ValueError` naming the layer when `inputs` do not match `input_spec`."""
    if not input_spec:
        return
    if isinstance(input_spec, InputSpec):
        specs = [input_spec]
    else:
        specs = list(input_spec)
    if isinstance(inputs, Mapping):
        names = [spec.name for spec in specs]
        if all(names):
            inputs = [inputs.get(n) for n in names]
        else:
            inputs = list(inputs.values())
    elif isinstance(inputs, (list, tuple)):
        inputs = list(inputs)
    else:
        inputs = [inputs]
    if len(inputs) != len(specs):
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), '
            f"but it received {len(inputs)} input tensors."
        )
    for index, (x, spec) in enumerate(zip(inputs, specs)):
        if spec is None:
            continue
        if x is None:
            if spec.optional:
                continue
            raise ValueError(
                f'Layer "{layer_name}" received None for input {index}, '
                "which is not optional."
            )
        shape = getattr(x, "shape", None)
        if shape is None:
            raise TypeError(
                f'Layer "{layer_name}" expects tensor inputs; input {index} is '
                f"a {type(x).__name__}: {x!r}"
            )
        shape = tuple(shape)
        ndim = len(shape)
        if spec.ndim is not None and not spec.allow_last_axis_squeeze:
            if ndim != spec.ndim:
                raise ValueError(
                    f'Input {index} of layer "{layer_name}" is incompatible with '
                    f"the layer: expected ndim={spec.ndim}, found ndim={ndim}. "
                    f"Full shape received: {shape}"
                )
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(
                f'Input {index} of layer "{layer_name}" is incompatible with the '
                f"layer: expected max_ndim={spec.max_ndim}, found ndim={ndim}. "
                f"Full shape received: {shape}"
            )
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(
                f'Input {index} of layer "{layer_name}" is incompatible with the '
                f"layer: expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                f"Full shape received: {shape}"
            )
        if spec.axes:
            for axis, value in spec.axes.items():
                if value is None:
                    continue
                try:
                    actual = shape[axis]
                except IndexError:
                    actual = None
                if actual is not None and actual != value:
                    raise ValueError(
                        f'Input {index} of layer "{layer_name}" is incompatible '
                        f"with the layer: expected axis {axis} of input shape to "
                        f"have value {value}, but received input with "
                        f"shape {shape}"
                    )
        if spec.shape is not None:
            for expected, actual in zip(spec.shape, shape):
                if expected is not None and actual is not None and expected != actual:
                    raise ValueError(
                        f'Input {index} of layer "{layer_name}" is incompatible '
                        f"with the layer: expected shape={spec.shape}, found "
                        f"shape={shape}"
                    )
