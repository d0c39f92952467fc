"""The inpainting explorer: one photo, a hole from sliders or from the evaluation, every method's fill.

Taught in notebook 08 (``08_evaluation.ipynb``).
"""

from __future__ import annotations

import ipywidgets as widgets
import torch

from inpaintlib import masks as mask_lib
from inpaintlib.widgets.explorer import Explorer, View
from inpaintlib.widgets.mask_explorer import _image_size, _mask_maker, _seed_box

__all__ = ["INPAINTING_PRESETS", "inpainting_explorer"]


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


def _default_names(images, count: int) -> list[str]:
    """The images' file names when the source knows them (a dataset or split), else ``image 0``, ``image 1``..."""
    from pathlib import Path

    try:
        from inpaintlib.data import image_names

        source = images.val if hasattr(images, "val") and hasattr(images, "train") else images
        found = image_names(source) if not isinstance(source, (torch.Tensor, list, tuple)) else []
    except (TypeError, AttributeError):
        found = []
    return [Path(name).name for name in found] if len(found) == count else [f"image {i}" for i in range(count)]


def _fill_all(inpainters, picture: torch.Tensor, mask: torch.Tensor) -> tuple[dict, dict, dict]:
    """Each method's composed fill and hole scores, or ``None`` and a note for a method that cannot fill ``mask``."""
    from inpaintlib.metrics import image_metrics

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
    return filled, scores, notes


def inpainting_explorer(
    images,
    methods,
    names=None,
    evaluation_seed: int = 0,
    seed: int = 0,
    show: bool = True,
    ncols: int = 5,
    draw_first: bool = True,
) -> Explorer:
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
        The seed box's starting value.
    show : bool
        Draw the figure and the score table (tests switch it off).
    ncols : int
        Panels per row of the figure.
    draw_first : bool
        Kept so older notebooks still run; the starting view is always drawn into the
        explorer's own picture, and ``explorer.f(**explorer.kwargs)`` only returns the scores.

    Returns
    -------
    Explorer
        Controls (``.controls``, by name): ``image`` (dropdown), ``preset`` (the sliders or an
        evaluation mask), ``kind``, ``size`` (hole side for ``center``, block side for
        ``blocks``, brush width for ``free_form``; it resets to the kind's default when the
        kind changes, in the same redraw), ``dy`` and ``dx`` (offset of the center hole),
        ``count`` (blocks or strokes) and ``seed`` (a text box). ``.result`` is a dict
        ``method -> {"psnr_hole", "ssim_hole", "l1_hole"}`` for the current image and mask, or
        ``method -> None`` for a method that cannot fill that mask (Model 1 fills only the
        center square). The score table is shown under the picture.
    """
    from inpaintlib.evaluation import _image_source, _methods_dict, evaluation_mask
    from inpaintlib.metrics import SummaryTable
    from inpaintlib.plots.inpainting import comparison_panels

    inpainters = _methods_dict(methods)
    get_image, count = _image_source(images)
    if count == 0:
        raise ValueError("images holds no image to explore")
    if names is None:
        names = _default_names(images, count)
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
        seed=_seed_box(seed),
    )

    def reset_for_kind(change) -> None:
        controls["size"].value, controls["count"].value = _slider_defaults(change["new"], side)

    def view(draw: bool, image: int, preset: str, kind: str, size: int, dy: int, dx: int, count: int, seed: int) -> View:
        picture = get_image(int(image))
        if tuple(picture.shape[-2:]) != (height, width):
            raise ValueError(f"image {image} is {tuple(picture.shape[-2:])}, but the explorer's images are {(height, width)}")
        if preset.startswith("evaluation:"):
            chosen = preset.split(":", 1)[1]
            mask = evaluation_mask(chosen, int(image), (height, width), int(evaluation_seed))
            caption = f"the evaluation's {chosen} mask"
        else:
            make_mask = _mask_maker(picture, kind)
            size = max(1, min(int(size), side))
            mask = make_mask(size, dy, dx)[0] if kind == "center" else make_mask(int(count), size, int(seed))[0]
            caption = f"{kind} mask from the sliders"
        filled, scores, notes = _fill_all(inpainters, picture, mask)
        if not draw:
            return View(scores)
        figure, _ = comparison_panels(picture, mask, filled, scores, ncols=ncols, notes=notes)
        figure.suptitle(f"{names[int(image)]}: {caption}", fontsize=9)
        figure.tight_layout()
        nan = {"psnr_hole": float("nan"), "ssim_hole": float("nan"), "l1_hole": float("nan")}
        rows = [{"method": name, **(value or nan)} for name, value in scores.items()]
        table = SummaryTable(rows, columns=["method", "psnr_hole", "ssim_hole", "l1_hole"]).to_text()
        return View(scores, figure, table)

    return Explorer(
        controls, view, dependents={"kind": reset_for_kind}, show=show, format="jpeg", dpi=72,
        description="inpainting explorer",
    )
