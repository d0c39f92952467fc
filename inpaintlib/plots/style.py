"""Style figures: Gram matrices as heatmaps, one row per image, one column per layer.

Taught in notebook 06 (``06_monet_style.ipynb``).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from inpaintlib.plots.common import bare_panel

__all__ = ["plot_gram_matrices"]


def plot_gram_matrices(
    images: torch.Tensor,
    features,
    titles: Sequence[str] | None = None,
    channels: int | None = 32,
    axes=None,
    size: float = 2.2,
    cmap: str = "magma",
):
    """Draw the Gram matrix of every image (rows) at every layer (columns) as a heatmap.

    Each column shares one color scale, so the rows can be compared layer by layer.

    Parameters
    ----------
    images : torch.Tensor
        ``(N, 3, H, W)`` images in ``[0, 1]``.
    features : inpaintlib.losses.StyleFeatures
        The extractor whose layers are shown.
    titles : list of str, optional
        One label per image (the row labels).
    channels : int or None
        Show only the first ``channels`` channels of each layer (``None``: all), so single
        entries stay visible.
    axes : array of matplotlib axes, optional
        ``N`` rows by ``len(features.layers)`` columns.
    size : float
        Inches per panel.
    cmap : str
        Matplotlib color map.

    Returns
    -------
    numpy.ndarray of Axes
        Shaped ``(N, layers)``.
    """
    from inpaintlib.style import _batch, gram_matrices

    images = _batch(images, "images")
    if titles is not None and len(titles) != images.shape[0]:
        raise ValueError(f"titles has {len(titles)} entries for {images.shape[0]} images")
    if channels is not None and (isinstance(channels, bool) or not isinstance(channels, int) or channels < 1):
        raise ValueError(f"channels must be a positive int or None, got {channels!r}")
    grams = gram_matrices(images, features)
    layers = list(grams)
    rows, cols = images.shape[0], len(layers)
    if axes is None:
        _, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows), squeeze=False)
    axes = np.asarray(axes, dtype=object).reshape(rows, cols)
    for col, layer in enumerate(layers):
        shown = grams[layer] if channels is None else grams[layer][:, :channels, :channels]
        shown = shown.cpu().numpy()
        vmax = float(shown.max()) or 1.0
        total = grams[layer].shape[-1]
        for row in range(rows):
            ax = axes[row, col]
            part = f"{shown.shape[-1]} of {total}" if shown.shape[-1] < total else f"{total}"
            bare_panel(ax, shown[row], f"{layer} ({part} ch.)" if row == 0 else None, cmap=cmap, vmin=0.0, vmax=vmax)
            if col == 0 and titles is not None:
                ax.set_ylabel(titles[row], fontsize=9)
    return axes
