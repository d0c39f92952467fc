"""Training on several processes with ``torchrun``: which process this is, and what they share.

Taught in notebook 03 (``03_center_block.ipynb``), which trains on one process; the README's
"On a GPU" section runs the same trainer under ``torchrun``.

:class:`DistributedContext` reads ``WORLD_SIZE``, ``RANK`` and ``LOCAL_RANK``, starts the
process group (gloo on CPU, NCCL on GPU) and sums values across processes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as torch_dist

__all__ = ["DistributedContext"]


@dataclass
class DistributedContext:
    """Which process this is in a ``torchrun`` job (``world_size == 1`` when running alone).

    Attributes
    ----------
    world_size, rank, local_rank : int
        From the ``WORLD_SIZE``, ``RANK`` and ``LOCAL_RANK`` environment variables.
    initialized_here : bool
        Whether this context started the process group (and :meth:`close` should end it).
    """

    world_size: int = 1
    rank: int = 0
    local_rank: int = 0
    initialized_here: bool = False

    @property
    def enabled(self) -> bool:
        """Whether more than one process trains."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Whether this process writes files and shows progress (rank 0)."""
        return self.rank == 0

    @classmethod
    def from_env(cls, use_cuda: bool = False) -> "DistributedContext":
        """Read the ``torchrun`` environment and start the process group when needed.

        Parameters
        ----------
        use_cuda : bool
            Use the NCCL backend (GPU); gloo otherwise.
        """
        if torch_dist.is_available() and torch_dist.is_initialized():
            return cls(torch_dist.get_world_size(), torch_dist.get_rank(), int(os.environ.get("LOCAL_RANK", 0)))
        world_size = int(os.environ.get("WORLD_SIZE", "1") or 1)
        if world_size <= 1:
            return cls()
        rank = int(os.environ.get("RANK", "0"))
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        if not torch_dist.is_available():
            raise RuntimeError("WORLD_SIZE > 1 but this PyTorch build has no torch.distributed")
        torch_dist.init_process_group(backend="nccl" if use_cuda else "gloo")
        return cls(world_size, rank, local_rank, initialized_here=True)

    def all_reduce_sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """Sum ``tensor`` over all processes (in place) and return it."""
        if self.enabled:
            torch_dist.all_reduce(tensor, op=torch_dist.ReduceOp.SUM)
        return tensor

    def any(self, flag: bool, device: torch.device) -> bool:
        """Whether ``flag`` is true on any process."""
        if not self.enabled:
            return bool(flag)
        value = torch.tensor([1.0 if flag else 0.0], device=device)
        return bool(self.all_reduce_sum(value).item() > 0)

    def barrier(self) -> None:
        """Wait for every process."""
        if self.enabled:
            torch_dist.barrier()

    def close(self) -> None:
        """End the process group if this context started it."""
        if self.initialized_here and torch_dist.is_initialized():
            torch_dist.destroy_process_group()
            self.initialized_here = False
