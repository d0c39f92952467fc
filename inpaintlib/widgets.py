"""Interactive explorers for the notebooks, built on ``ipywidgets.interactive``.

The callbacks live here, not in the notebooks, so they are unit-tested without a
kernel: build the explorer, set a slider's ``value``, and read ``.result``
(every callback returns what it drew, e.g. the mask).
"""

from __future__ import annotations

import functools

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


def mask_explorer(
    image: torch.Tensor, kind: str = "center", seed: int = 0, show: bool = True, draw_first: bool = True
) -> widgets.interactive:
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
    draw_first : bool
        Draw the starting view inside the widget when it is built. Headless runs
        (papermill, nbval) should pass ``False`` and draw the starting view in the
        cell instead, with ``explorer.f(**explorer.kwargs)``: drawing into a widget's
        output area while a cell executes can stall a headless kernel client.

    Returns
    -------
    ipywidgets.interactive
        Display it in a notebook; ``.result`` holds the current ``(H, W)`` mask
        and ``.kwargs_widgets`` the sliders (named by ``description``).
    """
    drawing = mask_preview_callback(image, kind, show=show)
    quiet = mask_preview_callback(image, kind, show=False)
    first = {"call": True}

    @functools.wraps(drawing)
    def callback(*args, **kwargs):
        silent, first["call"] = first["call"] and not draw_first, False
        return (quiet if silent else drawing)(*args, **kwargs)

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


# --------------------------------------------------------------------------- inpainting explorer

#: Presets of :func:`inpainting_explorer`: the sliders, or the exact mask the evaluation used.
INPAINTING_PRESETS = (
    ("sliders", "sliders"),
    ("evaluation mask: center", "evaluation:center"),
    ("evaluation mask: blocks", "evaluation:blocks"),
    ("evaluation mask: free_form", "evaluation:free_form"),
)


def _slider_defaults(kind: str, side: int) -> tuple[int, int]:
    """Starting ``(size, count)`` of the explorer's sliders for one mask kind."""
    if kind == "center":
        return side // 2, 1
    if kind == "blocks":
        return mask_lib.default_block_size(side), 7
    return max(2, side // 12), 3


def inpainting_explorer(
    images,
    methods,
    names=None,
    evaluation_seed: int = 0,
    seed: int = 0,
    show: bool = True,
    ncols: int = 5,
    draw_first: bool = True,
) -> widgets.interactive:
    """Pick an image and a mask, and see every method's fill with its scores.

    Parameters
    ----------
    images : tensor, list, Dataset or DatasetSplit
        ``(N, 3, H, W)`` images in ``[0, 1]``, a list of ``(3, H, W)`` images, or a dataset
        yielding them (a :class:`~inpaintlib.data.DatasetSplit` offers its ``val`` part).
    methods : dict or list
        ``name -> Inpainter`` or generator model (models are wrapped in
        :class:`~inpaintlib.baselines.ModelInpainter`, which resizes to the model's size).
    names : list of str, optional
        Dropdown labels for the images (default: file names when the dataset has them).
    evaluation_seed : int
        The seed of the evaluation whose masks the presets rebuild
        (:func:`inpaintlib.evaluation.evaluation_mask`), so a preset shows exactly the hole
        that image got in the evaluation table.
    seed : int
        The seed slider's starting value.
    show : bool
        Draw the figure and print the scores (tests switch it off).
    ncols : int
        Panels per row of the figure.
    draw_first : bool
        Draw the starting view when the explorer is built. Headless execution (papermill,
        nbval) can hang when a cell sends output into an Output widget (nbclient answers each
        such output on the shell channel while it waits there for the cell's reply), so a
        notebook can pass ``False`` and draw the starting view outside the widget, in a cell of
        its own, with ``explorer.f(**explorer.kwargs)``. Later changes of a control always draw
        (when ``show`` is on).

    Returns
    -------
    ipywidgets.interactive
        Controls (named by ``description``): ``image`` (dropdown), ``preset`` (the sliders or an
        evaluation mask), ``kind``, ``size`` (hole side for ``center``, block side for
        ``blocks``, brush width for ``free_form``; it resets to the kind's default when the
        kind changes), ``dy`` and ``dx`` (offset of the center hole), ``count`` (blocks or
        strokes) and ``seed``. ``.result`` is a dict ``method -> {"psnr_hole", "ssim_hole",
        "l1_hole"}`` for the current image and mask, or ``method -> None`` for a method that
        cannot fill that mask (Model 1 fills only the centre square).
    """
    from pathlib import Path

    from inpaintlib.evaluation import _image_source, _methods_dict, evaluation_mask
    from inpaintlib.evaluation_viz import comparison_panels
    from inpaintlib.metrics import SummaryTable, image_metrics

    inpainters = _methods_dict(methods)
    get_image, count = _image_source(images)
    if count == 0:
        raise ValueError("images holds no image to explore")
    if names is None:
        try:
            from inpaintlib.data import image_names

            source = images.val if hasattr(images, "val") and hasattr(images, "train") else images
            found = image_names(source) if not isinstance(source, (torch.Tensor, list, tuple)) else []
        except (TypeError, AttributeError):
            found = []
        names = [Path(name).name for name in found] if len(found) == count else [f"image {i}" for i in range(count)]
    if len(names) != count:
        raise ValueError(f"names has {len(names)} entries for {count} images")
    height, width = _image_size(get_image(0))
    side = min(height, width)
    reach = side // 2
    size0, count0 = _slider_defaults("center", side)
    slider = dict(continuous_update=False)
    controls = dict(
        image=widgets.Dropdown(options=[(f"{i}: {name}", i) for i, name in enumerate(names)], value=0, description="image"),
        preset=widgets.Dropdown(options=list(INPAINTING_PRESETS), value="sliders", description="preset"),
        kind=widgets.Dropdown(options=list(mask_lib.KINDS), value="center", description="kind"),
        size=widgets.IntSlider(value=size0, min=2, max=side, description="size", **slider),
        dy=widgets.IntSlider(value=0, min=-reach, max=reach, description="dy", **slider),
        dx=widgets.IntSlider(value=0, min=-reach, max=reach, description="dx", **slider),
        count=widgets.IntSlider(value=count0, min=1, max=20, description="count", **slider),
        seed=widgets.IntSlider(value=int(seed), min=0, max=max(99, int(seed)), description="seed", **slider),
    )

    def reset_for_kind(change) -> None:
        size_value, count_value = _slider_defaults(change["new"], side)
        controls["size"].value = size_value
        controls["count"].value = count_value

    drawing = {"on": bool(show) and bool(draw_first)}

    def explore(image: int, preset: str, kind: str, size: int, dy: int, dx: int, count: int, seed: int) -> dict:
        draw_now, drawing["on"] = drawing["on"], bool(show)
        picture = get_image(int(image))
        if tuple(picture.shape[-2:]) != (height, width):
            raise ValueError(f"image {image} is {tuple(picture.shape[-2:])}, but the explorer's images are {(height, width)}")
        if preset.startswith("evaluation:"):
            chosen = preset.split(":", 1)[1]
            mask = evaluation_mask(chosen, int(image), (height, width), int(evaluation_seed))
            caption = f"the evaluation's {chosen} mask"
        else:
            make_mask = mask_preview_callback(picture, kind, show=False)
            size = max(1, min(int(size), side))
            mask = make_mask(size, dy, dx) if kind == "center" else make_mask(int(count), size, int(seed))
            caption = f"{kind} mask from the sliders"
        filled, scores, notes = {}, {}, {}
        for name, inpainter in inpainters.items():
            try:
                composed = inpainter(picture, mask)
            except ValueError as error:
                filled[name], scores[name] = None, None
                notes[name] = "cannot fill\nthis mask"
                notes[name] += "\n(center square only)" if "only fills the central" in str(error) else ""
                continue
            measured = image_metrics(composed[None], picture[None], mask[None, None])[0]
            filled[name] = composed
            scores[name] = {key: measured[key] for key in ("psnr_hole", "ssim_hole", "l1_hole")}
        if draw_now:
            figure, _ = comparison_panels(picture, mask, filled, scores, ncols=ncols, notes=notes)
            figure.suptitle(f"{names[int(image)]}: {caption}", fontsize=9)
            figure.tight_layout()
            show_figure(figure)
            rows = [
                {"method": name, **(value or {"psnr_hole": float("nan"), "ssim_hole": float("nan"), "l1_hole": float("nan")})}
                for name, value in scores.items()
            ]
            print(SummaryTable(rows, columns=["method", "psnr_hole", "ssim_hole", "l1_hole"]).to_text())
        return scores

    controls["kind"].observe(reset_for_kind, names="value")
    return widgets.interactive(explore, **controls)


__all__.append("inpainting_explorer")
