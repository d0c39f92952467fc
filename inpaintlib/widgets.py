"""Interactive explorers for the notebooks: controls above a picture that redraws once per change.

An :class:`Explorer` is a widget (a ``VBox``): its controls, then an image widget holding
the current view, rendered as PNG or JPEG in the kernel, then a line of text (a score table).
It never relies on a notebook's output capture or on the matplotlib backend: every change
of a control renders the figure to bytes and sets the image widget's value, so the view
updates in any front end that renders ipywidgets (JupyterLab is tested), and a headless run
(papermill, nbval) gets no output from inside a widget. The view is drawn once when the
explorer is built, so it shows from the first frame; each change of a control redraws
exactly once, also when a change resets other controls (:meth:`Explorer.batch`).

When a notebook displays an explorer, the output also carries the current picture as a
plain image; :func:`inpaintlib.notebooks.clean_notebook` keeps that image and drops the
live widget view, so a saved notebook shows the starting view where the explorer was.

The views are computed here, not in the notebooks, so they are unit-tested without a
kernel: build the explorer, set a control's ``value``, and read ``.result`` (e.g. the
mask) and ``.redraws`` (how many times the view was computed).
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from inpaintlib import masks as mask_lib
from inpaintlib.viz import masked_preview, show_mask_grid

__all__ = [
    "Explorer",
    "ExplorerTabs",
    "View",
    "explorer_tabs",
    "figure_bytes",
    "mask_explorer",
    "mask_preview_callback",
    "show_figure",
]


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


@dataclass
class View:
    """What an explorer's view function returns for one setting of the controls.

    Attributes
    ----------
    result : object
        What the explorer exposes as ``.result`` (a mask, a box, a dict of scores).
    figure : matplotlib.figure.Figure or None
        The picture to show; ``None`` when drawing is off (the image keeps its last picture).
    text : str
        Plain text shown under the picture (e.g. a score table); empty for none.
    """

    result: Any
    figure: Any = None
    text: str = ""


class Explorer(widgets.VBox):
    """Controls above one picture that is redrawn exactly once per change of a control.

    Parameters
    ----------
    controls : dict
        ``name -> widget`` (sliders, dropdowns, text boxes); the view function receives
        each one's ``value`` under its name. They are shown in this order.
    view : callable
        ``view(draw, **values) -> View``. ``draw`` is False when only the result is wanted
        (``explorer.f``, or an explorer built with ``show=False``).
    dependents : dict, optional
        ``name -> hook(change)``: called when that control changes, before the redraw, to
        set other controls (e.g. a kind resets its sizes). Whatever the hook changes is
        redrawn together with the change itself, once.
    show : bool
        Draw the picture (off: only compute ``.result``; tests switch it off).
    format : {"png", "jpeg"}
        How the picture is encoded.
    dpi : float
        Resolution of the picture.
    description : str
        Names the explorer in the text a saved notebook shows in place of the live widget.

    Attributes
    ----------
    result : object
        The view's result for the current values of the controls.
    redraws : int
        How many times the view was computed: 1 after building, +1 per change of a control.
    seconds : float
        How long the last redraw took (computing and rendering).
    error : str or None
        The one-line message of the last failed redraw (it is also shown under the picture).
    picture : ipywidgets.Image
        The current view.
    caption : ipywidgets.HTML
        The text under the picture.
    """

    def __init__(
        self,
        controls: Mapping[str, widgets.Widget],
        view: Callable[..., View],
        dependents: Mapping[str, Callable] | None = None,
        show: bool = True,
        format: str = "png",
        dpi: float = 80,
        description: str = "explorer",
    ):
        if format not in ("png", "jpeg"):
            raise ValueError(f"format must be 'png' or 'jpeg', got {format!r}")
        self.controls = dict(controls)
        self._view = view
        self._show = bool(show)
        self._format = format
        self._dpi = dpi
        self._description = description
        self._held = 0
        self._pending = False
        self.result = None
        self.redraws = 0
        self.seconds = 0.0
        self.error = None
        # natural size (a VBox would stretch it to the full width), shrunk to fit a narrow page
        self.picture = widgets.Image(format=format, layout=widgets.Layout(align_self="flex-start", max_width="100%"))
        self.caption = widgets.HTML()
        unknown = set(dependents or {}) - set(self.controls)
        if unknown:
            raise ValueError(f"dependents name no control: {sorted(unknown)}")
        self._hooks = {self.controls[name]: hook for name, hook in (dependents or {}).items()}
        super().__init__(children=[*self.controls.values(), self.picture, self.caption])
        self.redraw(raise_errors=True)
        for control in self.controls.values():
            control.observe(self._changed, names="value")

    # ipywidgets.interactive's names, so code written for it keeps working
    @property
    def kwargs_widgets(self) -> list:
        """The controls, in order."""
        return list(self.controls.values())

    @property
    def kwargs(self) -> dict:
        """``name -> value`` of every control."""
        return {name: control.value for name, control in self.controls.items()}

    def f(self, **values):
        """Return the view's result for ``values`` (default: the current ones) without drawing."""
        return self._view(False, **{**self.kwargs, **values}).result

    @contextlib.contextmanager
    def batch(self):
        """Change several controls at once: the explorer redraws once, when the block ends.

        Examples
        --------
        >>> with explorer.batch():                     # doctest: +SKIP
        ...     explorer.controls["dy"].value = 4
        ...     explorer.controls["dx"].value = -4
        """
        self._held += 1
        try:
            yield self
        finally:
            self._held -= 1
        if self._held == 0 and self._pending:
            self.redraw()

    def _changed(self, change) -> None:
        self._pending = True
        if self._held:
            return
        with self.batch():
            hook = self._hooks.get(change["owner"])
            if hook is not None:
                hook(change)

    def redraw(self, raise_errors: bool = False) -> None:
        """Compute the view for the current values and show it (one redraw)."""
        self._pending = False
        start = time.perf_counter()
        self.redraws += 1
        try:
            shown = self._view(self._show, **self.kwargs)
        except Exception as error:
            if raise_errors:
                raise
            self.error = " ".join(str(error).split()) or type(error).__name__
            self.caption.value = f"<pre style='color:#b00'>error: {html.escape(self.error)}</pre>"
            self.seconds = time.perf_counter() - start
            return
        self.error = None
        self.result = shown.result
        if shown.figure is not None:
            self.picture.value = figure_bytes(shown.figure, self._format, self._dpi)
        text = shown.text or ""
        self.caption.value = f"<pre style='margin:0'>{html.escape(text)}</pre>" if text else ""
        self._text = text
        self.seconds = time.perf_counter() - start

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        return _with_still(bundle, self.picture.value, self._format, self._still_text())

    def _still_text(self) -> str:
        text = getattr(self, "_text", "")
        return f"{self._description} (run the notebook to use its controls)" + (f"\n{text}" if text else "")


