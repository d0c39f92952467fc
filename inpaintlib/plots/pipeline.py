"""The workbook's pipeline in one figure: from a photo and a hole to a fill, its losses and its scores.

Taught in notebook 00 (``00_data.ipynb``), which draws it before any data is loaded; the README
shows the same figure (``docs/pipeline.png``, written by :func:`save_pipeline_figure`).
"""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

__all__ = ["PIPELINE_STAGES", "plot_pipeline", "save_pipeline_figure"]

#: (column, row, title, detail, notebook) of each box, in the order the arrows join them: row 0 is the
#: generator, row 1 (right to left) how it is trained and scored.
PIPELINE_STAGES = (
    (0, 0, "photo", "3 x H x W in [0, 1]\n70/15/15 split", "00"),
    (1, 0, "hole", "center block, random\nblocks, free-form", "01"),
    (2, 0, "encoder input", "hole erased, or filled\nby Telea (+ mask)", "03-04"),
    (3, 0, "encoder", "convolutions\n(AlexNet in Model 3)", "03-05"),
    (4, 0, "bottleneck", "channel-wise FC:\nevery position of a map", "04"),
    (5, 0, "decoder", "transposed convolutions\n-> the fill", "03"),
    (5, 1, "compose", "known pixels kept,\nthe fill in the hole", "03"),
    (4, 1, "loss terms", "L2 in the hole; BCE of a\npatch discriminator; style", "02-06"),
    (3, 1, "joint loss", "0.999 rec + 0.001 adv:\nAdam steps G, then D", "03"),
    (2, 1, "best checkpoint", "best validation epoch;\nearly stopping", "03"),
    (1, 1, "scores", "PSNR, SSIM, L1 in the hole\non test photos", "08"),
    (0, 1, "against the classics", "Telea, Navier-Stokes,\nbiharmonic, mean color", "08"),
)

_ARROWS = tuple((index, index + 1) for index in range(len(PIPELINE_STAGES) - 1))


def plot_pipeline(ax=None, width: float = 2.0, height: float = 1.05):
    """Draw :data:`PIPELINE_STAGES` as boxes joined by arrows, each box labeled with its notebook.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new 15 x 4.6 inch figure when ``None``).
    width, height : float
        Size of each box in data units (the columns are 2.4 apart, the rows 1.6).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(15, 4.6))
    centers = []
    for column, row, title, detail, notebook in PIPELINE_STAGES:
        x, y = 2.4 * column, -1.6 * row
        centers.append((x, y))
        color = "#dbe9f6" if row == 0 else "#fbe3cf"
        ax.add_patch(
            FancyBboxPatch(
                (x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.04", facecolor=color,
                edgecolor="#444444", linewidth=1.0,
            )
        )
        ax.text(x, y + 0.2, title, ha="center", va="center", fontsize=9, weight="bold")
        ax.text(x, y - 0.08, detail, ha="center", va="center", fontsize=7.8)
        ax.text(x, y - height / 2 + 0.02, f"notebook {notebook}", ha="center", va="bottom", fontsize=6.5, color="#555555")
    for start, end in _ARROWS:
        (x0, y0), (x1, y1) = centers[start], centers[end]
        if y0 == y1:
            step = width / 2 + 0.05
            begin, finish = (x0 + step, y0) if x1 > x0 else (x0 - step, y0), (x1 - step, y1) if x1 > x0 else (x1 + step, y1)
        else:
            begin, finish = (x0, y0 - height / 2 - 0.05), (x1, y1 + height / 2 + 0.05)
        ax.add_patch(FancyArrowPatch(begin, finish, arrowstyle="-|>", mutation_scale=11, color="#333333"))
    ax.set_xlim(-width / 2 - 0.2, 2.4 * 5 + width / 2 + 0.2)
    ax.set_ylim(-1.6 - height / 2 - 0.2, height / 2 + 0.2)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("The generator (top) and how it is trained and scored (bottom)", fontsize=11)
    return ax


def save_pipeline_figure(path: str | os.PathLike, dpi: int = 110) -> str:
    """Draw the pipeline and save it as an image at ``path`` (the README's ``docs/pipeline.png``); return the path."""
    ax = plot_pipeline()
    ax.figure.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(ax.figure)
    return os.fspath(path)
