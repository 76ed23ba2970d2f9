"""Layer: a `torch.nn.Module` with Keras semantics.

`__call__` → input checks → `build(input_shape)` once → `call(...)` through
`nn.Module.__call__` (so torch hooks, DDP and torch.compile see an ordinary
module). `forward` is `call`, so a Layer is also usable from plain torch code.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np
import torch
from torch import nn

from kerastorch import dtype_policies
from kerastorch.backend import naming
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.layers.input_spec import assert_input_compatibility
from kerastorch.utils import tree
from kerastorch.variables import Variable


class _CallContext:
    """Per-process state of the layer call in progress (the outermost call owns it).

    `training` flows from an outer call to sublayers that were not given it;
    `scope` names the layers being built, for variable paths; `loss_layers`
    are the layers that called `add_loss` since the outermost call began.
    """

    def __init__(self):
        self.depth = 0
        self.training = None
        self.scope: list[str] = []
        self.loss_layers: list[Layer] = []


_CTX = _CallContext()


def reset_call_context() -> None:
    """Outside any layer call: drop the losses of the last outermost call.

    An outermost layer call does this on entry, and a compiled step
    (`jit_compile`) before each call: its guards on this global are dropped
    (see `kerastorch.backend.jit`), so it must always start from the state
    it was traced in.
    """
    ctx = _CTX
    if ctx.depth == 0 and ctx.loss_layers:
        for layer in ctx.loss_layers:
            layer._losses.clear()
        ctx.loss_layers.clear()


@functools.cache
def _call_signature_info(cls) -> tuple[bool, bool, str, tuple[str, ...]]:
    """(accepts training, accepts mask, first argument name, build arg names) of `cls`."""
    sig = inspect.signature(cls.call)
    params = list(sig.parameters.values())[1:]  # drop self
    has_var_kw = any(p.kind is p.VAR_KEYWORD for p in params)
    names = [p.name for p in params]
    first = names[0] if names else "inputs"
    build_params = list(inspect.signature(cls.build).parameters.values())[1:]
    build_names = tuple(
        p.name for p in build_params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    )
    return ("training" in names or has_var_kw, "mask" in names, first, build_names)


def _to_tensor(x, device=None):
    """numpy/list/number → tensor (float64 becomes floatx); tensors pass through."""
    if isinstance(x, torch.Tensor) or x is None or isinstance(x, KerasTensor):
        return x
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "OUS":
            return x  # strings stay numpy, for preprocessing layers
        t = torch.from_numpy(np.ascontiguousarray(x))
        if t.dtype == torch.float64:
            t = t.to(to_torch_dtype(None))
        return t if device is None else t.to(device)
    return x  # Python numbers and anything else pass through


class Layer(nn.Module):
    """The base class of all layers: a `torch.nn.Module` with Keras's API.

    Subclasses create weights in `build(input_shape)` with `add_weight` and
    compute in `call(inputs, training=None, mask=None)`.

    Args:
        trainable: whether the layer's weights are updated in training.
            Defaults to `True`.
        name: the layer's name. Defaults to the snake-cased class name,
            made unique (`dense`, `dense_1`, ...).
        dtype: a dtype or dtype policy name for the weights and computation.
            Defaults to the global policy (`floatx()`, `"float32"`).

    Example:

    ```python
    class Linear(kerastorch.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units))

        def call(self, x):
            return x @ self.w
    ```
    """

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        # Remember constructor arguments for the default `get_config`.
        obj.__dict__["_init_args"] = (args, dict(kwargs))
        return obj

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _wrap_build(cls.__dict__["build"])
        if "call" in cls.__dict__ and "forward" not in cls.__dict__:
            # torch code calling .forward / hooks run `call` too.
            cls.forward = cls.__dict__["call"]

    def __init__(
        self,
        *,
        trainable: bool = True,
        name: str | None = None,
        dtype=None,
        autocast: bool = True,
        input_dim: int | None = None,
        input_shape=None,
        activity_regularizer=None,
        **kwargs,
    ):
        super().__init__()
        if kwargs:
            raise TypeError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                f"{kwargs}"
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be a string. Received: name={name!r}")
        self.name = name or naming.auto_name(naming.to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self._dtype_policy = dtype_policies.get(dtype)
        self.autocast = autocast
        # Decided once: the per-call path reads plain attributes.
        self._autocast_dtype = self._dtype_policy.autocast_dtype if autocast else None
        self._overrides_compute_mask = type(self).compute_mask is not Layer.compute_mask
        self.built = False
        self.supports_masking = False
        self.input_spec = None
        self._losses: list[torch.Tensor] = []
        self._trainable_variables: list[Variable] = []
        self._non_trainable_variables: list[Variable] = []
        self._build_shapes = None
        self._output_shape = None
        if activity_regularizer is not None:
            from kerastorch import regularizers

            activity_regularizer = regularizers.get(activity_regularizer)
        self.activity_regularizer = activity_regularizer
        (
            self._call_has_training_arg,
            self._call_has_mask_arg,
            self._first_arg,
            self._build_arg_names,
        ) = _call_signature_info(type(self))
        if input_shape is None and input_dim is not None:
            input_shape = (input_dim,)
        # Keras 2 style `Dense(4, input_shape=(8,))`: the leading layer of a Sequential.
        self._batch_input_shape = (
            (None, *tuple(input_shape)) if input_shape is not None else None
        )

    # --- attribute handling ---------------------------------------------------

    def __setattr__(self, name: str, value) -> None:
        if "_parameters" not in self.__dict__ and name not in ("_init_args",):
            raise RuntimeError(
                f"In layer '{type(self).__name__}', you forgot to call "
                "`super().__init__()` as the first statement in the `__init__()` "
                "method. Go add it!"
            )
        if (
            not name.startswith("_")
            and hasattr(value, "update_state")
            and hasattr(value, "reset_state")
            and hasattr(value, "result")
            and not isinstance(value, (nn.Module, type))
        ):
            # A metric object set as an attribute is tracked, as in Keras.
            tracked = self.__dict__.setdefault("_tracked_metrics", [])
            if all(m is not value for m in tracked):
                tracked.append(value)
        if isinstance(value, Variable):
            for existing_name, p in self._parameters.items():
                if p is value and existing_name != name:
                    # Already registered by add_weight under its Keras name:
                    # a plain alias avoids a duplicate state_dict entry.
                    object.__setattr__(self, name, value)
                    return
        elif isinstance(value, (list, tuple)) and value and not name.startswith("_"):
            if all(isinstance(v, nn.Module) for v in value):
                value = nn.ModuleList(value)
            else:
                for i, v in enumerate(value):
                    if isinstance(v, nn.Module):
                        self.add_module(f"{name}_{i}", v)
        elif (
            isinstance(value, dict)
            and value
            and not name.startswith("_")
            and all(isinstance(v, nn.Module) for v in value.values())
            and all(isinstance(k, str) for k in value)
        ):
            value = nn.ModuleDict(value)
        super().__setattr__(name, value)

    # --- building ---------------------------------------------------------------

    def build(self, input_shape=None) -> None:
        """Create the layer's weights, given the input shape(s). Runs once."""
        self.built = True

    def _maybe_build(self, args, kwargs) -> None:
        if self.built:
            return
        first = args[0] if args else kwargs.get(self._first_arg)
        shapes_by_name = {}
        if len(self._build_arg_names) > 1:
            shapes_by_name = _shapes_by_build_name(self, args, kwargs)
        device = None
        for leaf in tree.flatten(first):
            if isinstance(leaf, torch.Tensor):
                device = leaf.device
                break
        if device is not None and device.type == "meta":
            device = None  # weights are never created on the meta device
        with torch.inference_mode(False), torch.no_grad():
            # Layers built lazily from `predict` must not get inference tensors.
            _CTX.scope.append(self.name)
            try:
                with _device_scope(device):
                    if shapes_by_name:
                        self.build(**shapes_by_name)
                    else:
                        self.build(_shape_of(first))
            finally:
                _CTX.scope.pop()
        self.built = True

    # --- calling ----------------------------------------------------------------

    def call(self, *args, **kwargs):
        raise NotImplementedError(
            f"Layer {type(self).__name__} does not have a `call()` method "
            "implemented."
        )

    def __call__(self, *args, **kwargs):
        ctx = _CTX
        if args:
            inputs = args[0]
        else:
            inputs = kwargs.get(self._first_arg)
        if not isinstance(inputs, torch.Tensor):
            if any(isinstance(x, KerasTensor) for x in tree.flatten((args, kwargs))):
                return self._symbolic_call(args, kwargs)
            if isinstance(inputs, (np.ndarray, list, tuple, dict)):
                inputs = tree.map_structure(_to_tensor, inputs)
                if args:
                    args = (inputs, *args[1:])
                else:
                    kwargs[self._first_arg] = inputs
        if self.input_spec is not None:
            # A shape already accepted needs no second look (the common case).
            # Traced by torch.compile: check, but leave the cache alone (reading
            # it would make a guard that every eager call could break).
            shape = inputs.shape if isinstance(inputs, torch.Tensor) else None
            if torch.compiler.is_compiling():
                assert_input_compatibility(self.input_spec, inputs, self.name)
            elif shape is None or shape != self.__dict__.get("_accepted_shape"):
                assert_input_compatibility(self.input_spec, inputs, self.name)
                self.__dict__["_accepted_shape"] = shape
        if not self.built:
            self._maybe_build(args, kwargs)
            self.__dict__["_accepted_shape"] = None

        # `training`: explicit argument > outer call > the call signature's default.
        training = kwargs.get("training")
        if training is None:
            training = ctx.training
            if training is not None and self._call_has_training_arg:
                kwargs["training"] = training
        elif not self._call_has_training_arg:
            del kwargs["training"]

        previous_mask = None
        if self.supports_masking or self._call_has_mask_arg:
            previous_mask = _get_mask(inputs)
            if self._call_has_mask_arg and kwargs.get("mask") is None:
                if previous_mask is not None:
                    kwargs["mask"] = previous_mask
            elif kwargs.get("mask") is not None:
                previous_mask = kwargs["mask"]

        reset_call_context()  # the outermost call forgets the last one's losses
        outer_training = ctx.training
        ctx.training = training
        ctx.depth += 1
        try:
            autocast_dtype = self._autocast_dtype
            if autocast_dtype is not None and not torch.is_autocast_enabled():
                device_type = _device_type(inputs)
                with torch.autocast(device_type, dtype=autocast_dtype):
                    outputs = nn.Module.__call__(self, *args, **kwargs)
            else:
                outputs = nn.Module.__call__(self, *args, **kwargs)
        finally:
            ctx.depth -= 1
            ctx.training = outer_training

        if self.activity_regularizer is not None:
            for out in tree.flatten(outputs):
                if isinstance(out, torch.Tensor):
                    self.add_loss(self.activity_regularizer(out))
        if self.supports_masking:
            if previous_mask is not None or self._overrides_compute_mask:
                mask = self.compute_mask(inputs, previous_mask)
                if mask is not None:
                    _set_mask(outputs, mask)
        if self._output_shape is None:
            self._record_shapes(inputs, outputs)
        return outputs

    def _record_shapes(self, inputs, outputs) -> None:
        def unbatched(x):
            if isinstance(x, (torch.Tensor, KerasTensor)):
                shape = tuple(x.shape)
                return (None, *shape[1:]) if shape else shape
            return None

        self._input_shape = tree.map_structure(unbatched, inputs)
        self._output_shape = tree.map_structure(unbatched, outputs)

    def _symbolic_call(self, args, kwargs):
        """Call on KerasTensors: build from their shapes, infer the output spec."""
        first = args[0] if args else kwargs.get(self._first_arg)
        if self.input_spec is not None:
            assert_input_compatibility(self.input_spec, first, self.name)
        if not self.built:
            self._maybe_build(args, kwargs)
        # The layer's own spec/shape method if it has one, else a run on meta tensors.
        outputs = self.compute_output_spec(*args, **kwargs)
        from kerastorch.layers.node import Node

        Node(self, args, kwargs, outputs)
        self._record_shapes(first, outputs)
        return outputs

    def compute_output_shape(self, *args, **kwargs):
        """Output shape(s) for the given input shape(s), inferred without computing."""
        specs = tuple(_shape_to_keras_tensor(shape) for shape in args)
        kw = {k: _shape_to_keras_tensor(v) for k, v in kwargs.items()}
        if not self.built:
            self._maybe_build(specs, kw)
        from kerastorch.backend.symbolic import compute_output_spec

        out = compute_output_spec(self.__call__, specs, kw, module=self)
        return tree.map_structure(lambda t: t.shape, out)

    def compute_output_spec(self, *args, **kwargs):
        """KerasTensors shaped like the outputs of `call(*args, **kwargs)`.

        Uses `compute_output_shape` when the layer defines it (outputs get the
        compute dtype); otherwise runs `call` on meta tensors.
        """
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            first = args[0] if args else kwargs.get(self._first_arg)
            if len(self._build_arg_names) > 1:
                shapes = _shapes_by_build_name(self, args, kwargs)
                out_shape = self.compute_output_shape(**shapes)
            else:
                out_shape = self.compute_output_shape(_shape_of(first))
            dtype = self.compute_dtype
            return tree.map_shape_structure(
                lambda s: KerasTensor(s, dtype=dtype), out_shape
            )
        from kerastorch.backend.symbolic import compute_output_spec

        return compute_output_spec(self.__call__, args, kwargs, module=self)

    def compute_mask(self, inputs, previous_mask):
        """The mask of the outputs: by default the incoming mask, passed through."""
        if not self.supports_masking:
            return None
        return previous_mask

    # --- weights ------------------------------------------------------------------

    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer=None,
        constraint=None,
        aggregation: str = "mean",
        name: str | None = None,
    ) -> Variable:
        """Create a weight, tracked by the layer and registered as a torch Parameter.

        Args:
            shape: the weight's shape. Defaults to `()` (a scalar).
            initializer: an initializer instance, name or callable. Defaults to
                `"glorot_uniform"` for floats and `"zeros"` otherwise.
            dtype: the dtype. Defaults to the layer's variable dtype.
            trainable: whether it receives gradients. Defaults to `True`.
            regularizer: a regularizer whose penalty joins `layer.losses`.
            constraint: a function applied to the weight after each update.
            name: the short name (`"kernel"`), also the `state_dict` key.
        """
        from kerastorch import constraints
        from kerastorch import initializers
        from kerastorch import regularizers

        shape = () if shape is None else tuple(shape)
        for d in shape:
            if d is None or (isinstance(d, int) and d < 0):
                raise ValueError(
                    f"Layer '{self.name}' cannot create weight '{name}' with an "
                    f"unknown or negative dimension. Received: shape={shape}"
                )
        dtype = dtype or self._dtype_policy.variable_dtype
        if initializer is None:
            initializer = "glorot_uniform" if to_torch_dtype(dtype).is_floating_point else "zeros"
        initializer = initializers.get(initializer)
        name = name or f"variable_{len(self._parameters)}"
        device = _current_build_device()
        if device is None:
            device = self._guess_device()
        variable = Variable(
            initializer,
            shape=shape,
            dtype=dtype,
            trainable=trainable,
            name=name,
            regularizer=regularizers.get(regularizer),
            constraint=constraints.get(constraint),
            aggregation=aggregation,
            device=device,
        )
        variable._path = "/".join([*_CTX.scope[:-1], self.name, name]) if (
            _CTX.scope and _CTX.scope[-1] == self.name
        ) else f"{self.name}/{name}"
        key = name.replace(".", "_")
        unique = key
        suffix = 1
        while unique in self._parameters or (
            unique in self.__dict__
            and self.__dict__[unique] is not None
            and not isinstance(self.__dict__[unique], Variable)
        ) or unique in self._modules:
            unique = f"{key}_{suffix}"
            suffix += 1
        if self.__dict__.get(unique, 0) is None:
            del self.__dict__[unique]  # a `self.gamma = None` placeholder
        self.register_parameter(unique, variable)
        (self._trainable_variables if trainable else self._non_trainable_variables).append(
            variable
        )
        if not self._trainable:
            variable.trainable = False
        return variable

    def _guess_device(self):
        for p in self.parameters():
            return p.device
        return None

    def _tracked_layers(self) -> list[Layer]:
        """Direct sublayers, looking through torch containers (ModuleList, ...)."""
        layers: list[Layer] = []
        for module in self._modules.values():
            _collect_layers(module, layers)
        return layers

    @property
    def _layers(self) -> list[Layer]:
        return self._tracked_layers()

    def _flatten_layers(self, include_self: bool = True, recursive: bool = True):
        if include_self:
            yield self
        for layer in self._tracked_layers():
            yield layer
            if recursive:
                yield from layer._flatten_layers(include_self=False)

    @property
    def variables(self) -> list[torch.Tensor]:
        """All weights: own (trainable first, then non-trainable), then sublayers'."""
        seen: set[int] = set()
        result: list[torch.Tensor] = []

        def add(v):
            if id(v) not in seen:
                seen.add(id(v))
                result.append(v)

        for v in self._trainable_variables + self._non_trainable_variables:
            add(v)
        for p in self._parameters.values():
            if p is not None:
                add(p)  # raw nn.Parameters set by plain torch code
        for module in self._modules.values():
            for v in _module_variables(module):
                add(v)
        return result

    @property
    def weights(self) -> list[torch.Tensor]:
        return self.variables

    @property
    def trainable_weights(self) -> list[torch.Tensor]:
        if not self.trainable:
            return []
        return [v for v in self.weights if _is_trainable(v)]

    @property
    def non_trainable_weights(self) -> list[torch.Tensor]:
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not _is_trainable(v)]

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = bool(value)
        self._trainable = value
        for v in self._trainable_variables:
            v.trainable = value
        for p in self._parameters.values():
            if p is not None and not isinstance(p, Variable) and p.is_floating_point():
                p.requires_grad_(value)
        for module in self._modules.values():
            _set_trainable(module, value)

    def count_params(self) -> int:
        """Total number of scalars in the layer's weights."""
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the "
                "layer isn't built. You can build it manually via: "
                f"`{self.name}.build(batch_input_shape)`."
            )
        return int(sum(v.numel() for v in self.weights))

    def get_weights(self) -> list[np.ndarray]:
        """The weights as numpy arrays, in `layer.weights` order."""
        return [v.detach().cpu().numpy() for v in self.weights]

    def set_weights(self, weights) -> None:
        """Set the weights from a list of arrays in `layer.weights` order."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f"Layer '{self.name}' expected {len(own)} weights, but received "
                f"{len(weights)} weights: "
                f"expected {[getattr(v, 'path', 'param') for v in own]}."
            )
        values = []
        for variable, value in zip(own, weights):
            value = np.asarray(value)
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(
                    f"Layer '{self.name}' weight shape mismatch for variable "
                    f"'{getattr(variable, 'path', 'param')}': expected "
                    f"{tuple(variable.shape)}, received {tuple(value.shape)}."
                )
            values.append(value)
        with torch.no_grad():
            for variable, value in zip(own, values):
                variable.copy_(torch.as_tensor(value, dtype=variable.dtype))

    # --- losses -------------------------------------------------------------------

    def add_loss(self, loss) -> None:
        """Add a scalar loss tensor (e.g. an activity penalty) to `layer.losses`."""
        if not isinstance(loss, torch.Tensor):
            loss = torch.as_tensor(loss, dtype=torch.float32)
        if not self._losses:
            _CTX.loss_layers.append(self)
        self._losses.append(loss)

    def _get_own_losses(self) -> list[torch.Tensor]:
        return list(self._losses)

    @property
    def losses(self) -> list[torch.Tensor]:
        """Losses from `add_loss` in the last call, plus weight regularization penalties."""
        losses = []
        for layer in self._flatten_layers():
            losses.extend(layer._get_own_losses())
        for v in self.trainable_weights:
            regularizer = getattr(v, "regularizer", None)
            if regularizer is not None:
                losses.append(regularizer(v))
        return losses

    # --- config, shapes, dtype -----------------------------------------------------

    def get_config(self) -> dict:
        """The constructor arguments that recreate this layer (without weights)."""
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": self._dtype_policy.name,
        }
        if type(self).get_config is Layer.get_config and type(self) is not Layer:
            kwargs = self._constructor_kwargs()
            for k, v in kwargs.items():
                if not _is_serializable(v):
                    raise NotImplementedError(
                        f"Layer {type(self).__name__} has an argument `{k}` that "
                        "cannot be serialized automatically. Implement `get_config()`."
                    )
            config.update(kwargs)
        return config

    def _constructor_kwargs(self) -> dict:
        """The arguments this object was constructed with, positional ones named."""
        args, kwargs = self.__dict__.get("_init_args", ((), {}))
        if args:
            params = list(inspect.signature(type(self).__init__).parameters)[1:]
            kwargs = {**dict(zip(params, args)), **kwargs}
        return kwargs

    @classmethod
    def from_config(cls, config: dict):
        """Create a layer from `get_config()`'s output."""
        config = dict(config)
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(
                f"Error when deserializing class '{cls.__name__}' using "
                f"config={config}.\n\nException encountered: {e}"
            ) from e

    @property
    def dtype_policy(self) -> dtype_policies.DTypePolicy:
        return self._dtype_policy

    @property
    def dtype(self) -> str:
        """The dtype of the layer's variables, e.g. `"float32"`."""
        return self._dtype_policy.variable_dtype

    @property
    def variable_dtype(self) -> str:
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        return self._dtype_policy.compute_dtype

    @property
    def input_shape(self):
        if getattr(self, "_input_shape", None) is None:
            raise AttributeError(
                f"The layer '{self.name}' has never been called and thus has no "
                "defined input shape."
            )
        return self._input_shape

    @property
    def output_shape(self):
        if self._output_shape is None:
            raise AttributeError(
                f"The layer '{self.name}' has never been called and thus has no "
                "defined output shape."
            )
        return self._output_shape

    @property
    def input(self):
        """The symbolic input of this layer's first call on symbolic tensors."""
        node = _first_node(self)
        args, kwargs = node.call_args, node.call_kwargs
        return args[0] if args else kwargs.get(self._first_arg)

    @property
    def output(self):
        """The symbolic output of this layer's first call on symbolic tensors."""
        return _first_node(self).outputs

    def extra_repr(self) -> str:
        return f"name={self.name!r}, built={self.built}"

    def __repr__(self) -> str:
        if not self._modules:
            return f"<{type(self).__name__} name={self.name}, built={self.built}>"
        return super().__repr__()


