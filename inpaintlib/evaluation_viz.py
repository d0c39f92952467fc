"""Figures for comparing inpainting methods: loss curves, metric bars, hole-area curves, galleries.

Like :mod:`inpaintlib.viz`, every helper draws on the axes it is given (``ax=None`` or
``axes=None``) or makes its own figure, and returns what it drew on: one-panel helpers
return the ``Axes``; grid helpers return ``(figure, axes)``.

* :func:`plot_loss_grid`: one row per training run, one panel per loss term, with the best
  epoch and the early-stopping point marked (:meth:`inpaintlib.history.History.plot`).
* :func:`plot_metric_bars`: a metric per method and mask kind, as grouped bars; a model scored
  on a mask kind it was not trained on is hatched.
* :func:`plot_area_bins`: a metric against the share of the image the hole covers (the bins
  LaMa reports).
* :func:`best_worst_gallery`: one method's best and worst cases, rebuilt from an evaluation.
* :func:`comparison_panels`: one masked image and every method's fill side by side (what
  the inpainting explorer in :mod:`inpaintlib.widgets` draws).
* :func:`jpeg_image`: a figure full of photos as a JPEG for display, a fraction of the PNG's size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from inpaintlib.history import SPLITS, TERMS
from inpaintlib.metrics import COLUMN_TITLES, area_bin_labels
from inpaintlib.viz import HOLE_GREY, fill_hole, grid_axes, to_display

__all__ = [
    "BASELINE_COLOURS",
    "best_worst_gallery",
    "jpeg_image",
    "comparison_panels",
    "method_colours",
    "metric_label",
    "plot_area_bins",
    "plot_loss_grid",
    "plot_metric_bars",
]


#: Fixed colours of the classical methods, so they look the same in every figure.
BASELINE_COLOURS = {"telea": "tab:olive", "navier_stokes": "tab:cyan", "biharmonic": "tab:purple", "mean_color": "0.6"}
_LEARNED_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:brown", "tab:pink", "black", "gold")


def method_colours(names: Sequence[str]) -> dict[str, str]:
    """Colours for methods: the fixed :data:`BASELINE_COLOURS` for the classical ones, a cycle for the others."""
    colours, learned = {}, 0
    for name in names:
        if name in BASELINE_COLOURS:
            colours[name] = BASELINE_COLOURS[name]
        else:
            colours[name] = _LEARNED_COLOURS[learned % len(_LEARNED_COLOURS)]
            learned += 1
    return colours


def metric_label(metric: str) -> str:
    """The axis label of a metric, e.g. ``"PSNR hole (dB)"``."""
    return COLUMN_TITLES.get(metric, metric)


def _metric_value(metric: str, value: float) -> float:
    """Values as tables print them: L1 in percent."""
    return 100.0 * value if metric.startswith("l1") or metric == "hole_fraction" else value


def _short_value(metric: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if metric.startswith("psnr"):
        return f"{value:.1f} dB"
    if metric.startswith("l1"):
        return f"{100 * value:.1f}%"
    return f"{value:.3f}"


# --------------------------------------------------------------------------- loss curves


def _terms_present(history, terms: Sequence[str]) -> list[str]:
    return [t for t in terms if any(v is not None for split in SPLITS for v in history.series(t, split))]


def plot_loss_grid(
    histories: Mapping[str, object],
    terms: Sequence[str] = TERMS,
    axes=None,
    log: bool = False,
    panel_size: tuple[float, float] = (2.8, 2.1),
):
    """Draw every run's loss curves: one row per run, one column per loss term.

    Training curves are solid, validation curves dashed; each panel marks the best
    epoch (dotted) and, when early stopping ended the run, the stopping point
    (dash-dotted), as :meth:`inpaintlib.history.History.plot` draws them.

    Parameters
    ----------
    histories : dict
        ``run name -> History``.
    terms : sequence of str
        Loss terms to show (from :data:`inpaintlib.history.TERMS`); a column is drawn for each
        term that at least one run recorded. A run that did not compute a term (no ``adv`` or
        ``disc`` without the adversarial loss, no ``style`` without a style weight) gets a
        panel saying so.
    axes : 2-D array of Axes, optional
        At least ``len(histories)`` rows and one column per drawn term.
    log : bool
        Logarithmic loss axes.
    panel_size : (float, float)
        Inches per panel when the helper makes its own figure.

    Returns
    -------
    (Figure, numpy.ndarray of Axes)
        The axes as a 2-D array ``(runs, terms)``.
    """
    if not histories:
        raise ValueError("histories is empty: give at least one run name -> History")
    for term in terms:
        if term not in TERMS:
            raise ValueError(f"terms must be names from {TERMS}, got {term!r}")
    names = list(histories)
    columns = [t for t in terms if any(t in _terms_present(h, [t]) for h in histories.values())] or ["total"]
    own_figure = axes is None
    if own_figure:
        width, height = panel_size
        figure, axes = plt.subplots(
            len(names), len(columns), figsize=(width * len(columns), height * len(names)), squeeze=False
        )
    axes = np.asarray(axes, dtype=object)
    if axes.ndim == 1:
        axes = axes.reshape(len(names), -1)
    if axes.shape[0] < len(names) or axes.shape[1] < len(columns):
        raise ValueError(f"axes must be at least {len(names)} x {len(columns)}, got {axes.shape[0]} x {axes.shape[1]}")
    for row, name in enumerate(names):
        history = histories[name]
        present = _terms_present(history, columns)
        for column, term in enumerate(columns):
            ax = axes[row, column]
            if term not in present:
                ax.text(0.5, 0.5, f"{term}\nnot computed\nin this run", ha="center", va="center", fontsize=9, color="0.4")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(f"{name}: {term}", fontsize=9)
                continue
            history.plot(ax=ax, terms=term, log=log)
            ax.set_title(f"{name}: {term}", fontsize=9)
            ax.set_xlabel("epoch", fontsize=8)
            ax.set_ylabel(f"{name}\naverage loss" if column == 0 else "", fontsize=8)
            last = history.records[-1]["epoch"] if history.records else 1
            ax.set_xlim(0.5, last + 0.5)  # whole epochs, also for a run of one or two epochs
            if last <= 12:
                ax.set_xticks(range(1, last + 1))
            else:
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.tick_params(labelsize=7)
            legend = ax.get_legend()
            if legend is not None:
                # One legend per row: the line styles and markers mean the same in every panel.
                if column == 0:
                    ax.legend(fontsize=6, loc="best")
                else:
                    legend.remove()
    for extra in axes[len(names):, :].ravel():
        extra.axis("off")
    for extra in axes[:, len(columns):].ravel():
        extra.axis("off")
    figure = axes[0, 0].figure
    if own_figure:
        figure.tight_layout()
    return figure, axes


# --------------------------------------------------------------------------- metric figures


def plot_metric_bars(
    table,
    metric: str = "psnr_hole",
    ax=None,
    trained_kinds: Mapping[str, Sequence[str]] | None = None,
    title: str | None = None,
    methods: Sequence[str] | None = None,
    colours: Mapping[str, str] | None = None,
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
    colours : dict, optional
        ``method -> colour`` (default :func:`method_colours`).

    Returns
    -------
    matplotlib.axes.Axes
    """
    rows = list(table)
    if not rows:
        raise ValueError("table has no rows to draw")
    for key in ("method", "mask_kind", metric):
        if key not in rows[0]:
            raise ValueError(f"table rows need a {key!r} entry; they have {sorted(rows[0])}")
    kinds = list(dict.fromkeys(row["mask_kind"] for row in rows))
    names = list(methods) if methods is not None else list(dict.fromkeys(row["method"] for row in rows))
    values = {(row["method"], row["mask_kind"]): row[metric] for row in rows}
    if ax is None:
        _, ax = plt.subplots(figsize=(max(5.0, 1.0 + 0.35 * len(names) * len(kinds)), 3.6), layout="constrained")
    width = 0.8 / max(1, len(names))
    colours = {**method_colours(names), **(colours or {})}
    hatched_any = False
    for i, name in enumerate(names):
        xs, heights, hatches = [], [], []
        for j, kind in enumerate(kinds):
            value = values.get((name, kind))
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            xs.append(j - 0.4 + width * (i + 0.5))
            heights.append(_metric_value(metric, value))
            untrained = trained_kinds is not None and name in trained_kinds and kind not in trained_kinds[name]
            hatches.append("//" if untrained else "")
            hatched_any |= untrained
        bars = ax.bar(xs, heights, width=width * 0.95, color=colours[name], label=name)
        for bar, hatch in zip(bars, hatches):
            if hatch:
                bar.set_hatch(hatch)
                bar.set_edgecolor("white")
    ax.set_xticks(range(len(kinds)))
    ax.set_xticklabels(kinds)
    ax.set_ylabel(metric_label(metric))
    if metric.startswith("psnr") and rows:
        finite = [_metric_value(metric, v) for v in values.values() if v is not None and not math.isnan(v)]
        if finite:
            ax.set_ylim(max(0.0, min(finite) - 3.0), max(finite) + 1.5)
    # Plain patches for the legend: a method's first bar may be hatched.
    handles = [Patch(facecolor=colours[name], label=name) for name in names]
    if hatched_any:
        handles.append(Patch(facecolor="0.75", hatch="//", edgecolor="white", label="not trained on this kind"))
    ax.legend(handles=handles, fontsize="x-small", ncol=2)
    ax.grid(axis="y", alpha=0.3)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_area_bins(
    table,
    metric: str = "psnr_hole",
    ax=None,
    title: str | None = None,
    methods: Sequence[str] | None = None,
    learned: Sequence[str] = (),
    colours: Mapping[str, str] | None = None,
):
    """Draw a metric against the hole's share of the image, one line per method (LaMa's bins).

    Parameters
    ----------
    table : SummaryTable or list of dict
        Rows with ``method``, ``area_bin``, ``n`` and ``metric``
        (``result.table(by=("method", "area_bin"))``).
    metric : str
        Which column to draw; L1 is drawn in percent.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    methods : sequence of str, optional
        Methods to draw (default: all, in table order).
    learned : sequence of str
        Learned methods are drawn with solid lines, the others dashed.
    colours : dict, optional
        ``method -> colour`` (default :func:`method_colours`).

    Returns
    -------
    matplotlib.axes.Axes
        The x axis lists the bins that hold at least one image, in increasing order.
    """
    rows = list(table)
    if not rows:
        raise ValueError("table has no rows to draw")
    for key in ("method", "area_bin", metric):
        if key not in rows[0]:
            raise ValueError(f"table rows need a {key!r} entry; they have {sorted(rows[0])}")
    order = area_bin_labels()
    bins = [label for label in order if any(row["area_bin"] == label for row in rows)]
    position = {label: i for i, label in enumerate(bins)}
    names = list(methods) if methods is not None else list(dict.fromkeys(row["method"] for row in rows))
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.6), layout="constrained")
    colours = {**method_colours(names), **(colours or {})}
    for name in names:
        points = sorted(
            (position[row["area_bin"]], _metric_value(metric, row[metric]))
            for row in rows
            if row["method"] == name and row["area_bin"] in position and not math.isnan(row[metric])
        )
        if not points:
            continue
        xs, ys = zip(*points)
        ax.plot(xs, ys, "-" if name in learned else "--", marker="o", markersize=4, label=name, color=colours[name])
    counts = {}
    for row in rows:
        counts[row["area_bin"]] = max(counts.get(row["area_bin"], 0), int(row.get("n", 0)))
    ax.set_xticks(range(len(bins)))
    ax.set_xticklabels([f"{label}\n(n≤{counts[label]})" for label in bins], fontsize=8)
    ax.set_xlabel("share of the image in the hole")
    ax.set_ylabel(metric_label(metric))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="x-small", ncol=2)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


