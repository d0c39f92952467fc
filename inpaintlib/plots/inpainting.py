"""Inpainting figures: masked input, each method's fill and the original, side by side.

Taught in notebook 03 (``03_center_block.ipynb``); notebooks 04, 05 and 08 use the
same panels.

* :func:`inpainting_grid`: one row per image: masked | prediction | composed | original.
* :func:`comparison_panels`: one masked image and every method's fill with its scores (what
  the inpainting explorer in :mod:`inpaintlib.widgets` draws).
* :func:`best_worst_gallery`: one method's best and worst cases, rebuilt from an evaluation.

All three draw their pictures through one panel helper, so a fill looks the same in each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from inpaintlib.plots.common import HOLE_GRAY, bare_panel, short_value
from inpaintlib.plots.images import fill_hole, grid_axes, to_display

__all__ = ["best_worst_gallery", "comparison_panels", "inpainting_grid"]


#: Photo panels of comparisons and galleries use matplotlib's default (smooth) interpolation.
PHOTO = None


def _picture(ax, image, title: str | None = None, fontsize: float = 9, interpolation: str = "nearest"):
    """One inpainting panel: ``image`` (a tensor) without ticks, titled."""
    return bare_panel(ax, to_display(image), title, fontsize, interpolation)


def _batch(images, name: str) -> torch.Tensor:
    tensor = torch.as_tensor(images).detach().cpu().float()
    if tensor.dim() == 3:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() != 4:
        raise ValueError(f"{name} must be shaped (N, C, H, W) or (C, H, W), got {tuple(tensor.shape)}")
    return tensor


def inpainting_grid(
    images,
    masks,
    predictions,
    row_titles: Sequence[str] | None = None,
    axes=None,
    size: float = 2.0,
):
    """Show one row per image: masked input | raw prediction | composed result | original.

    Parameters
    ----------
    images : tensor
        Originals, ``(N, 3, H, W)`` in ``[0, 1]``.
    masks : tensor
        ``(N, 1, H, W)`` (or ``(N, H, W)``), 1 = missing pixel.
    predictions : tensor
        The model's full-size predictions, ``(N, 3, H, W)``.
    row_titles : list of str, optional
        A label per row (shown left of the row), e.g. the mask kind.
    axes : array of matplotlib axes, optional
        ``N x 4`` axes to draw on; a new figure is made when ``None``.
    size : float
        Inches per panel.

    Returns
    -------
    (Figure, numpy.ndarray of Axes)
        The axes as an ``(N, 4)`` array.
    """
    images = _batch(images, "images")
    predictions = _batch(predictions, "predictions")
    masks = torch.as_tensor(masks).detach().cpu().float()
    if masks.dim() == 3:
        masks = masks.unsqueeze(1)
    if masks.dim() == 2:
        masks = masks[None, None]
    count = images.shape[0]
    if predictions.shape != images.shape:
        raise ValueError(f"predictions {tuple(predictions.shape)} and images {tuple(images.shape)} differ in shape")
    if masks.shape[0] != count or tuple(masks.shape[-2:]) != tuple(images.shape[-2:]):
        raise ValueError(f"masks {tuple(masks.shape)} do not fit images {tuple(images.shape)}")
    if row_titles is not None and len(row_titles) != count:
        raise ValueError(f"row_titles has {len(row_titles)} entries for {count} images")
    if axes is None:
        figure, axes = plt.subplots(count, 4, figsize=(4 * size, count * size), squeeze=False)
    else:
        axes = np.asarray(axes, dtype=object).reshape(count, 4)
        figure = axes[0, 0].figure
    composed = images * (1 - masks) + predictions * masks
    columns = ("masked", "prediction", "composed", "original")
    for row in range(count):
        panels = (fill_hole(images[row], masks[row]), predictions[row], composed[row], images[row])
        for column, (panel, picture) in enumerate(zip(panels, axes[row])):
            _picture(picture, panel, columns[column] if row == 0 else None)
        if row_titles is not None:
            axes[row, 0].set_ylabel(row_titles[row], fontsize=9)
    return figure, axes


def comparison_panels(
    image: torch.Tensor,
    mask: torch.Tensor,
    filled: Mapping[str, torch.Tensor | None],
    metrics: Mapping[str, Mapping | None] | None = None,
    axes=None,
    ncols: int = 5,
    size: float = 1.9,
    notes: Mapping[str, str] | None = None,
):
    """Show a masked image, then each method's result with its scores in the title.

    Parameters
    ----------
    image : torch.Tensor
        The original ``(3, H, W)`` image.
    mask : torch.Tensor
        ``(H, W)``, 1 = missing.
    filled : dict
        ``method -> composed (3, H, W) image``, or ``None`` for a method that cannot fill this
        mask (its panel says why, from ``notes``).
    metrics : dict, optional
        ``method -> {"psnr_hole": ..., "ssim_hole": ..., "l1_hole": ...}`` shown under each name.
    axes : sequence of Axes, optional
        At least ``len(filled) + 2`` panels (input, each method, original).
    ncols : int
        Panels per row when the helper makes its own figure.
    size : float
        Inches per panel.
    notes : dict, optional
        ``method -> short reason`` for the methods without a result.

    Returns
    -------
    (Figure, numpy.ndarray of Axes)
    """
    metrics = metrics or {}
    notes = notes or {}
    count = len(filled) + 2
    figure, panels = grid_axes(count, ncols, size, axes)
    mask = torch.as_tensor(mask, dtype=torch.float32)
    share = float(mask.mean())
    _picture(panels[0], fill_hole(image, mask, HOLE_GRAY), f"input: {share:.1%} missing", 8, PHOTO)
    for panel, (name, result) in zip(panels[1:], filled.items()):
        if result is None:
            panel.text(0.5, 0.5, notes.get(name, "cannot fill\nthis mask"), ha="center", va="center", fontsize=8, wrap=True)
            bare_panel(panel, None, name, 8)
        else:
            scores = metrics.get(name) or {}
            text = " · ".join(
                short_value(key, scores[key]) for key in ("psnr_hole", "ssim_hole") if key in scores
            )
            _picture(panel, result, f"{name}\n{text}" if text else name, 8, PHOTO)
    _picture(panels[count - 1], image, "original", 8, PHOTO)
    return figure, panels


def _outline_hole(ax, mask: torch.Tensor, color: str = "white") -> None:
    """Draw the border of the hole on ``ax`` (1 = missing)."""
    if mask.any() and not mask.all():
        ax.contour(mask.float().numpy(), levels=[0.5], colors=color, linewidths=0.6)


def best_worst_gallery(
    result,
    dataset,
    inpainters,
    n: int = 1,
    metric: str = "psnr_hole",
    mask_kind: str | None = None,
    axes=None,
    size: float = 1.5,
    show_input: bool = False,
):
    """Show each method's ``n`` best and ``n`` worst cases: one row per method.

    The cases are picked by :meth:`inpaintlib.evaluation.EvaluationResult.best_and_worst` and
    rebuilt exactly: the image comes from ``dataset`` and the mask from ``result.mask``, and the
    inpainter fills it again. Each case shows the fill with the hole's border drawn in white,
    and the original (plus the input with its hole in gray when ``show_input``).

    Parameters
    ----------
    result : EvaluationResult
        The evaluation that scored the methods.
    dataset : Dataset, DatasetSplit or tensor
        What was evaluated (the same object passed to :func:`~inpaintlib.evaluation.evaluate`).
    inpainters : Inpainter or list of Inpainter
        The methods (each ``name`` must be one of ``result.methods``).
    n : int
        Best cases and worst cases per method.
    metric, mask_kind
        Passed to ``best_and_worst``.
    axes : 2-D array of Axes, optional
        At least ``len(inpainters)`` rows and ``2 * n * panels`` columns (``panels`` is 2, or 3
        with ``show_input``).
    size : float
        Inches per panel.
    show_input : bool
        Add the input (hole in gray) before each fill.

    Returns
    -------
    (Figure, numpy.ndarray of Axes)
        Row ``i`` belongs to the ``i``-th method; its first ``n`` cases are the best.
    """
    from inpaintlib.evaluation import _image_source, _resize

    inpainters = [inpainters] if not isinstance(inpainters, (list, tuple)) else list(inpainters)
    if not inpainters:
        raise ValueError("inpainters is empty: give at least one method")
    if int(n) < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    per_case = 3 if show_input else 2
    columns = 2 * n * per_case
    get_image, _ = _image_source(dataset)
    if axes is None:
        figure, axes = plt.subplots(
            len(inpainters), columns, figsize=(size * columns, (size + 0.3) * len(inpainters)),
            squeeze=False, layout="constrained",
        )
    axes = np.asarray(axes, dtype=object)
    if axes.ndim != 2 or axes.shape[0] < len(inpainters) or axes.shape[1] < columns:
        raise ValueError(f"axes must be at least {len(inpainters)} x {columns}, got {axes.shape}")
    for row, inpainter in enumerate(inpainters):
        name = getattr(inpainter, "name", None)
        best, worst = result.best_and_worst(name, n=n, metric=metric, mask_kind=mask_kind)
        cases = [("best", i, best[i] if i < len(best) else None) for i in range(n)]
        cases += [("worst", i, worst[i] if i < len(worst) else None) for i in range(n)]
        for number, (label, rank, record) in enumerate(cases):
            panels = axes[row, per_case * number : per_case * (number + 1)]
            for panel in panels:
                bare_panel(panel)
            if record is None:
                for panel in panels:
                    panel.axis("off")
                continue
            image = _resize(get_image(record["index"]), result.image_size)
            mask = result.mask(record["index"], record["mask_kind"], size=tuple(image.shape[-2:]))
            filled = inpainter(image, mask)
            if show_input:
                _picture(panels[0], fill_hole(image, mask), "input", 7, PHOTO)
            fill_panel, original_panel = panels[-2], panels[-1]
            score = f"{label} {rank + 1}: {short_value(metric, record[metric])}"
            _picture(fill_panel, filled, f"{score}\n{record['mask_kind']}, photo {record['index']}", 7, PHOTO)
            _outline_hole(fill_panel, mask)
            _picture(original_panel, image, "original", 7, PHOTO)
        axes[row, 0].set_ylabel(name, fontsize=8)
    figure = axes[0, 0].figure
    return figure, axes