# --- helpers ------------------------------------------------------------------------


def _wrap_build(build):
    @functools.wraps(build)
    def wrapped(self, *args, **kwargs):
        if args and isinstance(args[0], (list, tuple)) and args[0] and all(
            isinstance(d, (int, type(None))) for d in args[0]
        ):
            args = (tuple(args[0]), *args[1:])
        # A sublayer built directly from its parent's `build` still gets the
        # parent's name in its variable paths ("mha/query/kernel").
        pushed = not _CTX.scope or _CTX.scope[-1] != self.name
        if pushed:
            _CTX.scope.append(self.name)
        try:
            result = build(self, *args, **kwargs)
        finally:
            if pushed:
                _CTX.scope.pop()
        self.built = True
        self._build_shapes = args[0] if args else kwargs
        return result

    return wrapped


_BUILD_DEVICE: list = []


class _device_scope:
    """Weights created by `add_weight` inside go to `device` (the input's)."""

    def __init__(self, device):
        self.device = device

    def __enter__(self):
        _BUILD_DEVICE.append(self.device)

    def __exit__(self, *exc):
        _BUILD_DEVICE.pop()


def _current_build_device():
    return _BUILD_DEVICE[-1] if _BUILD_DEVICE else None


def _shape_of(x):
    if x is None:
        return None
    if isinstance(x, (torch.Tensor, KerasTensor, np.ndarray)):
        return tuple(x.shape)
    if isinstance(x, (list, tuple, dict)):
        return tree.map_structure(lambda t: tuple(t.shape) if hasattr(t, "shape") else t, x)
    return None


