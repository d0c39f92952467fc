"""A folder of images as a dataset: files read one at a time, bad files left out with one warning.

Taught in notebook 00 (``00_data.ipynb``); every notebook that trains or evaluates reads its
photos through an :class:`ImageFolderDataset` (see :func:`inpaintlib.data.load_dataset`).

Every image leaves the dataset as a float32 tensor ``(3, size, size)`` with values in ``[0, 1]``.
When the dataset is built, each file's header is read (and, for a JPEG or PNG whose end-of-file
marker is missing, the whole file is decoded); the files that fail are left out with ONE warning
that lists them. A file that still fails later, at load time, is skipped in favor of the next
image and recorded in ``dataset.bad_files`` (:meth:`ImageFolderDataset.item` raises instead).
"""

from __future__ import annotations

import operator
import os
import warnings
from pathlib import Path
from typing import Iterable, Sequence

import torch
from PIL import Image
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from ._seeding import as_int_seed, item_generator
from .images import (
    VERIFY_MODES,
    UnreadableImageError,
    UnreadableImageWarning,
    _check_size,
    check_image,
    list_images,
    pil_to_float,
    read_rgb,
    resize_and_crop,
)

__all__ = ["ImageFolderDataset", "stack_images"]


def _format_bad_files(bad: dict[Path, str], limit: int = 20) -> str:
    lines = [f"  {path}: {reason}" for path, reason in list(bad.items())[:limit]]
    if len(bad) > limit:
        lines.append(f"  ... and {len(bad) - limit} more (see dataset.bad_files)")
    return "\n".join(lines)


