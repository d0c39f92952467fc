"""How :func:`inpaintlib.evaluation.evaluate` scores: the same holes, the images read strictly, the records.

Taught in notebook 08 (``08_evaluation.ipynb``); notebooks 04 to 07 draw the evaluation's masks with
:func:`evaluation_mask` to show the holes they score.

The mask for image ``i`` and kind ``k`` is drawn from a generator seeded with :func:`mask_seed`
``(seed, i, k)``, so it depends neither on the batch size nor on the method list. The private
helpers check :func:`~inpaintlib.evaluation.evaluate`'s settings, turn the ways it accepts methods
and images into one form, batch images of one size together and collect the per-image scores;
the inpainting explorer (:mod:`inpaintlib.widgets`) and the galleries
(:mod:`inpaintlib.evaluation_viz`) read images through the same helpers.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F

from inpaintlib.baselines import Inpainter, as_inpainter
from inpaintlib.data.images import ImageFolderDataset, UnreadableImageError
from inpaintlib.masks import KINDS, MaskSampler
from inpaintlib.metrics import image_metrics
from inpaintlib.runtime import make_generator

__all__ = ["evaluation_mask", "mask_seed"]


def mask_seed(seed: int, index: int, kind: str) -> int:
    """Return the seed of the mask for image ``index`` and mask kind ``kind`` in an evaluation seeded ``seed``.

    It is a 63-bit hash (BLAKE2b) of ``"seed/index/kind"``: stable across
    Python sessions and machines, and different for every image and kind.
    """
    digest = hashlib.blake2b(f"{int(seed)}/{int(index)}/{kind}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & (2**63 - 1)


_SAMPLERS: dict = {}


def evaluation_mask(
    kind: str, index: int, size: int | tuple[int, int], seed: int = 0, mask_options: Mapping | None = None
) -> torch.Tensor:
    """Return the fixed ``(H, W)`` float mask :func:`~inpaintlib.evaluation.evaluate` uses for image ``index``, ``kind``.

    Parameters
    ----------
    kind : str
        ``"center"``, ``"blocks"`` or ``"free_form"``.
    index : int
        The image's index in the dataset.
    size : int or (int, int)
        Image size.
    seed : int
        The evaluation's seed.
    mask_options : dict, optional
        Options per kind for :class:`~inpaintlib.masks.MaskSampler`, e.g. ``{"center": {"hole": 48}}``.
    """

    options = {name: dict(value) for name, value in (mask_options or {}).items()}
    key = (kind, size if isinstance(size, int) else tuple(size), json.dumps(options, sort_keys=True, default=str))
    sampler = _SAMPLERS.get(key)
    if sampler is None:
        sampler = _SAMPLERS[key] = MaskSampler(size, kinds=kind, seed=0, **options)
    generator = make_generator(mask_seed(seed, index, kind))
    return sampler.sample_kind(kind, 1, generator=generator)[0, 0]


def _methods_dict(methods) -> dict[str, Inpainter]:
    if isinstance(methods, (Inpainter, torch.nn.Module)):
        methods = [methods]
    if isinstance(methods, Mapping):
        items = [(str(name), as_inpainter(method, name=str(name))) for name, method in methods.items()]
    elif isinstance(methods, Sequence) and not isinstance(methods, str):
        items = [(inpainter.name, inpainter) for inpainter in map(as_inpainter, methods)]
    else:
        raise ValueError(f"methods must be a dict name -> Inpainter or a list of Inpainters, got {methods!r}")
    if not items:
        raise ValueError("methods is empty: give at least one method to evaluate")
    names = [name for name, _ in items]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"methods has duplicate names {duplicates}; pass a dict name -> method to rename them")
    return dict(items)


def _image_source(dataset):
    """Return (getter, count) for a tensor, a list of tensors, a Dataset or a DatasetSplit (its ``val`` part)."""
    if hasattr(dataset, "val") and hasattr(dataset, "train") and not isinstance(dataset, torch.Tensor):
        dataset = dataset.val
    if isinstance(dataset, torch.Tensor):
        if dataset.dim() == 3:
            dataset = dataset.unsqueeze(0)
        if dataset.dim() != 4:
            raise ValueError(f"dataset tensor must be shaped (N, 3, H, W), got {tuple(dataset.shape)}")
    try:
        count = len(dataset)
    except TypeError as error:
        raise ValueError(f"dataset must support len() and indexing, got {type(dataset).__name__}") from error
    read = _strict_reader(dataset)

    def get(index: int) -> torch.Tensor:
        item = read(index)
        if isinstance(item, (tuple, list)):
            item = item[0]
        image = torch.as_tensor(item)
        if image.dim() != 3 or image.shape[0] != 3 or not image.is_floating_point():
            raise ValueError(
                f"dataset item {index} must be a float (3, H, W) image in [0, 1], "
                f"got {image.dtype} {tuple(image.shape)}"
            )
        return image.float()

    return get, count


def _strict_reader(dataset):
    """Return ``index -> item`` that raises for an unreadable file instead of reading the next one.

    :class:`~inpaintlib.data.ImageFolderDataset` (alone or in a :class:`~torch.utils.data.Subset`)
    replaces an unreadable image by the next one, which suits training; an evaluation must score
    each image once, so it reads through :meth:`~inpaintlib.data.ImageFolderDataset.item`.
    """
    if isinstance(dataset, ImageFolderDataset):
        return dataset.item
    if isinstance(dataset, torch.utils.data.Subset) and isinstance(dataset.dataset, ImageFolderDataset):
        return lambda index: dataset.dataset.item(dataset.indices[index])
    return dataset.__getitem__


def _resize(image: torch.Tensor, size: int | None) -> torch.Tensor:
    if size is None or tuple(image.shape[-2:]) == (size, size):
        return image
    return F.interpolate(image[None], size=(size, size), mode="bilinear", align_corners=False, antialias=True)[0].clamp(
        0.0, 1.0
    )


def _mask_kinds(mask_kinds, seed, batch_size, limit, image_size) -> list[str]:
    """Check :func:`~inpaintlib.evaluation.evaluate`'s settings; return the mask kinds as a list."""
    kinds = [mask_kinds] if isinstance(mask_kinds, str) else list(mask_kinds)
    unknown = [kind for kind in kinds if kind not in KINDS]
    if not kinds or unknown:
        raise ValueError(f"mask_kinds must name kinds from {KINDS}, got {mask_kinds!r}")
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"mask_kinds repeats a kind: {mask_kinds!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if limit is not None and int(limit) < 1:
        raise ValueError(f"limit must be a positive integer or None, got {limit!r}")
    if image_size is not None and int(image_size) < 16:
        raise ValueError(f"image_size must be an integer of at least 16 pixels, got {image_size!r}")
    return kinds


