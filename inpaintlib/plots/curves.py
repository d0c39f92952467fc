"""Curve figures: a run's loss curves, several runs side by side, scores against hole area or minutes.

Taught in notebook 03 (``03_center_block.ipynb``); notebooks 04-08 draw the same curves.

* :func:`plot_history` (what :meth:`inpaintlib.history.History.plot` draws) and
  :func:`plot_history_terms`: one run, training solid and validation dashed.
* :func:`compare_runs`: one curve per run for one loss term.
* :func:`plot_loss_grid`: one row per run, one panel per loss term.
* :func:`plot_area_bins`: a metric against the share of the image the hole covers (LaMa's bins).
* :func:`plot_hole_score_curve`: PSNR inside the hole against training minutes
  (:meth:`inpaintlib.learning_curve.HoleScoreCurve.plot`).

Every loss curve is drawn by one helper, so a run looks the same in each figure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from inpaintlib.history import SPLITS, TERMS
from inpaintlib.metrics import area_bin_labels
from inpaintlib.plots.common import method_colors, metric_label, metric_value, new_axes, table_rows

__all__ = [
    "compare_runs",
    "plot_area_bins",
    "plot_history",
    "plot_history_terms",
    "plot_hole_score_curve",
    "plot_loss_grid",
]


# --------------------------------------------------------------------------- loss curves


#: Curves with more points than this are drawn without markers.
_MARKED_POINTS = 30


def _curve(ax, history, term: str, split: str, *style, **options) -> bool:
    """Draw ``history``'s ``term`` on ``split`` against the epoch; False when the run has no value.

    Each epoch gets a marker while there are few of them (30 or fewer); beyond that markers would hide
    the line style that tells training (solid) from validation (dashed), so the line is drawn alone,
    validation a little thicker.
    """
    points = [(e, v) for e, v in zip(history.epochs, history.series(term, split)) if v is not None]
    if not points:
        return False
    xs, ys = zip(*points)
    if len(points) <= _MARKED_POINTS:
        ax.plot(xs, ys, *style, marker="o", **options)
    else:
        options = {key: value for key, value in options.items() if key != "markersize"}
        ax.plot(xs, ys, *style, linewidth=1.8 if split == "val" else 1.2, **options)
    return True


def _check_terms(terms: Sequence[str]) -> None:
    for term in terms:
        if term not in TERMS:
            raise ValueError(f"terms must be names from {TERMS}, got {term!r}")


def _terms_present(history, terms: Iterable[str]) -> list[str]:
    return [t for t in terms if any(v is not None for split in SPLITS for v in history.series(t, split))]


def plot_history(history, ax=None, terms: str | Sequence[str] = ("total",), log: bool = False):
    """Draw training (solid) and validation (dashed) curves per term on one Axes.

    The best epoch is marked with a vertical dotted line and, when early stopping ended
    the run, the stopping point with a vertical dash-dotted line.

    Parameters
    ----------
    history : inpaintlib.history.History
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made when ``None``.
    terms : str or sequence of str
        Loss terms to draw (see :data:`inpaintlib.history.TERMS`); terms the run did not
        compute are skipped.
    log : bool
        Use a logarithmic loss axis.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if isinstance(terms, str):
        terms = (terms,)
    _check_terms(terms)
    ax = new_axes(ax, (6, 4))
    colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0", "C1", "C2", "C3", "C4"])
    for index, term in enumerate(terms):
        color = colors[index % len(colors)]
        for split, style in (("train", "-"), ("val", "--")):
            _curve(ax, history, term, split, style, color=color, markersize=3, label=f"{split} {term}")
    if history.best_epoch is not None:
        ax.axvline(history.best_epoch, color="0.3", linestyle=":", label=f"best epoch ({history.best_epoch})")
    if history.stopped_early and history.records:
        ax.axvline(history.records[-1]["epoch"], color="C3", linestyle="-.", label="early stop")
    ax.set_xlabel("epoch")
    ax.set_ylabel("average loss")
    if log:
        ax.set_yscale("log")
    if len(history.records) > 0:
        ax.legend(fontsize="small")
    return ax