# --------------------------------------------------------------------------- galleries


def _outline_hole(ax, mask: torch.Tensor, colour: str = "white") -> None:
    """Draw the border of the hole on ``ax`` (1 = missing)."""
    if mask.any() and not mask.all():
        ax.contour(mask.float().numpy(), levels=[0.5], colors=colour, linewidths=0.6)


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
    and the original (plus the input with its hole in grey when ``show_input``).

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
        Add the input (hole in grey) before each fill.

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
                panel.set_xticks([])
                panel.set_yticks([])
            if record is None:
                for panel in panels:
                    panel.axis("off")
                continue
            image = _resize(get_image(record["index"]), result.image_size)
            mask = result.mask(record["index"], record["mask_kind"], size=tuple(image.shape[-2:]))
            filled = inpainter(image, mask)
            if show_input:
                panels[0].imshow(to_display(fill_hole(image, mask)))
                panels[0].set_title("input", fontsize=7)
            fill_panel, original_panel = panels[-2], panels[-1]
            fill_panel.imshow(to_display(filled))
            _outline_hole(fill_panel, mask)
            fill_panel.set_title(
                f"{label} {rank + 1}: {_short_value(metric, record[metric])}\n{record['mask_kind']}, photo {record['index']}",
                fontsize=7,
            )
            original_panel.imshow(to_display(image))
            original_panel.set_title("original", fontsize=7)
        axes[row, 0].set_ylabel(name, fontsize=8)
    figure = axes[0, 0].figure
    return figure, axes


