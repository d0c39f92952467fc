"""Receptive-field figures and the receptive-field explorer widget.

Taught in notebook 02 (``02_receptive_field.ipynb``).

:func:`plot_receptive_field` draws one unit's input gradient over an image,
:func:`plot_unit_boxes` the analytic regions of several units,
:func:`plot_patch_sizes` one square per network, and
:func:`receptive_field_explorer` lets sliders pick the unit. Every figure takes
``ax=None`` so that it composes with others, and makes its own axes through
:func:`inpaintlib.plots.common.new_axes` like every figure of :mod:`inpaintlib.plots`.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
from torch import nn

from inpaintlib.receptive_field.analysis import unit_region
from inpaintlib.receptive_field.geometry import _fmt_axes, _fmt_size
from inpaintlib.receptive_field.gradient import (
    EmpiricalReceptiveField,
    _display_image,
    _GradientProbe,
    _image_tensor,
)
from inpaintlib.receptive_field.table import ReceptiveFieldTable

__all__ = ["plot_patch_sizes", "plot_receptive_field", "plot_unit_boxes", "receptive_field_explorer"]


def _axes(ax):
    from inpaintlib.plots.common import new_axes

    return new_axes(ax, (5, 5))


def _show_image(image, ax) -> np.ndarray:
    """Show ``image`` in ``ax`` (gray when it has one channel); return the array shown."""
    picture = _display_image(image)
    ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None, interpolation="nearest")
    return picture


def _color_list(colors) -> list:
    """``colors`` as a list, or matplotlib's color cycle when it is None."""
    import matplotlib.pyplot as plt

    return list(colors) if colors is not None else plt.rcParams["axes.prop_cycle"].by_key()["color"]


def _rectangle(bounds, **style):
    from matplotlib.patches import Rectangle

    (top, bottom), (left, right) = bounds
    return Rectangle((left - 0.5, top - 0.5), right - left + 1, bottom - top + 1, fill=False, **style)


def _draw_measurement(result: EmpiricalReceptiveField, image, ax, title=None, zoom=False):
    from matplotlib.colors import PowerNorm

    _show_image(image, ax)
    heat = np.ma.masked_where(result.gradient <= 0, result.gradient / result.gradient.max())
    ax.imshow(heat, cmap="magma", alpha=0.65, norm=PowerNorm(0.4, vmin=0, vmax=1), interpolation="nearest")
    ax.add_patch(_rectangle(result.expected_bounds, edgecolor="cyan", linewidth=1.5, linestyle="--",
                            label="analytic region"))
    ax.add_patch(_rectangle(result.bounds, edgecolor="yellow", linewidth=1.5, label="non-zero gradient"))
    height, width = result.input_size
    if zoom:
        (top, bottom), (left, right) = result.expected_bounds
        margin = max(2, (bottom - top + 1) // 4)
        ax.set_xlim(left - 0.5 - margin, right + 0.5 + margin)
        ax.set_ylim(bottom + 0.5 + margin, top - 0.5 - margin)
    else:
        ax.set_xlim(-0.5, width - 0.5)
        ax.set_ylim(height - 0.5, -0.5)
    ax.set_axis_off()
    size = _fmt_size(result.size)
    ax.set_title(title or f"unit {result.unit}: {size} px" + (", truncated" if result.truncated else ""))
    return ax


def plot_receptive_field(module: nn.Module, image, unit=None, *, ax=None, linearize: bool = True, seed: int = 0,
                         zoom: bool = False):
    """Show one output unit's input gradient as a heat map over ``image``.

    The yellow box is the measured region (non-zero gradient), the dashed cyan
    box the analytic one (it runs past the border for units that see padding).

    Parameters
    ----------
    module : torch.nn.Module
        A 2-d network.
    image : torch.Tensor or numpy.ndarray
        ``(3, H, W)`` tensor in [0, 1] or ``(H, W, 3)`` array.
    unit : tuple of int, optional
        ``(row, col)`` of the output unit (the center by default).
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new figure by default).
    linearize, seed
        As in :func:`empirical_receptive_field`.
    zoom : bool, default False
        Show only the unit's window (and a margin) instead of the whole image.

    Returns
    -------
    matplotlib.axes.Axes
    """
    x = _image_tensor(image)
    probe = _GradientProbe(module, tuple(x.shape[2:]), linearize=linearize, seed=seed, in_channels=x.shape[1])
    result = probe.measure(unit, x)
    return _draw_measurement(result, image, _axes(ax), zoom=zoom)


def plot_unit_boxes(table: ReceptiveFieldTable, image, units, *, ax=None, colors=None, show_centers: bool = True):
    """Draw the analytic receptive fields of several output units on ``image``.

    The part of a box inside the image is drawn solid; where the region runs past
    the border (the unit sees zero padding) the full box is drawn dashed.

    Parameters
    ----------
    table : ReceptiveFieldTable
        From :func:`receptive_field` for this image size.
    image : torch.Tensor or numpy.ndarray
        The picture to draw on.
    units : sequence of tuple of int
        Output units ``(row, col)``.
    ax : matplotlib.axes.Axes, optional
    colors : sequence of colors, optional
    show_centers : bool, default True
        Mark every output unit's center with a dot (the grid of the output map).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    _show_image(image, ax)
    colors = _color_list(colors)
    if show_centers:
        final = table.final
        rows = [float(final.start[0] + i * final.jump[0]) for i in range(final.output_size[0])]
        cols = [float(final.start[1] + j * final.jump[1]) for j in range(final.output_size[1])]
        grid_r, grid_c = np.meshgrid(rows, cols, indexing="ij")
        ax.scatter(grid_c.ravel(), grid_r.ravel(), s=4, c="white", alpha=0.7, linewidths=0)
    height, width = table.input_size
    top, left, bottom, right = 0, 0, height - 1, width - 1
    for i, unit in enumerate(units):
        color = colors[i % len(colors)]
        full = unit_region(table, unit, clip=False)
        clipped = unit_region(table, unit, clip=True)
        ax.add_patch(_rectangle(clipped, edgecolor=color, linewidth=2, label=f"unit {tuple(unit)}"))
        if full != clipped:
            ax.add_patch(_rectangle(full, edgecolor=color, linewidth=1, linestyle="--"))
        top, bottom = min(top, full[0][0]), max(bottom, full[0][1])
        left, right = min(left, full[1][0]), max(right, full[1][1])
    margin = 0.02 * max(height, width)
    ax.set_xlim(left - 0.5 - margin, right + 0.5 + margin)
    ax.set_ylim(bottom + 0.5 + margin, top - 0.5 - margin)
    ax.legend(loc="upper right", fontsize="small", framealpha=0.8)
    ax.set_title(f"receptive fields of {len(units)} units ({_fmt_axes(table.final.rf)} px)")
    return ax


def plot_patch_sizes(image, tables: Mapping[str, ReceptiveFieldTable], *, ax=None, colors=None):
    """Draw, centered on ``image``, one square per network showing the patch one output unit judges.

    Parameters
    ----------
    image : torch.Tensor or numpy.ndarray
        The picture.
    tables : mapping of str to ReceptiveFieldTable
        A label per network, e.g. ``{"patch discriminator": t1, "AlexNet features": t2}``.
    ax : matplotlib.axes.Axes, optional
    colors : sequence of colors, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    picture = _show_image(image, ax)
    height, width = picture.shape[:2]
    colors = _color_list(colors)
    for i, (label, table) in enumerate(tables.items()):
        rf_h, rf_w = table.final.rf
        top, left = (height - rf_h) / 2, (width - rf_w) / 2
        from matplotlib.patches import Rectangle

        ax.add_patch(Rectangle((left - 0.5, top - 0.5), rf_w, rf_h, fill=False, linewidth=2,
                               edgecolor=colors[i % len(colors)],
                               label=f"{label}: {_fmt_axes(table.final.rf)} px, stride {_fmt_axes(table.final.jump)}"))
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(height - 0.5, -0.5)
    ax.set_axis_off()
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.02 - 0.07 * len(tables)), fontsize="small")
    ax.set_title("what one output unit sees")
    return ax


