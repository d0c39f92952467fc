"""Bar and histogram figures: one metric per method and mask kind, hole coverage per mask kind.

Taught in notebook 08 (``08_evaluation.ipynb``); notebooks 01 and 03-05 use the same figures.

* :func:`plot_metric_bars`: a metric per method and mask kind, as grouped bars; a model scored
  on a mask kind it was not trained on is hatched. :func:`metric_bars` draws the same bars
  straight from an evaluation result.
* :func:`coverage_histogram`: the share of pixels each mask kind hides.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Patch

from inpaintlib.plots.common import KIND_COLORS, method_colors, metric_label, metric_value, new_axes, table_rows

__all__ = ["coverage_histogram", "metric_bars", "plot_metric_bars"]


def plot_metric_bars(
    table,
    metric: str = "psnr_hole",
    ax=None,
    trained_kinds: Mapping[str, Sequence[str]] | None = None,
    title: str | None = None,
    methods: Sequence[str] | None = None,
    colors: Mapping[str, str] | None = None,
):
    """Draw one metric per method and mask kind as grouped bars.

    Parameters
    ----------
    table : SummaryTable or list of dict
        Rows with ``method``, ``mask_kind`` and ``metric`` (``result.table()``).
    metric : str
        Which column to draw; L1 is drawn in percent.
    ax : matplotlib.axes.Axes, optional
    trained_kinds : dict, optional
        ``method -> mask kinds it was trained on``; its bars on other kinds are hatched.
    title : str, optional
    methods : sequence of str, optional
        Methods to draw, in this order (default: all, in table order).
    colors : dict, optional
        ``method -> color`` (default :func:`method_colors`).

    Returns
    -------
    matplotlib.axes.Axes
    """
    rows = table_rows(table, ("method", "mask_kind", metric))
    kinds = list(dict.fromkeys(row["mask_kind"] for row in rows))
    names = list(methods) if methods is not None else list(dict.fromkeys(row["method"] for row in rows))
    values = {(row["method"], row["mask_kind"]): row[metric] for row in rows}
    ax = new_axes(ax, (max(5.0, 1.0 + 0.35 * len(names) * len(kinds)), 3.6), layout="constrained")
    width = 0.8 / max(1, len(names))
    colors = {**method_colors(names), **(colors or {})}
    hatched_any = False
    for i, name in enumerate(names):
        xs, heights, hatches = [], [], []
        for j, kind in enumerate(kinds):
            value = values.get((name, kind))
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            xs.append(j - 0.4 + width * (i + 0.5))
            heights.append(metric_value(metric, value))
            untrained = trained_kinds is not None and name in trained_kinds and kind not in trained_kinds[name]
            hatches.append("//" if untrained else "")
            hatched_any |= untrained
        bars = ax.bar(xs, heights, width=width * 0.95, color=colors[name], label=name)
        for bar, hatch in zip(bars, hatches):
            if hatch:
                bar.set_hatch(hatch)
                bar.set_edgecolor("white")
    ax.set_xticks(range(len(kinds)))
    ax.set_xticklabels(kinds)
    ax.set_ylabel(metric_label(metric))
    if metric.startswith("psnr") and rows:
        finite = [metric_value(metric, v) for v in values.values() if v is not None and not math.isnan(v)]
        if finite:
            ax.set_ylim(max(0.0, min(finite) - 3.0), max(finite) + 1.5)
    # Plain patches for the legend: a method's first bar may be hatched.
    handles = [Patch(facecolor=colors[name], label=name) for name in names]
    if hatched_any:
        handles.append(Patch(facecolor="0.75", hatch="//", edgecolor="white", label="not trained on this kind"))
    ax.legend(handles=handles, fontsize="x-small", ncol=2)
    ax.grid(axis="y", alpha=0.3)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def _summary_rows(result) -> list[dict]:
    if hasattr(result, "table") and callable(result.table):
        return list(result.table(by=("method", "mask_kind")))
    return [dict(row) for row in result]


def metric_bars(result, metric: str = "psnr_hole", ax=None, title: str | None = None):
    """Draw a grouped bar chart of one metric: mask kinds along x, one bar per method.

    The bars of :func:`plot_metric_bars`, from an evaluation result or its summary rows.

    Parameters
    ----------
    result : EvaluationResult, SummaryTable or list of dict
        An :func:`inpaintlib.evaluation.evaluate` result, or summary rows holding ``method``,
        ``mask_kind`` and ``metric``.
    metric : str
        E.g. ``"psnr_hole"``, ``"ssim_hole"``, ``"l1_hole"`` (L1 is drawn in percent).
    ax : matplotlib axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    return plot_metric_bars(_summary_rows(result), metric, ax=ax, title=title)


def coverage_histogram(
    coverages_by_kind: Mapping[str, Sequence[float] | torch.Tensor | np.ndarray],
    ax=None,
    bins: int = 40,
):
    """Overlay one histogram of hole coverage per mask kind.

    Parameters
    ----------
    coverages_by_kind : dict
        ``kind -> fractions of missing pixels`` (e.g. from :func:`inpaintlib.masks.coverage`).
    ax : matplotlib axes, optional
    bins : int
        Bins between 0 and the largest coverage seen. A kind whose masks all
        hide the same share (the center hole) is drawn as a vertical line.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, (6, 3.5))
    values = {kind: np.asarray(torch.as_tensor(v, dtype=torch.float32)).ravel() for kind, v in coverages_by_kind.items()}
    top = max([float(v.max()) for v in values.values() if v.size] + [0.05])
    edges = np.linspace(0.0, min(1.0, top * 1.05 + 1e-3), bins + 1)
    for kind, fractions in values.items():
        color = KIND_COLORS.get(kind)
        if fractions.size and fractions.min() == fractions.max():
            # One value for every mask (the center hole): a line, so it does not dwarf the others.
            ax.axvline(fractions[0], color=color, linewidth=2.5, label=f"{kind} (all {fractions[0]:.1%}, n={fractions.size})")
            continue
        label = f"{kind} (mean {fractions.mean():.1%}, n={fractions.size})" if fractions.size else kind
        ax.hist(
            fractions,
            bins=edges,
            histtype="stepfilled",
            alpha=0.45,
            color=color,
            edgecolor=color,
            label=label,
        )
    ax.set_xlabel("fraction of pixels missing")
    ax.set_ylabel("masks")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: f"{x:.0%}"))
    ax.legend(fontsize=8)
    return ax
