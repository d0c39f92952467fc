"""Interactive explorers for the notebooks: controls above a picture that redraws once per change.

Taught in notebook 01 (``01_masks.ipynb``); notebooks 02 and 08 use the same explorers.

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
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from inpaintlib.plots.render import figure_bytes, stack_pictures

__all__ = ["Explorer", "ExplorerTabs", "View", "explorer_tabs"]


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
        return _with_still(bundle, stack_pictures(pictures), "png", f"explorers in tabs: {titles} (run the notebook to use them)")


def explorer_tabs(explorers: Mapping[str, Explorer]) -> ExplorerTabs:
    """Put explorers in tabs named by the keys of ``explorers``; each shows its view from the start."""
    if not explorers:
        raise ValueError("explorers is empty: give at least one explorer")
    return ExplorerTabs(children=list(explorers.values()), titles=list(explorers))
