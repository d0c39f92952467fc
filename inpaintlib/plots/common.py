"""What every figure shares: colors per mask kind and per method, metric labels, new axes.

Taught in notebook 01 (``01_masks.ipynb``) and used by every notebook's figures.

Every helper of :mod:`inpaintlib.plots` draws on the axes it is given (``ax=None`` or
``axes=None``) or makes its own with :func:`new_axes`, and returns what it drew on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt

from inpaintlib.metrics import COLUMN_TITLES

__all__ = [
    "BASELINE_COLORS",
    "HOLE_GRAY",
    "KIND_COLORS",
    "bare_panel",
    "method_colors",
    "metric_label",
    "metric_value",
    "new_axes",
    "short_value",
    "table_rows",
]

#: The flat color that marks a hole in previews.
HOLE_GRAY = (0.5, 0.5, 0.5)

#: One color per mask kind, used by every figure that compares kinds.
KIND_COLORS = {"center": "tab:blue", "blocks": "tab:orange", "free_form": "tab:green"}

#: Fixed colors of the classical methods, so they look the same in every figure.
BASELINE_COLORS = {"telea": "tab:olive", "navier_stokes": "tab:cyan", "biharmonic": "tab:purple", "mean_color": "0.6"}


_LEARNED_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:brown", "tab:pink", "black", "gold")


def new_axes(ax=None, figsize: tuple[float, float] = (5, 5), **options):
    """Return ``ax``, or the axes of a new figure of ``figsize`` inches when it is ``None``."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, **options)
    return ax


def bare_panel(ax, picture=None, title: str | None = None, fontsize: float = 9, interpolation="nearest", **options):
    """Show ``picture`` (an array matplotlib can show, or nothing) on ``ax`` without ticks, titled.

    ``interpolation="nearest"`` keeps mask edges and filters sharp; photo galleries pass
    ``"antialiased"``, which shrinks photos smoothly.
    """
    if picture is not None:
        ax.imshow(picture, interpolation=interpolation, **options)
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=fontsize)
    return ax


def table_rows(table, keys: Sequence[str]) -> list[dict]:
    """The rows of a summary table (or list of dicts), checked to be there and to hold ``keys``."""
    rows = list(table)
    if not rows:
        raise ValueError("table has no rows to draw")
    for key in keys:
        if key not in rows[0]:
            raise ValueError(f"table rows need a {key!r} entry; they have {sorted(rows[0])}")
    return rows


def method_colors(names: Sequence[str]) -> dict[str, str]:
    """Colors for methods: the fixed :data:`BASELINE_COLORS` for the classical ones, a cycle for the others."""
    colors, learned = {}, 0
    for name in names:
        if name in BASELINE_COLORS:
            colors[name] = BASELINE_COLORS[name]
        else:
            colors[name] = _LEARNED_COLORS[learned % len(_LEARNED_COLORS)]
            learned += 1
    return colors


def metric_label(metric: str) -> str:
    """The axis label of a metric, e.g. ``"PSNR hole (dB)"``."""
    return COLUMN_TITLES.get(metric, metric)


def metric_value(metric: str, value: float) -> float:
    """Values as tables print them: L1 in percent."""
    return 100.0 * value if metric.startswith("l1") or metric == "hole_fraction" else value


def short_value(metric: str, value: float) -> str:
    """A score as a figure title writes it: ``"21.3 dB"``, ``"4.2%"``, ``"0.812"``, or a dash when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if metric.startswith("psnr"):
        return f"{value:.1f} dB"
    if metric.startswith("l1"):
        return f"{100 * value:.1f}%"
    return f"{value:.3f}"