def _shape_to_keras_tensor(shape):
    if isinstance(shape, (list, tuple)) and all(
        isinstance(d, (int, type(None))) for d in shape
    ):
        return KerasTensor(shape)
    if isinstance(shape, dict):
        return {k: _shape_to_keras_tensor(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)):
        return [_shape_to_keras_tensor(s) for s in shape]
    return shape


def _shapes_by_build_name(layer: Layer, args, kwargs) -> dict:
    """`{"query_shape": ..., "value_shape": ...}` for `build(query_shape, value_shape)`."""
    bound = _bind_call_args(layer, args, kwargs)
    shapes = {}
    for build_name in layer._build_arg_names:
        arg = bound.get(build_name[: -len("_shape")]) if build_name.endswith("_shape") else None
        shapes[build_name] = _shape_of(arg)
    return shapes


def _bind_call_args(layer: Layer, args, kwargs) -> dict:
    sig = inspect.signature(type(layer).call)
    try:
        bound = sig.bind(layer, *args, **kwargs)
    except TypeError:
        return {}
    return dict(bound.arguments)


def _get_mask(inputs):
    if isinstance(inputs, torch.Tensor):
        return getattr(inputs, "_keras_mask", None)
    if isinstance(inputs, (list, tuple)):
        masks = [getattr(x, "_keras_mask", None) for x in inputs]
        return None if all(m is None for m in masks) else masks
    return None


