"""`CompiledFunction`: a function run through `torch.compile`, the way `jit_compile` wants it.

What `compile(jit_compile=True)` needs around `torch.compile`:

- The first call runs eagerly. It builds what is built lazily (metric
  states, torch's optimizer state), so the compiled graph sees finished
  objects and never traces their creation.
- One compile per function. Later calls whose tensor shapes or dtypes differ
  from the first call's (the epoch's last, partial batch) run eagerly, so
  they never trigger a recompile. Pass `dynamic=True` in the options to send
  every call to the compiled function instead (dynamic shapes).
- If compiling fails, the call is retried eagerly, one `KerasTorchWarning`
  names the cause, and every later call runs eagerly. An error the eager
  call raises too is the caller's error and propagates as it is.
- Module-level globals the step reads (the modules, functions and
  classes its code calls; global variables) are read once, when the step
  is traced, as in Keras's compiled steps; a new value needs `compile()`
  again. Dynamo would otherwise check a hundred of them on every call,
  about 25 us a step on the CPU, a quarter of a small model's compiled
  forward. Everything else keeps its guards: tensors (shape, dtype,
  device, `requires_grad`), the attributes of layers and models, grad and
  autocast mode, torch's global module hooks. `keras_guard_filter`
  decides; `{"options": {"guard_filter_fn": fn}}` replaces it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from collections.abc import Mapping

import torch

from kerastorch.utils import tree
from kerastorch.utils.warnings import KerasTorchWarning

_COMPILE_OPTIONS = ("fullgraph", "dynamic", "backend", "mode", "options", "disable")


def compile_options(jit_compile) -> dict:
    """The `torch.compile` keyword arguments for a `jit_compile` value (`True` or a dict)."""
    if not isinstance(jit_compile, Mapping):
        return {"dynamic": False}
    unknown = sorted(set(jit_compile) - set(_COMPILE_OPTIONS))
    if unknown:
        raise ValueError(
            f"Unknown `jit_compile` option(s) {unknown}: the dict is passed to "
            f"`torch.compile`, which takes {list(_COMPILE_OPTIONS)}. "
            f"Received: jit_compile={dict(jit_compile)}"
        )
    options = dict(jit_compile)
    options.setdefault("dynamic", False)
    return options


def keras_guard_filter(entries) -> list[bool]:
    """Which dynamo guards a compiled step keeps (a `guard_filter_fn`).

    All but those on module-level globals: the identity of every module,
    function, class and builtin the step's code reaches (`torch`,
    `F.relu`, `Layer.__call__`, ...) and the values of global variables.
    Those are read once, when the step is traced, as Keras's compiled steps
    read them. Kept even when found through a global: tensors, layers and
    models (a feature network held in a global), torch's global module
    hooks.
    """
    return [
        not entry.is_global
        or entry.guard_type in _TENSOR_GUARDS
        or _on_module(entry)
        or ("_global_" in entry.name and "hooks" in entry.name)
        for entry in entries
    ]


# Guards that check tensors: kept wherever the tensor was found.
_TENSOR_GUARDS = frozenset({"TENSOR_MATCH", "DUPLICATE_INPUT", "NO_TENSOR_ALIASING"})


def _on_module(entry) -> bool:
    """True for a guard on a module or its attributes (a model held in a global)."""
    source = getattr(getattr(entry, "orig_guard", None), "source", None)
    return source is not None and (
        source.is_unspecialized_nn_module() or source.is_specialized_nn_module()
    )


def torch_compile_kwargs(options: dict) -> dict:
    """`options` for `torch.compile`, with `keras_guard_filter` unless one is given.

    `torch.compile` takes `mode` or `options`, not both, so an inductor
    `mode` is passed as the options it stands for.
    """
    kwargs = dict(options)
    inner = dict(kwargs.get("options") or {})
    if kwargs.get("options") is not None:
        kwargs["options"] = inner  # a copy each time: torch.compile pops from it
    if "guard_filter_fn" in inner or not _has_guard_filters():
        return kwargs
    mode = kwargs.pop("mode", None)
    if mode not in (None, "default"):
        if kwargs.get("backend", "inductor") != "inductor":
            kwargs["mode"] = mode  # another backend reads `mode` itself
            return kwargs
        import torch._inductor

        inner = {**torch._inductor.list_mode_options(mode, kwargs.get("dynamic")), **inner}
    inner["guard_filter_fn"] = keras_guard_filter
    kwargs["options"] = inner
    return kwargs


def _has_guard_filters() -> bool:
    """True when this torch takes a `guard_filter_fn` that sees which guards are global."""
    import torch._dynamo

    entry = getattr(torch._dynamo.types, "GuardFilterEntry", None)
    return "is_global" in getattr(entry, "__annotations__", {})


def signature(args) -> tuple:
    """Shapes and dtypes of the tensors in `args` (other leaves by type)."""
    flat = []
    for arg in args:  # the common case, `(x, y, sample_weight)`, without a tree walk
        if isinstance(arg, torch.Tensor):
            flat.append((arg.shape, arg.dtype, arg.device))
        elif arg is None:
            flat.append(None)
        else:
            return _nested_signature(args)
    return tuple(flat)


def _nested_signature(args) -> tuple:
    return tuple(
        (tuple(leaf.shape), leaf.dtype, leaf.device)
        if isinstance(leaf, torch.Tensor)
        else type(leaf)
        for leaf in tree.flatten(args)
    )


class CompiledFunction:
    """`fn` under `torch.compile` after one eager call; see the module docstring.

    Args:
        fn: the function to compile.
        options: `torch.compile` keyword arguments (see `compile_options`).
        what: what `fn` is, for the fallback warning (e.g. `"train step"`).
        before_compiled: called before every compiled call (e.g. to keep
            the optimizer's learning rates in tensors). Defaults to `None`.
        on_fallback: called once when compilation failed and `fn` turns
            eager for good. Defaults to `None`.
    """

    def __init__(
        self,
        fn: Callable,
        options: dict,
        what: str,
        before_compiled: Callable[[], None] | None = None,
        on_fallback: Callable[[], None] | None = None,
    ):
        self.fn = fn
        self.what = what
        self._options = dict(options)
        self._check_shapes = self._options.get("dynamic") is not True
        self._before = before_compiled
        self._on_fallback = on_fallback
        self._compiled = None
        self._signature = None
        self._warm = False
        self.failed = False
        self.eager_calls = 0  # calls sent to `fn` after the warm-up (shape mismatch)

    def __call__(self, *args):
        if self.failed:
            return self.fn(*args)
        if not self._warm:
            out = self.fn(*args)
            self._warm = True
            if self._check_shapes:
                self._signature = signature(args)
            return out
        if self._check_shapes and signature(args) != self._signature:
            self.eager_calls += 1
            return self.fn(*args)
        if self._compiled is None:
            self._compiled = torch.compile(self.fn, **torch_compile_kwargs(self._options))
        if self._before is not None:
            self._before()
        try:
            return self._compiled(*args)
        except Exception as compile_error:  # noqa: BLE001 - decided below
            return self._fall_back(args, compile_error)

    def _fall_back(self, args, compile_error: Exception):
        """Run eagerly; if that works, the compiler was at fault: warn, stay eager."""
        self.failed = True
        if self._on_fallback is not None:
            self._on_fallback()
        try:
            out = self.fn(*args)
        except Exception:
            self.failed = False  # the caller's error, not the compiler's
            raise
        cause = f"{type(compile_error).__name__}: {str(compile_error).strip().splitlines()[0] if str(compile_error).strip() else ''}"
        warnings.warn(
            f"torch.compile failed on the {self.what} ({cause}); continuing in "
            "eager mode. Pass `jit_compile=False` (or `run_eagerly=True`) to "
            "skip compiling.",
            KerasTorchWarning,
            stacklevel=3,
        )
        return out
