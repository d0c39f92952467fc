"""Every figure of the workbook, one module per kind of figure.

Taught in notebook 01 (``01_masks.ipynb``); every notebook draws its figures from here.

* :mod:`~inpaintlib.plots.common`: colors per mask kind and per method, metric labels, new axes.
* :mod:`~inpaintlib.plots.images`: images and masks in grids, holes painted gray, filters.
* :mod:`~inpaintlib.plots.inpainting`: masked input, fills and original side by side; galleries.
* :mod:`~inpaintlib.plots.curves`: loss curves, runs compared, scores against hole area or minutes.
* :mod:`~inpaintlib.plots.bars`: metric bars, hole-coverage histograms.
* :mod:`~inpaintlib.plots.style`: Gram matrices as heatmaps.
* :mod:`~inpaintlib.plots.pipeline`: the workbook's pipeline, photo to scores, in one figure.
* :mod:`~inpaintlib.plots.render`: figures as PNG/JPEG bytes or in a notebook's output.

The receptive-field figures live with their analysis, in :mod:`inpaintlib.receptive_field.figures`,
and draw through :func:`~inpaintlib.plots.common.new_axes` too. The old homes
(:mod:`inpaintlib.viz`, :mod:`inpaintlib.model_viz`, :mod:`inpaintlib.evaluation_viz`) re-export
these names.
"""

from inpaintlib.plots.bars import coverage_histogram, metric_bars, plot_metric_bars
from inpaintlib.plots.common import (
    BASELINE_COLORS,
    HOLE_GRAY,
    KIND_COLORS,
    bare_panel,
    method_colors,
    metric_label,
    metric_value,
    new_axes,
    short_value,
    table_rows,
)
from inpaintlib.plots.curves import (
    compare_runs,
    plot_area_bins,
    plot_history,
    plot_history_terms,
    plot_hole_score_curve,
    plot_loss_grid,
)
from inpaintlib.plots.images import (
    fill_hole,
    grid_axes,
    masked_preview,
    show_filters,
    show_images,
    show_mask_grid,
    to_display,
)
from inpaintlib.plots.inpainting import best_worst_gallery, comparison_panels, inpainting_grid
from inpaintlib.plots.pipeline import PIPELINE_STAGES, plot_pipeline, save_pipeline_figure
from inpaintlib.plots.render import figure_bytes, jpeg_image, show_figure, stack_pictures
from inpaintlib.plots.style import plot_gram_matrices

__all__ = [
    "BASELINE_COLORS",
    "HOLE_GRAY",
    "KIND_COLORS",
    "PIPELINE_STAGES",
    "bare_panel",
    "best_worst_gallery",
    "compare_runs",
    "comparison_panels",
    "coverage_histogram",
    "figure_bytes",
    "fill_hole",
    "grid_axes",
    "inpainting_grid",
    "jpeg_image",
    "masked_preview",
    "method_colors",
    "metric_bars",
    "metric_label",
    "metric_value",
    "new_axes",
    "plot_area_bins",
    "plot_gram_matrices",
    "plot_history",
    "plot_history_terms",
    "plot_hole_score_curve",
    "plot_loss_grid",
    "plot_metric_bars",
    "plot_pipeline",
    "save_pipeline_figure",
    "short_value",
    "show_figure",
    "show_filters",
    "show_images",
    "show_mask_grid",
    "stack_pictures",
    "table_rows",
    "to_display",
]