def jpeg_image(figure, quality: int = 85, dpi: float | None = None):
    """Render ``figure`` as a JPEG, close it, and return an :class:`IPython.display.Image`.

    Galleries of photos stored as PNG make a notebook several megabytes large; JPEG keeps them
    at a fraction of that, with no visible loss at ``quality=85``. Line plots stay PNG.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    quality : int
        JPEG quality, 1 to 95.
    dpi : float, optional
        Resolution (default: the figure's own).
    """
    import io

    from IPython.display import Image

    if not 1 <= int(quality) <= 95:
        raise ValueError(f"quality must be between 1 and 95, got {quality!r}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="jpeg", dpi=dpi or figure.dpi, bbox_inches="tight", pil_kwargs={"quality": int(quality)})
    plt.close(figure)
    return Image(data=buffer.getvalue(), format="jpeg")


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
    panels[0].imshow(to_display(fill_hole(image, mask, HOLE_GREY)))
    panels[0].set_title(f"input: {share:.1%} missing", fontsize=8)
    for panel, (name, result) in zip(panels[1:], filled.items()):
        if result is None:
            panel.text(0.5, 0.5, notes.get(name, "cannot fill\nthis mask"), ha="center", va="center", fontsize=8, wrap=True)
            panel.set_title(name, fontsize=8)
        else:
            panel.imshow(to_display(result))
            scores = metrics.get(name) or {}
            text = " · ".join(
                _short_value(key, scores[key]) for key in ("psnr_hole", "ssim_hole") if key in scores
            )
            panel.set_title(f"{name}\n{text}" if text else name, fontsize=8)
    panels[count - 1].imshow(to_display(image))
    panels[count - 1].set_title("original", fontsize=8)
    for panel in panels[:count]:
        panel.set_xticks([])
        panel.set_yticks([])
    return figure, panels
