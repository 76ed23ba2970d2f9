"""`kerastorch.distribution`: the same script on one process or many, under torchrun.

    torchrun --standalone --nproc_per_node=4 train.py

`fit`/`evaluate`/`predict` notice torchrun's environment, create the
process group (nccl with CUDA, gloo on CPU), put each process on
`cuda:LOCAL_RANK`, and train with DistributedDataParallel by default
(`set_distribution(FSDP())` shards instead). `batch_size` stays global:
each of W processes trains on B / W samples of every batch. Epoch logs are
all-reduced, so callbacks decide alike on every rank; only rank 0 prints
and writes files. See `strategies`, `data_sharding` and `trainer_support`.
"""

from __future__ import annotations

from kerastorch.distribution.runtime import barrier
from kerastorch.distribution.runtime import device
from kerastorch.distribution.runtime import initialize
from kerastorch.distribution.runtime import is_main_process
from kerastorch.distribution.runtime import launched_by_torchrun
from kerastorch.distribution.runtime import local_rank
from kerastorch.distribution.runtime import rank
from kerastorch.distribution.runtime import world_size
from kerastorch.distribution.strategies import FSDP
from kerastorch.distribution.strategies import DataParallel
from kerastorch.distribution.strategies import Distribution
from kerastorch.distribution.strategies import distribution
from kerastorch.distribution.strategies import set_distribution

__all__ = [
    "DataParallel",
    "Distribution",
    "FSDP",
    "barrier",
    "device",
    "distribution",
    "initialize",
    "is_main_process",
    "launched_by_torchrun",
    "local_rank",
    "rank",
    "set_distribution",
    "world_size",
]
