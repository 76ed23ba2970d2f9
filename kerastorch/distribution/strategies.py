"""How a model is spread over the processes of a torchrun job: `DataParallel` or `FSDP`.

    import kerastorch as keras

    # Nothing to write: under torchrun, fit/evaluate/predict use DataParallel.
    # To choose, or to pass options:
    keras.distribution.set_distribution(keras.distribution.FSDP())

The user's model object is never replaced: DDP wraps it for the duration of
a training step (`model.layers`, saving and `predict` keep working), and
FSDP shards its parameters in place.
"""

from __future__ import annotations

import torch
from torch import nn

from kerastorch.distribution import runtime

_BACKENDS = (None, "nccl", "gloo", "mpi", "ucc", "xccl")


class Distribution:
    """The base class: the process group settings every strategy shares.

    Args:
        backend: the torch.distributed backend. Defaults to `None` (nccl
            with CUDA, else gloo).
        timeout_seconds: collective timeout. Defaults to torch's default.
    """

    def __init__(self, backend: str | None = None, timeout_seconds: float | None = None):
        if backend not in _BACKENDS:
            raise ValueError(
                f"Unknown torch.distributed backend {backend!r}. Expected one of "
                f"{[b for b in _BACKENDS if b]} (or None for nccl on CUDA, gloo on CPU)."
            )
        if timeout_seconds is not None and not timeout_seconds > 0:
            raise ValueError(f"`timeout_seconds` must be positive. Received: timeout_seconds={timeout_seconds}")
        self.backend = backend
        self.timeout_seconds = timeout_seconds

    def prepare(self, model: nn.Module, device: torch.device) -> None:
        """Make `model` ready for a distributed step (called once it is built)."""
        raise NotImplementedError

    def training_module(self, model: nn.Module) -> nn.Module | None:
        """The module a training forward pass must go through, if not the model itself."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(backend={self.backend!r})"


class DataParallel(Distribution):
    """Data parallelism with `torch.nn.parallel.DistributedDataParallel`.

    Every process holds the whole model and trains on its shard of each
    global batch; DDP averages the gradients during `backward()` in buckets,
    overlapped with the computation. The default under torchrun.

    Args:
        find_unused_parameters: let DDP handle parameters that get no
            gradient in a step (a branch not taken). Costs a graph walk per
            step. Defaults to `False`.
        gradient_as_bucket_view: gradients are views into DDP's buckets
            (saves memory and a copy). Defaults to `True`.
        backend, timeout_seconds: see `Distribution`.

    Example:

    >>> keras.distribution.set_distribution(keras.distribution.DataParallel())
    """

    def __init__(
        self,
        find_unused_parameters: bool = False,
        gradient_as_bucket_view: bool = True,
        backend: str | None = None,
        timeout_seconds: float | None = None,
    ):
        super().__init__(backend=backend, timeout_seconds=timeout_seconds)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.gradient_as_bucket_view = bool(gradient_as_bucket_view)

    def prepare(self, model: nn.Module, device: torch.device) -> None:
        from torch.nn.parallel import DistributedDataParallel

        trainable = tuple(id(p) for p in model.parameters() if p.requires_grad)
        if model.__dict__.get("_ddp_key") == trainable:
            return  # wrapped already, with the same trainable weights
        # Stored outside nn.Module's registry: the model must not own its wrapper.
        model.__dict__["_ddp"] = DistributedDataParallel(
            model,
            device_ids=[device.index] if device.type == "cuda" else None,
            find_unused_parameters=self.find_unused_parameters,
            gradient_as_bucket_view=self.gradient_as_bucket_view,
        )
        model.__dict__["_ddp_key"] = trainable

    def training_module(self, model: nn.Module) -> nn.Module | None:
        return model.__dict__.get("_ddp")


class FSDP(Distribution):
    """Fully sharded data parallelism with torch's `fully_shard` (FSDP2).

    Each top-level layer that holds weights, then the model, is sharded:
    every process keeps 1/W of each weight and of the optimizer state, and
    gathers a layer's full weights just for its forward and backward. For
    models whose weights and optimizer state do not fit one device.
    `save()`/`save_weights()` gather the full weights on rank 0.

    Limitations: weights become `DTensor`s, so their Keras attributes
    (`path`, `assign`) are not available during FSDP training; in-place
    state updates in the forward pass (BatchNormalization's moving
    statistics) are not kept, so a model with BatchNormalization is refused.

    Args:
        reshard_after_forward: free the gathered weights after each layer's
            forward (less memory, one more all-gather in backward).
            Defaults to `True`.
        backend, timeout_seconds: see `Distribution`.
    """

    def __init__(
        self,
        reshard_after_forward: bool = True,
        backend: str | None = None,
        timeout_seconds: float | None = None,
    ):
        super().__init__(backend=backend, timeout_seconds=timeout_seconds)
        self.reshard_after_forward = bool(reshard_after_forward)

    def prepare(self, model: nn.Module, device: torch.device) -> None:
        from torch.distributed.fsdp import fully_shard

        if model.__dict__.get("_fsdp_sharded"):
            return
        from kerastorch.layers.normalization.batch_normalization import (
            BatchNormalization,
        )

        for module in model.modules():
            if isinstance(module, BatchNormalization):
                raise ValueError(
                    f"FSDP cannot keep the moving statistics of layer '{module.name}' "
                    "(BatchNormalization updates them in place during the forward "
                    "pass, which FSDP does not write back). Use DataParallel."
                )
        owners = _variable_owners(model)
        model.to(device)
        units = getattr(model, "layers", None) or list(model.children())
        for child in units:
            if any(True for _ in child.parameters()):
                fully_shard(child, reshard_after_forward=self.reshard_after_forward)
        fully_shard(model, reshard_after_forward=self.reshard_after_forward)
        _refresh_variable_lists(owners)
        model.__dict__["_fsdp_sharded"] = True


def _variable_owners(model: nn.Module) -> list:
    """`(layer, list name, index, parameter name)` for each tracked Keras variable."""
    owners = []
    for layer in model.modules():
        names = {id(p): name for name, p in layer._parameters.items() if p is not None}
        for list_name in ("_trainable_variables", "_non_trainable_variables"):
            for i, v in enumerate(layer.__dict__.get(list_name, ())):
                if id(v) in names:
                    owners.append((layer, list_name, i, names[id(v)]))
    return owners


def _refresh_variable_lists(owners: list) -> None:
    """After `fully_shard` replaced the parameters, point the layers' lists at the new ones."""
    for layer, list_name, i, name in owners:
        layer.__dict__[list_name][i] = layer._parameters[name]


_DISTRIBUTION: Distribution | None = None


def set_distribution(value: Distribution | None) -> None:
    """Choose how `fit`/`evaluate`/`predict` distribute under torchrun (`None`: the default).

    Args:
        value: a `DataParallel` or `FSDP` instance, or `None` to go back to
            the default (DataParallel when launched by torchrun).
    """
    global _DISTRIBUTION
    if value is not None and not isinstance(value, Distribution):
        raise TypeError(
            "`set_distribution` expects a `kerastorch.distribution.DataParallel` "
            f"or `FSDP` instance, or None. Received: {value!r}"
        )
    _DISTRIBUTION = value


def distribution_was_set() -> bool:
    """True when `set_distribution` chose a strategy (then it applies even to one process)."""
    return _DISTRIBUTION is not None


def distribution() -> Distribution | None:
    """The distribution in effect: the one set, else `DataParallel()` under torchrun, else None."""
    if _DISTRIBUTION is not None:
        return _DISTRIBUTION
    if runtime.launched_by_torchrun() or runtime.is_initialized():
        return DataParallel()
    return None
