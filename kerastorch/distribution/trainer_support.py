"""What `fit`/`evaluate`/`predict` do differently when the process is one of several.

`setup(model)` returns None for a single process, so the trainer's common
path stays as it was; under torchrun it returns a `TrainerContext` that
shards the data, routes training forwards through DDP, makes epoch logs
global and gathers predictions.
"""

from __future__ import annotations

import contextlib
import math

import torch

from kerastorch.distribution import runtime
from kerastorch.distribution import strategies
from kerastorch.distribution.data_sharding import shard_adapter
from kerastorch.utils import tree


def setup(model) -> TrainerContext | None:
    """Initialise the process group if torchrun launched us; None when single-process."""
    strategy = strategies.distribution()
    if strategy is None:
        return None
    runtime.initialize(strategy.backend, strategy.timeout_seconds)
    if not runtime.is_initialized():
        return None  # set_distribution(...) in a plain `python` run: nothing to spread over
    if runtime.world_size() == 1 and not strategies.distribution_was_set():
        return None  # torchrun with one process: the plain path, no wrapper
    return TrainerContext(strategy)


class TrainerContext:
    def __init__(self, strategy):
        self.strategy = strategy
        self.rank = runtime.rank()
        self.world = runtime.world_size()
        self.device = runtime.device()
        self.is_main = self.rank == 0

    # --- model -------------------------------------------------------------------------

    def place(self, model) -> torch.device:
        """Move the model to this rank's device (its GPU under nccl); return the device."""
        for p in model.parameters():
            if p.device != self.device:
                model.to(self.device)
            break
        return self.device

    def prepare(self, model) -> None:
        """Wrap (DDP) or shard (FSDP) a built model."""
        self.strategy.prepare(model, self.device)

    @contextlib.contextmanager
    def training(self, model):
        """Route the model's training forwards through the strategy's module (DDP)."""
        model.__dict__["_distributed"] = self
        try:
            yield
        finally:
            model.__dict__.pop("_distributed", None)

    def training_module(self, model):
        return self.strategy.training_module(model)

    # --- data --------------------------------------------------------------------------

    def shard(self, adapter):
        return shard_adapter(adapter, self.rank, self.world)

    # --- logs --------------------------------------------------------------------------

    def global_metrics_result(self, model) -> dict:
        """The metrics' results over all ranks: states summed (one all-reduce per dtype)."""
        from kerastorch.callbacks.callback_list import to_python_logs

        variables = []
        for metric in model.metrics:
            if metric is model._compile_metrics and not metric.built:
                continue
            variables.extend(metric.variables)
        saved = [v.detach().clone() for v in variables]
        by_dtype: dict = {}
        for v in variables:
            by_dtype.setdefault(v.dtype, []).append(v)
        with torch.no_grad():
            for group in by_dtype.values():
                flat = runtime.all_reduce_sum(torch.cat([v.detach().reshape(-1) for v in group]))
                offset = 0
                for v in group:
                    v.copy_(flat[offset : offset + v.numel()].view_as(v))
                    offset += v.numel()
            try:
                return to_python_logs(model.get_metrics_result())
            finally:
                for v, value in zip(variables, saved):
                    v.copy_(value)

    def mean_logs(self, logs: dict) -> dict:
        """A custom step's own logs (not metrics): the mean over ranks of each number."""
        keys = sorted(k for k, v in logs.items() if isinstance(v, (int, float)))
        if not keys:
            return logs
        values = torch.tensor([float(logs[k]) for k in keys], dtype=torch.float64)
        values = runtime.all_reduce_sum(values) / self.world
        return {**logs, **{k: float(v) for k, v in zip(keys, values.tolist())}}

    # --- predict -----------------------------------------------------------------------

    def local_slice(self, num_samples: int) -> slice:
        """This rank's contiguous share of `num_samples` rows (for predict)."""
        per_rank = math.ceil(num_samples / self.world)
        start = min(self.rank * per_rank, num_samples)
        return slice(start, min(start + per_rank, num_samples))

    def gather(self, outputs):
        """Every rank's predictions, concatenated in rank order, on every rank."""
        import numpy as np
        import torch.distributed as dist

        gathered = [None] * self.world
        dist.all_gather_object(gathered, outputs)
        parts = [g for g in gathered if g is not None]
        if not parts:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs).")
        flat = [tree.flatten(p) for p in parts]
        merged = [np.concatenate([f[i] for f in flat]) for i in range(len(flat[0]))]
        return tree.pack_sequence_as(parts[0], merged)
