"""Figures for comparing inpainting methods, under the names notebook 08 calls.

Taught in notebook 08 (``08_evaluation.ipynb``).

The figures live in :mod:`inpaintlib.plots`; this module re-exports them:

* :func:`plot_loss_grid`: one row per training run, one panel per loss term
  (:mod:`inpaintlib.plots.curves`).
* :func:`plot_metric_bars`: a metric per method and mask kind, as grouped bars; a model scored
  on a mask kind it was not trained on is hatched (:mod:`inpaintlib.plots.bars`).
* :func:`plot_area_bins`: a metric against the share of the image the hole covers.
* :func:`best_worst_gallery` and :func:`comparison_panels`: fills side by side
  (:mod:`inpaintlib.plots.inpainting`).
* :func:`jpeg_image`: a figure full of photos as a JPEG (:mod:`inpaintlib.plots.render`).
"""

from __future__ import annotations

from inpaintlib.plots.bars import plot_metric_bars
from inpaintlib.plots.common import BASELINE_COLORS, method_colors, metric_label
from inpaintlib.plots.curves import plot_area_bins, plot_loss_grid
from inpaintlib.plots.inpainting import best_worst_gallery, comparison_panels
from inpaintlib.plots.render import jpeg_image

__all__ = [
    "BASELINE_COLORS",
    "best_worst_gallery",
    "jpeg_image",
    "comparison_panels",
    "method_colors",
    "metric_label",
    "plot_area_bins",
    "plot_loss_grid",
    "plot_metric_bars",
]