def _kinds_per_method(inpainters: Mapping, kinds: list[str], method_kinds: Mapping | None) -> dict[str, list[str]]:
    """``name -> the mask kinds it runs on``: all of ``kinds``, or those ``method_kinds`` allows."""
    runs_on = {name: list(kinds) for name in inpainters}
    for name, allowed in (method_kinds or {}).items():
        if name not in inpainters:
            raise ValueError(f"method_kinds names {name!r}, which is not one of the methods {list(inpainters)}")
        allowed = [allowed] if isinstance(allowed, str) else list(allowed)
        unknown = [kind for kind in allowed if kind not in KINDS]
        if unknown:
            raise ValueError(f"method_kinds[{name!r}] names unknown mask kinds {unknown}; known kinds are {KINDS}")
        runs_on[name] = [kind for kind in kinds if kind in allowed]
    return runs_on


def _batches_by_shape(images: list[torch.Tensor], indices: list[int]):
    """Yield ``(shape, batch, indices)``, one batch per image shape, in the order the shapes first appear."""
    by_shape: dict[tuple, list[int]] = {}
    for position, image in enumerate(images):
        by_shape.setdefault(tuple(image.shape), []).append(position)
    for shape, positions in by_shape.items():
        yield shape, torch.stack([images[p] for p in positions]), [indices[p] for p in positions]


class _Scores:
    """What :func:`~inpaintlib.evaluation.evaluate` gathers as it runs.

    The per-image records, each method's seconds, images filled and NaN fills, and the
    unreadable images with their reasons.
    """

    def __init__(self, names) -> None:
        self.records: list[dict] = []
        self.seconds = {name: 0.0 for name in names}
        self.runs = {name: 0 for name in names}
        self.skipped: dict[int, str] = {}
        self.nonfinite = {name: 0 for name in names}

    def read(self, get_image, tried: list[int], image_size: int | None) -> tuple[list[torch.Tensor], list[int]]:
        """Read images ``tried`` at ``image_size``; an unreadable one is skipped (with its reason), never replaced."""
        images, indices = [], []
        for index in tried:
            try:
                images.append(_resize(get_image(index), image_size))
                indices.append(index)
            except UnreadableImageError as error:
                self.skipped[index] = str(error)
        return images, indices

    def score(self, name: str, inpainter, kind: str, batch, masks, batch_indices: list[int], shape) -> None:
        """Run one method on one batch and mask kind; record each image's metrics."""
        began = time.perf_counter()
        composed = inpainter(batch, masks)
        self.seconds[name] += time.perf_counter() - began
        self.nonfinite[name] += int((~torch.isfinite(composed).flatten(1).all(1)).sum())
        self.runs[name] += len(batch_indices)
        for index, measured in zip(batch_indices, image_metrics(composed, batch, masks)):
            self.records.append(
                {
                    "method": name,
                    "mask_kind": kind,
                    "index": index,
                    "height": shape[1],
                    "width": shape[2],
                    **measured,
                }
            )

    def warn(self, count: int) -> None:
        """Warn the caller of :func:`~inpaintlib.evaluation.evaluate` about unreadable images and NaN fills."""
        skipped, nonfinite = self.skipped, self.nonfinite
        if skipped:
            reasons = "; ".join(skipped[index] for index in sorted(skipped)[:5])
            more = f"; and {len(skipped) - 5} more" if len(skipped) > 5 else ""
            if count == len(skipped):
                raise ValueError(f"none of the {count} images can be read: {reasons}{more}")
            warnings.warn(
                f"skipped {len(skipped)} of {count} images that cannot be read (none was replaced by another "
                f"image): {reasons}{more}",
                stacklevel=3,
            )
        for name, bad in nonfinite.items():
            if bad:
                warnings.warn(
                    f"{name} returned NaN or infinite pixels for {bad} image and mask pair(s); their scores are "
                    "missing: check the model's checkpoint",
                    stacklevel=3,
                )
