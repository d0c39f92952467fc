"""Interactive explorers for the notebooks, built on ``ipywidgets.interactive``.

The callbacks live here, not in the notebooks, so they are unit-tested without a
kernel: build the explorer, set a slider's ``value``, and read ``.result``
(every callback returns what it drew, e.g. the mask).
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from inpaintlib import masks as mask_lib
from inpaintlib.viz import masked_preview, show_mask_grid

__all__ = ["mask_explorer", "mask_preview_callback", "show_figure"]


def show_figure(figure) -> None:
    """Display ``figure`` in a running kernel (inside a widget's output), then close it.

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


def _image_size(image: torch.Tensor) -> tuple[int, int]:
    if not isinstance(image, torch.Tensor) or image.dim() != 3 or image.shape[0] != 3:
        shape = tuple(image.shape) if hasattr(image, "shape") else type(image).__name__
        raise ValueError(f"image must be a (3, H, W) tensor in [0, 1], got {shape}")
    return int(image.shape[1]), int(image.shape[2])


def _draw(image: torch.Tensor, mask: torch.Tensor, show: bool, caption: str) -> torch.Tensor:
    if show:
        figure, axes = plt.subplots(1, 2, figsize=(6.4, 3.4))
        show_mask_grid([mask], titles=["mask (white = missing)"], axes=axes[:1])
        masked_preview(image, mask, ax=axes[1], title=f"{caption}: {mask.mean().item():.1%} missing")
        figure.tight_layout()
        show_figure(figure)
    return mask


def mask_preview_callback(image: torch.Tensor, kind: str = "center", show: bool = True) -> Callable[..., torch.Tensor]:
    """Return the function an explorer calls on every slider change.

    Parameters
    ----------
    image : torch.Tensor
        ``(3, H, W)`` photo in ``[0, 1]``; masks take its size.
    kind : {"center", "blocks", "free_form"}
        Which mask family the callback draws.
    show : bool
        Draw the mask and the masked photo side by side (off: only return the mask).

    Returns
    -------
    callable
        ``center``: ``f(hole, dy, dx)``; ``blocks``: ``f(count, block_size, seed)``;
        ``free_form``: ``f(strokes, width, seed)``. Each returns the ``(H, W)`` mask.
        Offsets that would push the hole outside the image are clamped to the border.
    """
    size = _image_size(image)
    height, width = size
    if kind == "center":

        def preview_center(hole: int, dy: int, dx: int) -> torch.Tensor:
            hole = max(1, min(int(hole), height, width))
            spare_y, spare_x = height - hole, width - hole
            dy = max(-(spare_y // 2), min(int(dy), spare_y - spare_y // 2))
            dx = max(-(spare_x // 2), min(int(dx), spare_x - spare_x // 2))
            mask = mask_lib.center_block(size, hole=hole, offset=(dy, dx))
            return _draw(image, mask, show, f"center {hole}px")

        return preview_center
    if kind == "blocks":

        def preview_blocks(count: int, block_size: int, seed: int) -> torch.Tensor:
            mask = mask_lib.random_blocks(size, count=int(count), block_size=int(block_size), seed=int(seed))
            return _draw(image, mask, show, f"{count} blocks")

        return preview_blocks
    if kind == "free_form":

        def preview_free_form(strokes: int, width: int, seed: int) -> torch.Tensor:
            mask = mask_lib.free_form(
                size, strokes=int(strokes), width=int(width), coverage=(0.0, 1.0), seed=int(seed)
            )
            return _draw(image, mask, show, f"{strokes} strokes")

        return preview_free_form
    raise ValueError(f"kind={kind!r} is not a mask kind; known kinds are {mask_lib.KINDS}")


def mask_explorer(image: torch.Tensor, kind: str = "center", seed: int = 0, show: bool = True) -> widgets.interactive:
    """Return sliders for one mask family with a live preview over ``image``.

    Parameters
    ----------
    image : torch.Tensor
        ``(3, H, W)`` photo in ``[0, 1]``.
    kind : {"center", "blocks", "free_form"}
        ``center``: hole size and (dy, dx) offset; ``blocks``: block count and
        size; ``free_form``: stroke count and brush width. Random kinds also get
        a ``seed`` slider.
    seed : int
        The seed slider's starting value.
    show : bool
        Draw the preview figure (tests may switch it off).

    Returns
    -------
    ipywidgets.interactive
        Display it in a notebook; ``.result`` holds the current ``(H, W)`` mask
        and ``.kwargs_widgets`` the sliders (named by ``description``).
    """
    callback = mask_preview_callback(image, kind, show=show)
    height, width = _image_size(image)
    side = min(height, width)
    slider = dict(continuous_update=False)
    seed_slider = widgets.IntSlider(value=int(seed), min=0, max=max(99, int(seed)), description="seed", **slider)
    if kind == "center":
        reach = side // 2
        controls = dict(
            hole=widgets.IntSlider(value=side // 2, min=4, max=side, step=2, description="hole", **slider),
            dy=widgets.IntSlider(value=0, min=-reach, max=reach, description="dy", **slider),
            dx=widgets.IntSlider(value=0, min=-reach, max=reach, description="dx", **slider),
        )
    elif kind == "blocks":
        controls = dict(
            count=widgets.IntSlider(value=7, min=1, max=20, description="count", **slider),
            block_size=widgets.IntSlider(
                value=mask_lib.default_block_size(side), min=2, max=side // 2, description="block_size", **slider
            ),
            seed=seed_slider,
        )
    else:
        controls = dict(
            strokes=widgets.IntSlider(value=3, min=1, max=10, description="strokes", **slider),
            width=widgets.IntSlider(value=max(2, side // 12), min=1, max=max(2, side // 4), description="width", **slider),
            seed=seed_slider,
        )
    return widgets.interactive(callback, **controls)
