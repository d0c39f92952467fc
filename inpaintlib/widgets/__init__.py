"""Interactive explorers for the notebooks: controls above a picture that redraws once per change.

Taught in notebook 01 (``01_masks.ipynb``); notebooks 02 and 08 use the same explorers.

* :mod:`~inpaintlib.widgets.explorer`: :class:`Explorer`, the controls-picture-text widget every
  explorer is, and :func:`explorer_tabs`.
* :mod:`~inpaintlib.widgets.mask_explorer`: :func:`mask_explorer`, :func:`mask_explorers` and
  :func:`mask_preview_callback` (notebook 01).
* :mod:`~inpaintlib.widgets.inpainting_explorer`: :func:`inpainting_explorer` (notebook 08).

The receptive-field explorer (notebook 02) is :func:`inpaintlib.receptive_field.receptive_field_explorer`.
:func:`show_figure` and :func:`figure_bytes` come from :mod:`inpaintlib.plots.render`.
"""

from inpaintlib.plots.render import figure_bytes, show_figure
from inpaintlib.widgets.explorer import Explorer, ExplorerTabs, View, explorer_tabs
from inpaintlib.widgets.inpainting_explorer import INPAINTING_PRESETS, inpainting_explorer
from inpaintlib.widgets.mask_explorer import mask_explorer, mask_explorers, mask_preview_callback

__all__ = [
    "Explorer",
    "ExplorerTabs",
    "INPAINTING_PRESETS",
    "View",
    "explorer_tabs",
    "figure_bytes",
    "inpainting_explorer",
    "mask_explorer",
    "mask_explorers",
    "mask_preview_callback",
    "show_figure",
]