def _set_mask(outputs, mask) -> None:
    if isinstance(outputs, torch.Tensor):
        try:
            outputs._keras_mask = mask
        except (AttributeError, RuntimeError):
            pass
    elif isinstance(outputs, (list, tuple)):
        masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(outputs)
        for out, m in zip(outputs, masks):
            _set_mask(out, m)


def _device_type(inputs) -> str:
    for leaf in tree.flatten(inputs):
        if isinstance(leaf, torch.Tensor):
            return leaf.device.type
    return "cpu"


def _collect_layers(module: nn.Module, out: list) -> None:
    if isinstance(module, Layer):
        out.append(module)
    elif isinstance(module, (nn.ModuleList, nn.ModuleDict, nn.Sequential)):
        for child in module._modules.values():
            if child is not None:
                _collect_layers(child, out)


def _module_variables(module: nn.Module) -> list:
    if isinstance(module, Layer):
        return module.variables
    if isinstance(module, (nn.ModuleList, nn.ModuleDict, nn.Sequential)):
        result = []
        for child in module._modules.values():
            if child is not None:
                result.extend(_module_variables(child))
        return result
    return list(module.parameters())


def _set_trainable(module: nn.Module, value: bool) -> None:
    if isinstance(module, Layer):
        module.trainable = value
    elif isinstance(module, (nn.ModuleList, nn.ModuleDict, nn.Sequential)):
        for child in module._modules.values():
            if child is not None:
                _set_trainable(child, value)
    else:
        for p in module.parameters():
            if p.is_floating_point():
                p.requires_grad_(value)


def _is_trainable(v) -> bool:
    if isinstance(v, Variable):
        return v.trainable
    return v.requires_grad


def _is_serializable(v) -> bool:
    if v is None or isinstance(v, (bool, int, float, str)):
        return True
    if isinstance(v, (list, tuple)):
        return all(_is_serializable(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _is_serializable(x) for k, x in v.items())
    return False


def _first_node(layer: Layer):
    nodes = layer.__dict__.get("_inbound_nodes")
    if nodes:
        return nodes[0]
    raise AttributeError(
        f"Layer '{layer.name}' is not connected: it was not called on "
        "`kerastorch.Input` tensors, so it has no symbolic input."
    )

