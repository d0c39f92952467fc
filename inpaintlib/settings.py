"""The quick and the full setting of each notebook, resolved in one call.

Taught in notebook 03 (``03_center_block.ipynb``); the settings cells of notebooks 03 to 08
call :func:`notebook_settings`.

Every training notebook runs in two settings: **quick** (a couple of CPU minutes, what the checks use)
and **full** (the setting that produced the committed outputs). The values that differ between them live
here, one table per notebook, so a settings cell is one call and its printout says what ran::

    setting = notebook_settings("04", quick, epochs=epochs, limit=limit, device=device, seed=seed)
    globals().update(setting.values)
    print(setting)

A parameter that the setting defines, passed as ``None``, ``0``, ``0.0`` or ``""``, takes the setting's
value; any other value overrides it. An empty string elsewhere (``data_dir = ""``) becomes ``None``.
``$INPAINTLIB_QUICK`` forces the quick setting (:func:`inpaintlib.runtime.quick_from_env`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import torch

from . import runtime

__all__ = ["NOTEBOOK_SETTINGS", "NotebookSetting", "Preset", "notebook_settings"]

#: What ``None`` means for a value, in the printed description.
_NONE_MEANS = {"limit": "every image", "eval_images": "every test photo", "train_views": "every view",
               "num_threads": "PyTorch's default", "max_minutes": "no budget", "transfer_minutes": "no budget",
               "joint_minutes": "no budget", "minutes": "no budget", "data_dir": "found automatically"}
_HIDDEN = {"quick", "data_dir", "device", "seed"}


@dataclass(frozen=True)
class Preset:
    """The values one notebook's settings cell resolves.

    Parameters
    ----------
    quick, full : dict
        The values of the quick and the full setting (the same keys in both).
    fixed : dict
        Values that are the same in both settings (image size, mask kinds).
    lists : tuple of str
        Parameters given as comma-separated strings and used as lists (``"a,b"`` -> ``["a", "b"]``).
    """

    quick: Mapping[str, Any] = field(default_factory=dict)
    full: Mapping[str, Any] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    lists: tuple[str, ...] = ()


_MASKED_KINDS = ["blocks", "free_form", "center"]

#: One preset per notebook, keyed by the notebook's two-digit number.
NOTEBOOK_SETTINGS: Mapping[str, Preset] = MappingProxyType({
    "03": Preset(quick=dict(limit=160, batch_size=16, max_minutes=1.2, eval_images=32),
                 full=dict(limit=None, batch_size=32, max_minutes=15.0, eval_images=None)),
    "04": Preset(quick=dict(epochs=3, batch_size=8, limit=64, val_fraction=0.25, max_minutes=2.0, eval_images=16),
                 full=dict(epochs=50, batch_size=16, limit=None, val_fraction=0.15, max_minutes=26.0, eval_images=None),
                 fixed=dict(image_size=224, mask_kinds=_MASKED_KINDS)),
    "05": Preset(quick=dict(epochs=3, batch_size=8, limit=64, val_fraction=0.25, max_minutes=0.5, joint_minutes=0.5,
                            transfer_minutes=0.5, eval_images=16),
                 full=dict(epochs=50, batch_size=16, limit=None, val_fraction=0.15, max_minutes=8.0, joint_minutes=20.0,
                           transfer_minutes=3.0, eval_images=None),
                 fixed=dict(image_size=224, mask_kinds=_MASKED_KINDS), lists=("variants",)),
    "06": Preset(quick=dict(limit=121, train_views=48, epochs=2, batch_size=8, num_threads=1, max_minutes=None),
                 full=dict(limit=None, train_views=None, epochs=20, batch_size=20, num_threads=None, max_minutes=3.0)),
    "07": Preset(quick=dict(minutes=5.0, epochs=8, variant_minutes=0.5, limit=160, eval_images=24, batch_size=8),
                 full=dict(minutes=15.0, epochs=10_000, variant_minutes=5.0, limit=None, eval_images=None,
                           batch_size=20),
                 fixed=dict(image_size=128, mask_kinds=["center", "blocks", "free_form"])),
    "08": Preset(quick=dict(limit=12), full=dict(limit=None), lists=("mask_kinds",)),
})


def _unset(value) -> bool:
    """``None``, ``0``, ``0.0``, ``""`` or ``[]``: "the setting's value" (``False`` is a value)."""
    return value is None or (not isinstance(value, bool) and value in (0, "")) or value == []


def _shown(name: str, value) -> str:
    if value is None:
        return f"{name}=None ({_NONE_MEANS.get(name, 'none')})"
    return f"{name}={value:g}" if isinstance(value, float) else f"{name}={value!r}"


@dataclass(frozen=True)
class NotebookSetting:
    """A notebook's resolved setting: which one (quick or full) and every value it uses.

    ``values`` maps each name to its value (``quick`` included); ``print(setting)`` gives the one-line
    description a notebook prints under its settings cell.
    """

    notebook: str
    quick: bool
    values: Mapping[str, Any]

    @property
    def name(self) -> str:
        """``"quick"`` or ``"full"``."""
        return "quick" if self.quick else "full"

    def __getattr__(self, name):
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(f"notebook {self.notebook}'s setting has no value {name!r}") from None

    def __str__(self) -> str:
        shown = ", ".join(_shown(name, value) for name, value in self.values.items() if name not in _HIDDEN)
        device = self.values.get("device")
        where = f"; device {device}, {torch.get_num_threads()} CPU threads" if device is not None else ""
        return f"setting: {self.name} (quick={self.quick}): {shown}{where}; seed {self.values.get('seed')}"


def notebook_settings(notebook: str, quick: bool, **parameters) -> NotebookSetting:
    """Resolve a notebook's setting from its ``quick`` switch and its papermill parameters.

    Parameters
    ----------
    notebook : str
        The notebook's two-digit number, e.g. ``"04"`` (a key of :data:`NOTEBOOK_SETTINGS`).
    quick : bool
        The notebook's switch; ``$INPAINTLIB_QUICK`` overrides it.
    **parameters
        The notebook's parameters. Those the setting defines take its value when unset (``None``, ``0``,
        ``0.0``, ``""``); an empty string elsewhere becomes ``None``;
        ``device`` is resolved (``"auto"`` picks CUDA when present), ``num_threads`` sets PyTorch's CPU
        threads when given, and ``seed`` seeds every random generator.

    Returns
    -------
    NotebookSetting
        ``quick`` first, then the parameters, then the setting's values and the fixed ones.

    Raises
    ------
    ValueError
        If the notebook has no preset.
    """
    if notebook not in NOTEBOOK_SETTINGS:
        raise ValueError(f"no settings for notebook {notebook!r}; known: {', '.join(NOTEBOOK_SETTINGS)}")
    preset = NOTEBOOK_SETTINGS[notebook]
    quick = runtime.quick_from_env(quick)
    chosen = preset.quick if quick else preset.full
    values: dict[str, Any] = {"quick": quick}
    for name, value in {**parameters, **{key: None for key in chosen if key not in parameters}}.items():
        if name in preset.lists and isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        if name in chosen and _unset(value):
            value = chosen[name]
        values[name] = None if value == "" else value
    values.update(preset.fixed)
    if "device" in values:
        values["device"] = runtime.resolve_device(values["device"] or "auto")
    if values.get("num_threads"):
        torch.set_num_threads(int(values["num_threads"]))
    if "seed" in values:
        runtime.seed_everything(int(values["seed"]))
    return NotebookSetting(notebook, quick, MappingProxyType(values))