def receptive_field_explorer(module: nn.Module, image, *, linearize: bool = True, seed: int = 0, draw_first: bool = True):
    """An explorer widget: sliders pick an output unit, the picture shows what it sees.

    Parameters
    ----------
    module : torch.nn.Module
        A 2-d, fully convolutional network (copied once, never changed).
    image : torch.Tensor or numpy.ndarray
        The picture, ``(3, H, W)`` in [0, 1] or ``(H, W, 3)``.
    linearize, seed
        As in :func:`empirical_receptive_field`.
    draw_first : bool
        Kept so older notebooks still run; the starting view (the center unit) is always
        drawn into the explorer's own picture, and ``explorer.f(**explorer.kwargs)`` only
        returns the box.

    Returns
    -------
    inpaintlib.widgets.Explorer
        Sliders ``row`` and ``col`` (its first two children, starting on the center unit),
        redrawn once per release of a slider. Its ``.result`` is the measured box
        ``(top, left, bottom, right)`` of the non-zero gradient (inclusive pixel indices).
    """
    import ipywidgets
    from matplotlib.figure import Figure

    from inpaintlib.widgets import Explorer, View

    x = _image_tensor(image)
    if x.ndim != 4:
        raise ValueError("receptive_field_explorer needs a 2-d image")
    probe = _GradientProbe(module, tuple(x.shape[2:]), linearize=linearize, seed=seed, in_channels=x.shape[1])
    out_h, out_w = probe.table.output_size

    def view(draw: bool, row: int, col: int) -> View:
        result = probe.measure((int(row), int(col)), x)
        if not draw:
            return View(result.box)
        figure = Figure(figsize=(4.5, 4.5))
        _draw_measurement(result, image, figure.subplots())
        return View(result.box, figure)

    slider = dict(continuous_update=False)
    controls = dict(
        row=ipywidgets.IntSlider(value=out_h // 2, min=0, max=out_h - 1, description="row", **slider),
        col=ipywidgets.IntSlider(value=out_w // 2, min=0, max=out_w - 1, description="col", **slider),
    )
    return Explorer(controls, view, description="receptive-field explorer")
