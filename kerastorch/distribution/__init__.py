"""`kerastorch.distribution`: what a process knows about the torch.distributed job it is in.

Training under torchrun (DDP, FSDP) is not here yet; this holds the rank
check every writer of files shares, so only one process writes.
"""

from __future__ import annotations


def is_main_process() -> bool:
    """True unless this is a non-zero rank of an initialized torch.distributed job.

    Only the main process prints progress and writes TensorBoard events,
    checkpoints and backups.
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank() == 0
    return True
