"""Image figures: images and masks in grids, holes painted gray, first-layer filters.

Taught in notebook 01 (``01_masks.ipynb``); notebooks 00 and 03-05 use the same grids.

Every helper draws on axes it is given (``ax=None`` or ``axes=None``) or makes its own, and
returns what it drew on: helpers that fill one panel return the ``Axes``; helpers that fill a
grid return ``(figure, axes)`` with ``axes`` a flat array. Images are float tensors in
``[0, 1]`` shaped ``(3, H, W)`` or ``(N, 3, H, W)``; masks follow the library convention
(1 = missing pixel) and are drawn white on black.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from inpaintlib.plots.common import HOLE_GRAY, bare_panel, new_axes

__all__ = [
    "fill_hole",
    "grid_axes",
    "masked_preview",
    "show_filters",
    "show_images",
    "show_mask_grid",
    "to_display",
]


# --------------------------------------------------------------------------- conversions


def to_display(image: torch.Tensor | np.ndarray) -> np.ndarray:
    """Return an array matplotlib can show: ``(H, W, 3)`` for color, ``(H, W)`` for gray.

    Accepts a tensor or array shaped ``(3, H, W)``, ``(1, H, W)``, ``(H, W)``
    or ``(H, W, 3)``; values are clipped to ``[0, 1]``.
    """
    if isinstance(image, torch.Tensor):
        array = image.detach().cpu().float().numpy()
        if array.ndim == 3 and array.shape[0] in (1, 3):
            array = array.transpose(1, 2, 0)
    else:
        array = np.asarray(image, dtype=np.float32)
        if array.ndim == 3 and array.shape[0] in (1, 3) and array.shape[-1] not in (1, 3):
            array = array.transpose(1, 2, 0)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3):
        raise ValueError(f"image must be (3, H, W), (1, H, W), (H, W) or (H, W, 3), got shape {array.shape}")
    return np.clip(array, 0.0, 1.0)


def _as_list(images) -> list:
    """Split a batch tensor ``(N, C, H, W)`` into a list; pass lists through."""
    if isinstance(images, (torch.Tensor, np.ndarray)):
        if images.ndim == 4:
            return list(images)
        return [images]
    return list(images)


def fill_hole(
    image: torch.Tensor,
    mask: torch.Tensor,
    fill: float | Sequence[float] = HOLE_GRAY,
) -> torch.Tensor:
    """Return ``image`` with the missing pixels (``mask == 1``) painted in a flat color.

    Parameters
    ----------
    image : torch.Tensor
        ``(3, H, W)`` or ``(N, 3, H, W)`` in ``[0, 1]``.
    mask : torch.Tensor
        ``(H, W)``, ``(1, H, W)`` or ``(N, 1, H, W)``; 1 = missing.
    fill : float or (float, float, float)
        Gray level or RGB color of the hole.
    """
    image = torch.as_tensor(image, dtype=torch.float32)
    mask = torch.as_tensor(mask, dtype=torch.float32)
    if mask.dim() == 2:
        mask = mask.unsqueeze(0)
    if mask.shape[-2:] != image.shape[-2:]:
        raise ValueError(f"mask {tuple(mask.shape)} and image {tuple(image.shape)} differ in height/width")
    color = torch.as_tensor(fill, dtype=torch.float32).reshape(-1, 1, 1)
    return image * (1 - mask) + color * mask


# --------------------------------------------------------------------------- layout


def grid_axes(count: int, ncols: int, size: float = 2.5, axes=None):
    """Return ``(figure, flat axes)`` with at least ``count`` panels; unused panels are hidden."""
    if axes is None:
        ncols = max(1, min(ncols, count))
        nrows = max(1, math.ceil(count / ncols))
        figure, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    axes = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
    if len(axes) < count:
        raise ValueError(f"axes has {len(axes)} panels but {count} are needed")
    for extra in axes[count:]:
        extra.axis("off")
    return axes[0].figure, axes


# --------------------------------------------------------------------------- images and masks


def show_images(
    images,
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    axes=None,
    ax=None,
    size: float = 2.5,
    cmap: str | None = None,
):
    """Show images in a grid.

    Parameters
    ----------
    images : tensor, array or list
        A batch ``(N, 3, H, W)``, one image, or a list of images/masks.
    titles : list of str, optional
        One title per image.
    ncols : int
        Panels per row when the helper makes its own figure.
    axes, ax : matplotlib axes, optional
        Where to draw (``ax`` for a single image).
    size : float
        Inches per panel.
    cmap : str, optional
        Color map for one-channel images (default gray).

    Returns
    -------
    (Figure, numpy.ndarray of Axes)
    """
    items = _as_list(images)
    if titles is not None and len(titles) != len(items):
        raise ValueError(f"titles has {len(titles)} entries for {len(items)} images")
    figure, panels = grid_axes(len(items), ncols, size, axes if axes is not None else ax)
    for index, (item, panel) in enumerate(zip(items, panels)):
        array = to_display(item)
        gray = dict(cmap=cmap or "gray", vmin=0.0, vmax=1.0) if array.ndim == 2 else {}
        bare_panel(panel, array, titles[index] if titles is not None else None, **gray)
    return figure, panels


def show_mask_grid(masks, titles: Sequence[str] | None = None, ncols: int = 8, axes=None, size: float = 1.6):
    """Show masks white (missing) on black (kept), with their coverage as default titles.

    Parameters
    ----------
    masks : tensor or list
        ``(N, 1, H, W)``, ``(H, W)`` or a list of masks.
    titles : list of str, optional
        One title per mask; defaults to the fraction of missing pixels.

    Returns
    -------
    (Figure, numpy.ndarray of Axes)
    """
    items = [torch.as_tensor(mask).float().squeeze() for mask in _as_list(masks)]
    if titles is None:
        titles = [f"{(mask != 0).float().mean().item():.0%}" for mask in items]
    return show_images(items, titles=titles, ncols=ncols, axes=axes, size=size)


def masked_preview(
    image: torch.Tensor,
    mask: torch.Tensor,
    ax=None,
    title: str | None = None,
    fill: float | Sequence[float] = HOLE_GRAY,
):
    """Show ``image`` with its hole painted in a flat color (gray by default).

    Returns
    -------
    matplotlib.axes.Axes
    """
    return bare_panel(new_axes(ax, (3, 3)), to_display(fill_hole(image, mask, fill)), title)


def show_filters(weight: torch.Tensor, ncols: int = 16, axes=None, size: float = 0.6):
    """Show the filters of a first convolution layer as small RGB images.

    Each filter ``(3, k, k)`` is scaled to ``[0, 1]`` on its own (min to max), so the pattern
    shows whatever the weights' range.

    Parameters
    ----------
    weight : tensor
        ``(out_channels, 3, k, k)``, e.g. ``conv.weight``.
    ncols : int
        Filters per row.
    axes : matplotlib axes, optional
    size : float
        Inches per filter.

    Returns
    -------
    (Figure, numpy.ndarray of Axes)
    """
    weight = torch.as_tensor(weight).detach().cpu().float()
    if weight.dim() != 4 or weight.shape[1] != 3:
        raise ValueError(f"weight must be shaped (out_channels, 3, k, k), got {tuple(weight.shape)}")
    low = weight.amin(dim=(1, 2, 3), keepdim=True)
    high = weight.amax(dim=(1, 2, 3), keepdim=True)
    scaled = (weight - low) / (high - low).clamp_min(1e-12)
    figure, panels = grid_axes(weight.shape[0], ncols, size, axes)
    for filt, panel in zip(scaled, panels):
        bare_panel(panel, filt.permute(1, 2, 0).numpy())
    return figure, panels