def _with_still(bundle, picture: bytes, format: str, text: str):
    """Add the current picture to a widget's display data, for viewers without a live kernel."""
    if not bundle:
        return bundle
    bundle = dict(bundle)
    bundle["text/plain"] = text
    if picture:
        bundle[f"image/{format}"] = base64.b64encode(picture).decode("ascii")
    return bundle


class ExplorerTabs(widgets.Tab):
    """Explorers in tabs; a saved notebook shows every tab's starting view, one under another."""

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        pictures = [child.picture.value for child in self.children if isinstance(child, Explorer) and child.picture.value]
        titles = ", ".join(str(title) for title in self.titles)
        return _with_still(bundle, _stack_pictures(pictures), "png", f"explorers in tabs: {titles} (run the notebook to use them)")


def _stack_pictures(pictures: list[bytes]) -> bytes:
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


def explorer_tabs(explorers: Mapping[str, Explorer]) -> ExplorerTabs:
    """Put explorers in tabs named by the keys of ``explorers``; each shows its view from the start."""
    if not explorers:
        raise ValueError("explorers is empty: give at least one explorer")
    return ExplorerTabs(children=list(explorers.values()), titles=list(explorers))


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


__all__.append("mask_explorers")


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
        centre square). The score table is shown under the picture.
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


__all__.append("inpainting_explorer")
