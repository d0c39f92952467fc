"""The mask explorers: sliders for each mask family over one photo, with the mask beside it.

Taught in notebook 01 (``01_masks.ipynb``).

:func:`mask_explorer` shows one family (center, blocks, free-form), :func:`mask_explorers` all
three in tabs; :func:`mask_preview_callback` is the same view as a plain function, for
``ipywidgets.interact`` or a script.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import torch
from matplotlib.figure import Figure

from inpaintlib import masks as mask_lib
from inpaintlib.plots.images import masked_preview, show_mask_grid
from inpaintlib.plots.render import show_figure
from inpaintlib.widgets.explorer import Explorer, ExplorerTabs, View, explorer_tabs

__all__ = ["mask_explorer", "mask_explorers", "mask_preview_callback"]


def _image_size(image: torch.Tensor) -> tuple[int, int]:
    if not isinstance(image, torch.Tensor) or image.dim() != 3 or image.shape[0] != 3:
        shape = tuple(image.shape) if hasattr(image, "shape") else type(image).__name__
        raise ValueError(f"image must be a (3, H, W) tensor in [0, 1], got {shape}")
    return int(image.shape[1]), int(image.shape[2])


def _mask_figure(image: torch.Tensor, mask: torch.Tensor, caption: str) -> Figure:
    """The mask and the masked photo side by side, on a figure outside pyplot."""
    figure = Figure(figsize=(6.4, 3.4))
    axes = figure.subplots(1, 2)
    show_mask_grid([mask], titles=["mask (white = missing)"], axes=axes[:1])
    masked_preview(image, mask, ax=axes[1], title=f"{caption}: {mask.mean().item():.1%} missing")
    figure.tight_layout()
    return figure


def _mask_maker(image: torch.Tensor, kind: str) -> Callable[[int, int, int], tuple[torch.Tensor, str]]:
    """``f(a, b, c) -> (mask, caption)`` for one mask family (see :func:`mask_preview_callback`)."""
    size = _image_size(image)
    height, width = size
    if kind == "center":

        def center(hole: int, dy: int, dx: int):
            hole = max(1, min(int(hole), height, width))
            spare_y, spare_x = height - hole, width - hole
            dy = max(-(spare_y // 2), min(int(dy), spare_y - spare_y // 2))
            dx = max(-(spare_x // 2), min(int(dx), spare_x - spare_x // 2))
            return mask_lib.center_block(size, hole=hole, offset=(dy, dx)), f"center {hole}px"

        return center
    if kind == "blocks":

        def blocks(count: int, block_size: int, seed: int):
            mask = mask_lib.random_blocks(size, count=int(count), block_size=int(block_size), seed=int(seed))
            return mask, f"{count} blocks"

        return blocks
    if kind == "free_form":

        def free_form(strokes: int, width: int, seed: int):
            mask = mask_lib.free_form(size, strokes=int(strokes), width=int(width), coverage=(0.0, 1.0), seed=int(seed))
            return mask, f"{strokes} strokes"

        return free_form
    raise ValueError(f"kind={kind!r} is not a mask kind; known kinds are {mask_lib.KINDS}")


def mask_preview_callback(image: torch.Tensor, kind: str = "center", show: bool = True) -> Callable[..., torch.Tensor]:
    """Return a function that makes one mask of a family and can draw it into the cell.

    Parameters
    ----------
    image : torch.Tensor
        ``(3, H, W)`` photo in ``[0, 1]``; masks take its size.
    kind : {"center", "blocks", "free_form"}
        Which mask family the callback draws.
    show : bool
        Display the mask and the masked photo side by side in the cell's output
        (off: only return the mask). :func:`mask_explorer` draws into its own picture instead.

    Returns
    -------
    callable
        ``center``: ``f(hole, dy, dx)``; ``blocks``: ``f(count, block_size, seed)``;
        ``free_form``: ``f(strokes, width, seed)``. Each returns the ``(H, W)`` mask.
        Offsets that would push the hole outside the image are clamped to the border.
    """
    make = _mask_maker(image, kind)
    names = {"center": ("hole", "dy", "dx"), "blocks": ("count", "block_size", "seed")}.get(kind, ("strokes", "width", "seed"))

    def preview(*args, **kwargs) -> torch.Tensor:
        values = dict(zip(names, args), **kwargs)
        mask, caption = make(*(values[name] for name in names))
        if show:
            show_figure(_mask_figure(image, mask, caption))
        return mask

    preview.__name__ = f"preview_{kind}"
    return preview


def _seed_box(seed: int) -> widgets.BoundedIntText:
    return widgets.BoundedIntText(
        value=int(seed), min=0, max=2**31 - 1, description="seed", layout=widgets.Layout(width="12em")
    )


def mask_explorer(
    image: torch.Tensor, kind: str = "center", seed: int = 0, show: bool = True, draw_first: bool = True
) -> Explorer:
    """Return controls for one mask family with a live preview over ``image``.

    Parameters
    ----------
    image : torch.Tensor
        ``(3, H, W)`` photo in ``[0, 1]``.
    kind : {"center", "blocks", "free_form"}
        ``center``: hole size and (dy, dx) offset; ``blocks``: block count and
        size; ``free_form``: stroke count and brush width. Random kinds also get
        a ``seed`` text box.
    seed : int
        The seed box's starting value.
    show : bool
        Draw the preview (tests may switch it off).
    draw_first : bool
        Kept so older notebooks still run; the starting view is always drawn into the
        explorer's own picture (this sends no output while a cell runs, so headless runs
        are safe), and ``explorer.f(**explorer.kwargs)`` only returns the mask.

    Returns
    -------
    Explorer
        Display it in a notebook; ``.result`` holds the current ``(H, W)`` mask,
        ``.controls`` the sliders and the seed box by name, ``.redraws`` counts the redraws.
    """
    make = _mask_maker(image, kind)
    height, width = _image_size(image)
    side = min(height, width)
    slider = dict(continuous_update=False)
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
            seed=_seed_box(seed),
        )
    else:
        controls = dict(
            strokes=widgets.IntSlider(value=3, min=1, max=10, description="strokes", **slider),
            width=widgets.IntSlider(value=max(2, side // 12), min=1, max=max(2, side // 4), description="width", **slider),
            seed=_seed_box(seed),
        )

    def view(draw: bool, **values) -> View:
        mask, caption = make(**values)
        return View(mask, _mask_figure(image, mask, caption) if draw else None)

    return Explorer(controls, view, show=show, description=f"mask explorer ({kind})")


def mask_explorers(image: torch.Tensor, seed: int = 0, show: bool = True) -> ExplorerTabs:
    """One :func:`mask_explorer` per mask family, in tabs named by the kinds."""
    return explorer_tabs({kind: mask_explorer(image, kind=kind, seed=seed, show=show) for kind in mask_lib.KINDS})
