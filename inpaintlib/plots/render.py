"""Rendering figures: to PNG or JPEG bytes, into a notebook's output, several pictures stacked.

Taught in notebook 08 (``08_evaluation.ipynb``); every explorer of :mod:`inpaintlib.widgets`
renders its view through :func:`figure_bytes`.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt

__all__ = ["figure_bytes", "jpeg_image", "show_figure", "stack_pictures"]


def show_figure(figure) -> None:
    """Display ``figure`` in a running kernel (in the cell's output), then close it.

    Without a kernel (tests, scripts) the figure is only closed, so figures do
    not pile up.
    """
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(figure)
    plt.close(figure)


def figure_bytes(figure, format: str = "png", dpi: float = 80) -> bytes:
    """Render ``figure`` to PNG or JPEG bytes on a white background, and close it.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        Made with pyplot or as a bare ``Figure``; either way it is closed afterwards.
    format : {"png", "jpeg"}
        JPEG keeps photos small; PNG keeps masks and line art sharp.
    dpi : float
        Resolution of the rendering.
    """
    if format not in ("png", "jpeg"):
        raise ValueError(f"format must be 'png' or 'jpeg', got {format!r}")
    buffer = io.BytesIO()
    options = {"pil_kwargs": {"quality": 85}} if format == "jpeg" else {}
    figure.savefig(buffer, format=format, dpi=dpi, bbox_inches="tight", facecolor="white", **options)
    plt.close(figure)
    return buffer.getvalue()


def stack_pictures(pictures: list[bytes]) -> bytes:
    """One PNG with ``pictures`` one under another, left-aligned on white."""
    if not pictures:
        return b""
    from PIL import Image

    images = [Image.open(io.BytesIO(data)).convert("RGB") for data in pictures]
    canvas = Image.new("RGB", (max(image.width for image in images), sum(image.height for image in images)), "white")
    top = 0
    for image in images:
        canvas.paste(image, (0, top))
        top += image.height
    buffer = io.BytesIO()
    canvas.save(buffer, format="png")
    return buffer.getvalue()


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
    from IPython.display import Image

    if not 1 <= int(quality) <= 95:
        raise ValueError(f"quality must be between 1 and 95, got {quality!r}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="jpeg", dpi=dpi or figure.dpi, bbox_inches="tight", pil_kwargs={"quality": int(quality)})
    plt.close(figure)
    return Image(data=buffer.getvalue(), format="jpeg")
