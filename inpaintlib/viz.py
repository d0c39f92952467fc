"""Image and mask figures of the first notebooks, under the names the notebooks call.

Taught in notebook 01 (``01_masks.ipynb``).

The figures live in :mod:`inpaintlib.plots` (images in :mod:`inpaintlib.plots.images`, the
coverage histogram in :mod:`inpaintlib.plots.bars`); this module re-exports them. Every
helper draws on axes it is given (``ax=None`` or ``axes=None``) or makes its own, and returns
what it drew on. Masks follow the library convention (1 = missing pixel) and are drawn white
on black.
"""

from __future__ import annotations

from inpaintlib.plots.bars import coverage_histogram
from inpaintlib.plots.common import HOLE_GRAY, KIND_COLORS
from inpaintlib.plots.images import fill_hole, grid_axes, masked_preview, show_images, show_mask_grid, to_display

__all__ = [
    "HOLE_GRAY",
    "KIND_COLORS",
    "coverage_histogram",
    "fill_hole",
    "grid_axes",
    "masked_preview",
    "show_images",
    "show_mask_grid",
    "to_display",
]
