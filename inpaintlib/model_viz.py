"""Figures and small calculations of the model notebooks (04: Model 2, 05: Model 3), by their old names.

Taught in notebook 04 (``04_random_blocks_and_regions.ipynb``) and notebook 05
(``05_alexnet_transfer.ipynb``).

Each group lives where its job is; this module re-exports them under the names the notebooks call:

* **Layer tables** (:mod:`inpaintlib.layer_tables`): :class:`ConvSpec`, :class:`DeconvSpec`,
  :func:`conv_stack`, :func:`deconv_stack`, :func:`deconv_specs`, :func:`deconv_sizes`,
  :func:`size_trace`, :func:`conv_output_size`, :func:`deconv_output_size`.
* **Figures** (:mod:`inpaintlib.plots`): :func:`inpainting_grid` (masked | prediction | composed |
  original), :func:`metric_bars` (one metric per method and mask kind), :func:`compare_runs` (one
  loss curve per run) and :func:`show_filters` (first-layer convolution filters).
* **Speed** (:mod:`inpaintlib.profiling`): :func:`train_step_flops`, :func:`time_train_step`,
  :func:`seconds_per_step`, :func:`estimate_run`, :func:`format_duration` and :class:`StepTiming`.
* **Run notes** (:mod:`inpaintlib.runs`): :func:`save_run_notes` and :func:`load_run_notes` keep,
  next to a run's checkpoints, which images it trained and validated on.
"""

from __future__ import annotations

from inpaintlib.layer_tables import (
    ConvSpec,
    DeconvSpec,
    conv_output_size,
    conv_stack,
    deconv_output_size,
    deconv_sizes,
    deconv_specs,
    deconv_stack,
    size_trace,
)
from inpaintlib.plots.bars import metric_bars
from inpaintlib.plots.curves import compare_runs
from inpaintlib.plots.images import show_filters
from inpaintlib.plots.inpainting import inpainting_grid
from inpaintlib.profiling import (
    StepTiming,
    estimate_run,
    format_duration,
    seconds_per_step,
    time_train_step,
    train_step_flops,
)
from inpaintlib.runs import RUN_NOTES, load_run_notes, save_run_notes

__all__ = [
    "ConvSpec",
    "DeconvSpec",
    "RUN_NOTES",
    "StepTiming",
    "compare_runs",
    "conv_output_size",
    "conv_stack",
    "deconv_output_size",
    "deconv_sizes",
    "deconv_specs",
    "deconv_stack",
    "estimate_run",
    "format_duration",
    "inpainting_grid",
    "load_run_notes",
    "metric_bars",
    "save_run_notes",
    "seconds_per_step",
    "show_filters",
    "size_trace",
    "time_train_step",
    "train_step_flops",
]
