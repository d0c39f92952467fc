"""Streaming data loaders: batches read from disk as they are needed.

Used by the trainer of notebook 03 (``03_center_block.ipynb``) and after; notebook 00 (``00_data.ipynb``) shows the datasets it reads.

Memory stays flat whatever the dataset size: a loader holds the file paths and a few batches in
flight, never the whole dataset as tensors (the course report's approach, which needed about
14 GB for 7,000 photos at 224 px).
"""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset

from .. import runtime


class EpochLoader(DataLoader):
    """A :class:`~torch.utils.data.DataLoader` that tells its dataset which epoch starts.

    Each ``iter(loader)`` calls ``dataset.set_epoch(epoch)`` (when the dataset has it) and then
    counts one more epoch, so random crops change from epoch to epoch yet a run can be repeated.
    """

    epoch: int = 0

    def __iter__(self):
        set_epoch(self.dataset, self.epoch)
        self.epoch += 1
        return super().__iter__()


def set_epoch(dataset: Dataset, epoch: int) -> None:
    """Tell ``dataset`` — through any :class:`~torch.utils.data.Subset` or amplification
    wrappers — which epoch starts, so its random crops change between epochs.

    Datasets without a ``set_epoch`` method are left alone.
    """
    seen = set()
    while dataset is not None and id(dataset) not in seen:
        seen.add(id(dataset))
        method = getattr(dataset, "set_epoch", None)
        if callable(method):
            method(epoch)
            return
        inner = getattr(dataset, "dataset", None)
        dataset = inner if inner is not None else getattr(dataset, "base", None)


def make_loader(
    dataset: Dataset,
    batch_size: int = 32,
    shuffle: bool = True,
    seed: int | torch.Generator | None = 0,
    num_workers: int = 0,
    drop_last: bool = False,
    pin_memory: bool | str = "auto",
    **options,
) -> EpochLoader:
    """Return a reproducible loader of batches ``(B, 3, H, W)``.

    Parameters
    ----------
    dataset : Dataset
        Any dataset of image tensors (e.g. ``split.train``).
    batch_size : int
        Images per batch.
    shuffle : bool
        Shuffle every epoch; the order depends only on ``seed`` and the epoch number.
    seed : int, torch.Generator or None
        Seeds the shuffling (and the workers' random state).
    num_workers : int
        Processes that read images in parallel (0: read in the main process).
    drop_last : bool
        Drop a last, smaller batch.
    pin_memory : bool or "auto"
        Pin batches in page-locked memory; ``"auto"`` does so when CUDA is available.
    **options
        Passed to :class:`~torch.utils.data.DataLoader` (e.g. ``prefetch_factor``).
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError(f"num_workers must be an int >= 0, got {num_workers!r}")
    if pin_memory == "auto":
        pin_memory = torch.cuda.is_available()
    return EpochLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        generator=runtime.make_generator(seed),
        num_workers=num_workers,
        drop_last=drop_last,
        pin_memory=bool(pin_memory),
        **options,
    )