class ImageFolderDataset(Dataset):
    """Images read from disk one at a time, as float32 tensors ``(3, size, size)`` in ``[0, 1]``.

    Parameters
    ----------
    source : str, path-like or sequence of paths
        A folder (searched recursively, see :func:`list_images`) or an explicit list of files
        (repeats allowed, order kept).
    size : int
        Side of the square each image is cropped to.
    crop : {"center", "random"}
        ``"center"``: resize the shorter side to ``size`` and keep the middle (evaluation).
        ``"random"``: resize the shorter side to ``resize`` and take a random square (training),
        mirrored left-right with probability 1/2.
    resize : int, optional
        Shorter side before cropping. Defaults to ``size`` for center crops and to ``size * 8/7``
        (ImageNet's 256 -> 224 ratio) for random crops.
    seed : int or torch.Generator
        Random crops depend only on ``(seed, epoch, index)``: see :meth:`set_epoch`.
    verify : {"quick", "full", "none"}
        How files are checked when the dataset is built (see :func:`check_image`).
    recursive : bool
        Search nested folders when ``source`` is a folder.

    Attributes
    ----------
    paths : list of pathlib.Path
        The readable files, in order.
    bad_files : dict
        Unreadable files (path -> reason), found when the dataset was built or while loading.
    """

    def __init__(
        self,
        source: str | os.PathLike | Sequence[str | os.PathLike],
        size: int = 128,
        *,
        crop: str = "center",
        resize: int | None = None,
        seed: int | torch.Generator = 0,
        verify: str = "quick",
        recursive: bool = True,
    ) -> None:
        if crop == "random" and resize is None and isinstance(size, int):
            resize = max(size, round(size * 8 / 7))
        _check_size(size, crop, resize)
        if verify not in VERIFY_MODES:
            raise ValueError(f"verify must be one of {VERIFY_MODES}, got {verify!r}")
        if isinstance(source, (str, os.PathLike)):
            self.root: Path | None = Path(source).expanduser()
            paths = list_images(self.root, recursive=recursive)
        else:
            self.root = None
            paths = [Path(path) for path in source]
            if not paths:
                raise ValueError("source is an empty list of image paths")
        self.size = int(size)
        self.crop = crop
        self.resize = resize
        self.seed = as_int_seed(seed)
        self.epoch = 0
        self.bad_files: dict[Path, str] = {}
        self._warned_at_load = False
        self.paths = self._drop_unreadable(paths, verify)

    def _drop_unreadable(self, paths: list[Path], verify: str) -> list[Path]:
        if verify == "none":
            return paths
        unique = list(dict.fromkeys(paths))
        progress = tqdm(unique, desc="checking images", unit="file", leave=False, disable=len(unique) < 2000)
        bad = {path: reason for path in progress if (reason := check_image(path, verify)) is not None}
        if not bad:
            return paths
        self.bad_files.update(bad)
        kept = [path for path in paths if path not in bad]
        where = f" in '{self.root}'" if self.root else ""
        if not kept:
            raise ValueError(f"none of the {len(unique)} image files{where} can be read:\n{_format_bad_files(bad)}")
        warnings.warn(
            f"skipping {len(bad)} unreadable image file(s){where}:\n{_format_bad_files(bad)}",
            UnreadableImageWarning,
            stacklevel=3,
        )
        return kept

    def __len__(self) -> int:
        return len(self.paths)

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch, so random crops differ between epochs yet stay reproducible.

        :func:`inpaintlib.data.make_loader` calls this at the start of every pass.
        """
        self.epoch = int(epoch)

    def __getitem__(self, index: int) -> torch.Tensor:
        count = len(self.paths)
        index = self._position(index)
        for attempt in range(count):
            position = (index + attempt) % count
            path = self.paths[position]
            if path in self.bad_files:
                continue
            try:
                image = read_rgb(path, min_size=self.resize or self.size)
            except Exception as error:  # one bad file must not end the epoch
                self._mark_bad(path, error)
                continue
            return self._finish(image, index)
        raise RuntimeError(f"none of the {count} images can be read:\n{_format_bad_files(self.bad_files)}")

    def item(self, index: int) -> torch.Tensor:
        """Return image ``index`` like ``dataset[index]``, but never another image in its place.

        Raises
        ------
        UnreadableImageError
            If that file cannot be decoded (it is also recorded in :attr:`bad_files`).
        """
        index = self._position(index)
        path = self.paths[index]
        if path in self.bad_files:
            raise UnreadableImageError(f"{path}: {self.bad_files[path]}")
        try:
            image = read_rgb(path, min_size=self.resize or self.size)
        except Exception as error:
            self.bad_files[path] = f"{type(error).__name__}: {error}"
            raise UnreadableImageError(f"{path}: {self.bad_files[path]}") from error
        return self._finish(image, index)

    def _position(self, index: int) -> int:
        count = len(self.paths)
        index = operator.index(index)
        if not -count <= index < count:
            raise IndexError(f"index {index} is out of range for {count} images")
        return index % count

    def _finish(self, image: Image.Image, index: int) -> torch.Tensor:
        generator = item_generator(self.seed, self.epoch, index) if self.crop == "random" else None
        image = resize_and_crop(image, self.size, crop=self.crop, resize=self.resize, generator=generator)
        tensor = pil_to_float(image)
        if generator is not None and torch.rand((), generator=generator) < 0.5:
            tensor = tensor.flip(-1)
        return tensor

    def _mark_bad(self, path: Path, error: Exception) -> None:
        self.bad_files[path] = f"{type(error).__name__}: {error}"
        if not self._warned_at_load:
            self._warned_at_load = True
            warnings.warn(
                f"skipping unreadable image '{path}' ({self.bad_files[path]}); further unreadable "
                "files are skipped without a warning and listed in dataset.bad_files",
                UnreadableImageWarning,
                stacklevel=3,
            )

    def __repr__(self) -> str:
        where = f"root='{self.root}', " if self.root else ""
        return f"{type(self).__name__}({where}{len(self)} images, size={self.size}, crop={self.crop!r})"


def stack_images(dataset: Dataset, indices: Iterable[int]) -> torch.Tensor:
    """Return ``dataset[i]`` for each index as one tensor ``(N, 3, H, W)``."""
    return torch.stack([dataset[int(i)] for i in indices])
