"""`Metric`: the base class of every metric, a plain object holding tensor state.

A metric is not an `nn.Module`: its state lives in `self.variables`, a fixed
list of `kerastorch.Variable`s (non-trainable), so the training engine can
all-reduce every one of them with SUM across processes and then call
`result()`. Built-in `update_state` methods only ever update that state in
place with tensor ops: no `.item()`, no host synchronisation.
"""

from __future__ import annotations

import numpy as np
import torch

from kerastorch.backend import config
from kerastorch.backend.dtypes import standardize_dtype
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.backend.naming import auto_name
from kerastorch.backend.naming import to_snake_case
from kerastorch.variables import Variable


class Metric:
    """Encapsulates metric logic and state.

    Subclasses create their state in `__init__` with `self.add_variable(...)`,
    update it in `update_state()` (in place: `self.total.assign_add(...)` or
    `self.total.add_(...)`) and compute the value in `result()`.

    Args:
        name: string name of the metric instance. Defaults to the snake-case
            class name, made unique (`"my_metric"`, `"my_metric_1"`, ...).
        dtype: dtype of the state and of the result. Defaults to `floatx()`.

    Example:

    ```python
    class BinaryTruePositives(keras.metrics.Metric):
        def __init__(self, name="binary_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), name="tp")

        def update_state(self, y_true, y_pred, sample_weight=None):
            values = (y_true.bool() & y_pred.bool()).float()
            if sample_weight is not None:
                values = values * sample_weight
            self.true_positives.assign_add(values.sum())

        def result(self):
            return self.true_positives.detach().clone()
    ```
    """

    def __init__(self, name: str | None = None, dtype=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be a string. Received: name={name!r}")
        self.name = name or auto_name(to_snake_case(type(self).__name__))
        self._dtype = standardize_dtype(dtype)
        self._torch_dtype = to_torch_dtype(self._dtype)
        self._device = torch.device("cpu")
        self._variables: list[Variable] = []
        self._metrics: list[Metric] = []

    # State ------------------------------------------------------------------

    def add_variable(
        self,
        shape,
        initializer="zeros",
        dtype=None,
        aggregation: str = "sum",
        name: str | None = None,
    ) -> Variable:
        """Create a state variable on the metric's device and track it.

        Args:
            shape: the variable's shape, e.g. `()` or `(num_thresholds,)`.
            initializer: `"zeros"`, `"ones"`, a number, an array/tensor, a
                callable `initializer(shape, dtype)` or any name that
                `kerastorch.initializers.get` knows. Defaults to `"zeros"`.
            dtype: the variable's dtype. Defaults to the metric's `dtype`.
            aggregation: how replicas combine it. Only `"sum"` is all-reduced
                correctly by the distributed trainer. Defaults to `"sum"`.
            name: the variable's name. Defaults to `"variable"`.

        Returns:
            The new `kerastorch.Variable` (non-trainable).
        """
        self._check_super_called()
        shape = tuple(int(d) for d in shape)
        torch_dtype = to_torch_dtype(dtype or self._dtype)
        value = _initial_value(initializer, shape, torch_dtype, self._device)
        variable = Variable(value, trainable=False, name=name, aggregation=aggregation)
        variable._path = f"{self.name}/{variable.name}"
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer="zeros", dtype=None, name=None):
        """Alias of `add_variable`, kept for Keras 2 code."""
        return self.add_variable(shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self) -> list[Variable]:
        """The state variables, this metric's first, then its sub-metrics'."""
        variables = list(self._variables)
        for metric in self._metrics:
            variables.extend(metric.variables)
        return variables

    def reset_state(self) -> None:
        """Set every state variable back to zero, in place."""
        with torch.no_grad():
            for v in self.variables:
                v.zero_()

    # API to implement -------------------------------------------------------

    def update_state(self, *args, **kwargs) -> None:
        """Accumulate statistics for the metric."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `update_state()`."
        )

    def result(self):
        """Compute the current value (a tensor, or a dict of tensors)."""
        raise NotImplementedError(f"{type(self).__name__} must implement `result()`.")

    def __call__(self, *args, **kwargs):
        """`update_state(*args, **kwargs)`, then return `result()`."""
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    # Config -----------------------------------------------------------------

    @property
    def dtype(self) -> str:
        return self._dtype

    @property
    def device(self) -> torch.device:
        """The device holding the state."""
        return self._device

    def get_config(self) -> dict:
        """Return the serializable config of the metric."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    # Devices ----------------------------------------------------------------

    def to(self, device) -> Metric:
        """Move every state tensor to `device`, keeping the same objects.

        Variables are moved by swapping their storage (`v.data = ...`), so any
        reference to `metric.variables[i]` or `metric.total` stays valid.

        Returns:
            The metric itself.
        """
        device = torch.empty(0, device=device).device  # "cuda" -> "cuda:0"
        with torch.no_grad():
            for v in self._variables:
                if v.device != device:
                    v.data = v.data.to(device)
        # Constant tensors the subclass keeps (thresholds, label weights...).
        tracked = {id(v) for v in self._variables}
        for key, value in list(vars(self).items()):
            if isinstance(value, torch.Tensor) and id(value) not in tracked:
                object.__setattr__(self, key, value.to(device))
        for metric in self._metrics:
            metric.to(device)
        self._device = device
        return self

    def _tensor(self, x, dtype: torch.dtype | None = None) -> torch.Tensor:
        """`x` as a detached tensor on the state's device, cast to `dtype`.

        An accelerator tensor pulls the state onto its device (once), rather
        than being copied to the host, which would synchronise.
        """
        if not isinstance(x, torch.Tensor):
            if dtype is None and isinstance(x, np.ndarray) and x.dtype == np.float64:
                dtype = to_torch_dtype(config.floatx())
            x = torch.as_tensor(x, dtype=dtype)
        if x.device != self._device:
            if x.device.type == "cpu":
                # Host data goes to the state's device without waiting on it.
                x = x.to(self._device, non_blocking=True)
            else:
                self.to(x.device)
        x = x.detach()
        return x if dtype is None or x.dtype == dtype else x.to(dtype)

    def _float_tensor(self, x) -> torch.Tensor:
        """Like `_tensor`, casting floating (and only floating) inputs to `dtype`."""
        x = self._tensor(x)
        return x.to(self._torch_dtype) if x.is_floating_point() else x

    # Plumbing ---------------------------------------------------------------

    def __setattr__(self, name, value):
        if isinstance(value, Metric):
            metrics = self.__dict__.get("_metrics")
            if metrics is not None and not any(m is value for m in metrics):
                metrics.append(value)
        super().__setattr__(name, value)

    def _check_super_called(self) -> None:
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                f"In metric {type(self).__name__}, you forgot to call "
                "`super().__init__()` in the `__init__()` method. Go add it!"
            )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _initial_value(initializer, shape, dtype: torch.dtype, device) -> torch.Tensor:
    if isinstance(initializer, str):
        if initializer == "zeros":
            return torch.zeros(shape, dtype=dtype, device=device)
        if initializer == "ones":
            return torch.ones(shape, dtype=dtype, device=device)
        from kerastorch import initializers

        initializer = initializers.get(initializer)
    if isinstance(initializer, (int, float)):
        return torch.full(shape, initializer, dtype=dtype, device=device)
    if callable(initializer) and not isinstance(
        initializer, (torch.Tensor, np.ndarray)
    ):
        initializer = initializer(shape, dtype=standardize_dtype(dtype))
    value = torch.as_tensor(initializer, dtype=dtype, device=device)
    if tuple(value.shape) != shape:
        raise ValueError(
            f"The initial value has shape {tuple(value.shape)}, but shape={shape} "
            "was given."
        )
    return value.clone()