def plot_history_terms(history, axes=None, terms: Iterable[str] = TERMS, log: bool = False):
    """Draw one panel per loss term of ``history`` (terms the run did not compute are left out).

    Returns
    -------
    list of matplotlib.axes.Axes
    """
    present = _terms_present(history, terms) or ["total"]
    if axes is None:
        _, axes = plt.subplots(1, len(present), figsize=(3.6 * len(present), 3.2), squeeze=False)
        axes = list(axes[0])
    axes = list(axes) if not hasattr(axes, "plot") else [axes]
    if len(axes) < len(present):
        raise ValueError(f"need {len(present)} axes for terms {present}, got {len(axes)}")
    for ax, term in zip(axes, present):
        plot_history(history, ax=ax, terms=term, log=log)
        ax.set_title(term)
    return axes


def compare_runs(
    histories: Mapping[str, object],
    term: str = "rec",
    split: str = "val",
    ax=None,
    log: bool = False,
):
    """Draw one curve per training run: ``term`` on ``split`` against the epoch.

    Parameters
    ----------
    histories : dict
        ``run name -> History`` (:class:`inpaintlib.history.History`).
    term : str
        A loss term (``"total"``, ``"rec"``, ``"adv"``, ``"style"``, ``"disc"``).
    split : {"val", "train"}
    ax : matplotlib axes, optional
    log : bool
        Logarithmic loss axis.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not histories:
        raise ValueError("histories is empty: give at least one run")
    ax = new_axes(ax, (5.5, 3.6))
    for name, history in histories.items():
        _curve(ax, history, term, split, markersize=4, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"{split} {term} loss")
    if log:
        ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    return ax


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
    _check_terms(terms)
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
            plot_history(history, ax=ax, terms=term, log=log)
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


# --------------------------------------------------------------------------- scores


def plot_area_bins(
    table,
    metric: str = "psnr_hole",
    ax=None,
    title: str | None = None,
    methods: Sequence[str] | None = None,
    learned: Sequence[str] = (),
    colors: Mapping[str, str] | None = None,
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
    colors : dict, optional
        ``method -> color`` (default :func:`method_colors`).

    Returns
    -------
    matplotlib.axes.Axes
        The x axis lists the bins that hold at least one image, in increasing order.
    """
    rows = table_rows(table, ("method", "area_bin", metric))
    order = area_bin_labels()
    bins = [label for label in order if any(row["area_bin"] == label for row in rows)]
    position = {label: i for i, label in enumerate(bins)}
    names = list(methods) if methods is not None else list(dict.fromkeys(row["method"] for row in rows))
    ax = new_axes(ax, (6.0, 3.6), layout="constrained")
    colors = {**method_colors(names), **(colors or {})}
    for name in names:
        points = sorted(
            (position[row["area_bin"]], metric_value(metric, row[metric]))
            for row in rows
            if row["method"] == name and row["area_bin"] in position and not math.isnan(row[metric])
        )
        if not points:
            continue
        xs, ys = zip(*points)
        ax.plot(xs, ys, "-" if name in learned else "--", marker="o", markersize=4, label=name, color=colors[name])
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


def plot_hole_score_curve(curve, references: Mapping[str, Mapping[str, float]] | None = None, axes=None, size: float = 3.6):
    """Draw one panel per mask kind: a :class:`~inpaintlib.learning_curve.HoleScoreCurve`'s score
    against minutes, with reference methods as flat dashed lines.

    Parameters
    ----------
    curve : HoleScoreCurve
    references : dict, optional
        ``method name -> {mask kind -> score}`` (e.g. Telea's and biharmonic's), drawn dashed.
    axes : sequence of matplotlib Axes, optional
        One per mask kind; a new figure when ``None``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    kinds = curve.mask_kinds
    if axes is None:
        figure, axes = plt.subplots(1, len(kinds), figsize=(size * len(kinds), size * 0.8))
        axes = [axes] if len(kinds) == 1 else list(axes)
    figure = axes[0].figure
    minutes = [point["minutes"] for point in curve.points]
    for ax, kind in zip(axes, kinds):
        ax.plot(minutes, [point[kind] for point in curve.points], marker="o", markersize=3, label="model")
        for index, (name, scores) in enumerate((references or {}).items()):
            ax.axhline(scores[kind], color=f"C{index + 1}", linestyle="--", linewidth=1, label=name)
        ax.set_title(kind)
        ax.set_xlabel("training minutes")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"{curve.metric} (dB)" if curve.metric.startswith("psnr") else curve.metric)
    axes[-1].legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    return figure
