"""The data a training step sees: images from any dataset, fixed validation masks, seeds.

Taught in notebook 03 (``03_center_block.ipynb``): validation judges every image with the same hole in every
epoch and every run.

:func:`_mix` turns a run's seed and a few keys (``"shuffle"``, ``"masks"``, an epoch, a step) into
the seed of one random draw, so a run repeats exactly and a resume continues where it stopped.
"""

from __future__ import annotations

import hashlib
from typing import Mapping, Sequence

import torch
from torch.utils.data import Dataset, Sampler

__all__ = ["FixedMaskDataset"]


def _mix(*keys) -> int:
    """Return a 63-bit seed made from ``keys`` (stable across runs, machines and Python versions)."""
    digest = hashlib.blake2b(repr(tuple(int(k) if not isinstance(k, str) else k for k in keys)).encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "little") & (2**63 - 1)


class _IndexSampler(Sampler):
    """Yield a fixed list of dataset indices (one epoch's order, already split and skipped)."""

    def __init__(self, indices: Sequence[int]) -> None:
        self.indices = list(indices)

    def __iter__(self):
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)


def _image_of(item) -> torch.Tensor:
    """Return the image of a dataset item (a tensor, or the first entry of a tuple/list/dict)."""
    if isinstance(item, torch.Tensor):
        return item
    if isinstance(item, (tuple, list)) and item and isinstance(item[0], torch.Tensor):
        return item[0]
    if isinstance(item, Mapping) and isinstance(item.get("image"), torch.Tensor):
        return item["image"]
    raise ValueError(
        f"training data must yield (3, S, S) image tensors (or tuples starting with one), got {type(item).__name__}"
    )


def _collate_images(items) -> torch.Tensor:
    return torch.stack([_image_of(item) for item in items])


class FixedMaskDataset(Dataset):
    """Pair each image of ``dataset`` with its own fixed mask: index ``i`` always gets the same hole.

    The mask of image ``i`` is drawn from a generator seeded by ``(seed, i)``, so every epoch,
    every run and every number of processes judge the same holes, without keeping masks in memory.
    """

    def __init__(self, dataset: Dataset, mask_sampler, seed: int = 0) -> None:
        self.dataset = dataset
        self.mask_sampler = mask_sampler
        self.seed = int(seed)

    def __len__(self) -> int:
        return len(self.dataset)

    def mask(self, index: int) -> torch.Tensor:
        """Return the ``(1, H, W)`` mask of image ``index``."""
        generator = torch.Generator().manual_seed(_mix(self.seed, "validation", index))
        return self.mask_sampler.sample(1, generator=generator)[0]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return _image_of(self.dataset[index]), self.mask(index)
