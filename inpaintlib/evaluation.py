"""Evaluate inpainting methods on the same images and the same holes.

Taught in notebook 08 (``08_evaluation.ipynb``); notebooks 03 to 07 score their models with
:func:`evaluate`.

:func:`evaluate` runs every method (classical baselines and learned generators,
all :class:`~inpaintlib.baselines.Inpainter` objects) on every image of a
dataset with every mask kind, and records PSNR, SSIM and L1 inside the hole and
over the whole image for each (method, mask kind, image).

The masks are fixed: the mask for image ``i`` and kind ``k`` is drawn by
:meth:`inpaintlib.masks.MaskSampler.sample_kind` from a generator seeded with
:func:`mask_seed` ``(seed, i, k)``. So every method sees exactly the same holes,
the holes do not depend on the batch size, the method list or ``limit``, and
two runs with the same seed give identical records.

The :class:`EvaluationResult` (in :mod:`inpaintlib.evaluation_result`, importable from here
too) holds the per-image records and makes the tables (:meth:`EvaluationResult.table`, by
method, mask kind or hole-area bin), JSON (:meth:`EvaluationResult.to_json`) and gallery
picks (:meth:`EvaluationResult.best_and_worst`).

Comparing trained models (what notebook 08 does) takes two more modules, whose names are
importable from here too: :mod:`inpaintlib.trained_runs` (:func:`find_runs`,
:func:`held_out_images`, :func:`evaluate_by_size`) and :mod:`inpaintlib.reporting`
(:func:`mark_trained`, :func:`learned_vs_classical`, :func:`describe_comparison`: sentences that
stay true whatever the numbers are). The fixed masks and the parts of the scoring loop are in
:mod:`inpaintlib.scoring`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import torch
from tqdm.auto import tqdm

from inpaintlib.evaluation_result import EvaluationResult
from inpaintlib.masks import KINDS
from inpaintlib.reporting import (
    HIGHER_IS_BETTER,
    comparison_table,
    describe_comparison,
    learned_vs_classical,
    mark_trained,
    runs_table,
)
from inpaintlib.scoring import (
    _batches_by_shape,
    _image_source,
    _kinds_per_method,
    _mask_kinds,
    _methods_dict,
    _Scores,
    evaluation_mask,
    mask_seed,
)
from inpaintlib.scoring import _resize  # noqa: F401  (inpaintlib.plots.inpainting imports it from here)
from inpaintlib.trained_runs import TrainedRun, evaluate_by_size, find_runs, held_out_images, supported_kinds

__all__ = [
    "EvaluationResult",
    "HIGHER_IS_BETTER",
    "TrainedRun",
    "comparison_table",
    "describe_comparison",
    "evaluate",
    "evaluate_by_size",
    "evaluation_mask",
    "find_runs",
    "held_out_images",
    "learned_vs_classical",
    "mark_trained",
    "mask_seed",
    "runs_table",
    "supported_kinds",
]


def evaluate(
    methods, dataset, mask_kinds: Sequence[str] | str = KINDS, seed: int = 0, limit: int | None = None,
    image_size: int | None = None, batch_size: int = 8, progress: bool = True, mask_options: Mapping | None = None,
    description: str | None = None, method_kinds: Mapping[str, Sequence[str] | str] | None = None,
) -> EvaluationResult:
    """Run every method on every image with every mask kind and measure the results.

    Parameters
    ----------
    methods : dict or list
        ``name -> Inpainter`` (or a list of inpainters, named by their ``name``). Generator models
        are wrapped in :class:`~inpaintlib.baselines.ModelInpainter`.
    dataset : Dataset, list or tensor
        Anything with ``len()`` and indexing that yields ``(3, H, W)`` float images in ``[0, 1]`` (or
        tuples whose first item is one), or an ``(N, 3, H, W)`` tensor. A
        :class:`~inpaintlib.data.DatasetSplit` is evaluated on its ``val`` part.
    mask_kinds : sequence of str or str
        Mask kinds to test, from ``"center"``, ``"blocks"``, ``"free_form"``.
    seed : int
        Fixes every mask (see :func:`mask_seed`).
    limit : int, optional
        Evaluate only the first ``limit`` images.
    image_size : int, optional
        Resize every image to ``image_size`` × ``image_size`` first (bilinear, antialiased);
        default: keep each image's size.
    batch_size : int
        Images per call of each method (does not change the results' masks).
    progress : bool
        Show a progress bar.
    mask_options : dict, optional
        Options per kind for the mask sampler, e.g. ``{"blocks": {"count": (2, 4)}}``.
    description : str, optional
        What the data is, kept in the result (default: the dataset's ``description`` attribute).
    method_kinds : dict, optional
        ``name -> kinds`` for methods that can only fill some mask kinds (Model 1 fills the center
        square only): each listed method runs on those of ``mask_kinds`` only; the others on every kind.

    Returns
    -------
    EvaluationResult
        Per-image records (ordered by method, mask kind, image index) and summaries.

    Warns
    -----
    UserWarning
        When image files cannot be read: they are skipped (never replaced by another image), counted
        in ``result.skipped`` with the reason, and left out of ``image_count``; and when a method
        returns NaN or infinite pixels (counted in ``result.nonfinite``; their scores are NaN).
    """
    inpainters = _methods_dict(methods)
    kinds = _mask_kinds(mask_kinds, seed, batch_size, limit, image_size)
    runs_on = _kinds_per_method(inpainters, kinds, method_kinds)
    get_image, count = _images_to_evaluate(dataset, limit)
    scores = _Scores(inpainters)
    masks_for = _mask_maker(seed, mask_options)
    _score_images(scores, inpainters, runs_on, kinds, masks_for, get_image, count, image_size, batch_size, progress)
    scores.warn(count)
    return _evaluation_result(scores, inpainters, kinds, runs_on, count, seed, image_size, mask_options,
                              description or getattr(dataset, "description", None) or type(dataset).__name__)


def _images_to_evaluate(dataset, limit: int | None) -> tuple[Callable, int]:
    """Return ``(get_image, count)``: how to read the dataset's images and how many to evaluate (at most ``limit``)."""
    get_image, count = _image_source(dataset)
    count = min(count, int(limit)) if limit is not None else count
    if count == 0:
        raise ValueError("dataset holds no images to evaluate")
    return get_image, count


def _mask_maker(seed: int, mask_options: Mapping | None) -> Callable[[str, list[int], tuple[int, int]], torch.Tensor]:
    """Return ``(kind, indices, size) -> (N, 1, H, W)`` fixed masks, one per image index (see :func:`evaluation_mask`)."""

    def masks_for(kind: str, indices: list[int], size: tuple[int, int]) -> torch.Tensor:
        return torch.stack([evaluation_mask(kind, i, size, seed, mask_options) for i in indices])[:, None]

    return masks_for


def _score_images(scores: _Scores, inpainters: dict, runs_on: dict, kinds: list[str], masks_for: Callable,
                  get_image: Callable, count: int, image_size: int | None, batch_size: int, progress: bool) -> None:
    """Score every method on images ``0 .. count - 1``, ``batch_size`` at a time, behind a progress bar."""
    bar = tqdm(total=count, desc="evaluate", unit="image", disable=not progress)
    try:
        for start in range(0, count, int(batch_size)):
            tried = list(range(start, min(start + int(batch_size), count)))
            images, indices = scores.read(get_image, tried, image_size)
            for shape, batch, batch_indices in _batches_by_shape(images, indices):
                for kind in kinds:
                    masks = masks_for(kind, batch_indices, shape[-2:])
                    for name, inpainter in inpainters.items():
                        if kind in runs_on[name]:
                            scores.score(name, inpainter, kind, batch, masks, batch_indices, shape)
            bar.update(len(tried))
    finally:
        bar.close()


def _evaluation_result(scores: _Scores, inpainters: dict, kinds: list[str], runs_on: dict, count: int, seed: int,
                       image_size: int | None, mask_options: Mapping | None, description: str) -> EvaluationResult:
    """Gather what :func:`evaluate` scored into an :class:`EvaluationResult`, records in method, kind, index order."""
    method_rank = {name: i for i, name in enumerate(inpainters)}
    kind_rank = {kind: i for i, kind in enumerate(kinds)}
    records = scores.records
    records.sort(key=lambda r: (method_rank[r["method"]], kind_rank[r["mask_kind"]], r["index"]))
    return EvaluationResult(
        records=records,
        methods=list(inpainters),
        mask_kinds=kinds,
        seed=seed,
        image_count=count - len(scores.skipped),
        image_size=image_size,
        mask_options={name: dict(value) for name, value in (mask_options or {}).items()},
        seconds_per_image={
            name: total / scores.runs[name] if scores.runs[name] else math.nan for name, total in scores.seconds.items()
        },
        dataset=description,
        method_kinds={name: runs_on[name] for name in inpainters if runs_on[name] != kinds},
        skipped=scores.skipped,
        nonfinite={name: bad for name, bad in scores.nonfinite.items() if bad},
    )
