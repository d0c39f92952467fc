"""Trained runs on disk, the images no run trained on, and each model evaluated at its own size.

Taught in notebook 08 (``08_evaluation.ipynb``), which finds every run, loads its best checkpoint and
scores it next to the classical baselines on held-out test images.

* :func:`find_runs` lists the training runs under :func:`inpaintlib.runtime.runs_dir`
  (every folder with a ``history.json``), each a :class:`TrainedRun` with its history and
  checkpoint;
* :func:`held_out_images` loads test (or validation) images that no run trained on;
* :func:`evaluate_by_size` evaluates each model at its own image size, next to the
  baselines on the same images at that size.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from inpaintlib.baselines import Inpainter, as_inpainter
from inpaintlib.history import History
from inpaintlib.masks import KINDS

if TYPE_CHECKING:
    from inpaintlib.evaluation_result import EvaluationResult

__all__ = ["TrainedRun", "evaluate_by_size", "find_runs", "held_out_images", "supported_kinds"]


def held_out_images(
    size: int,
    count: int | None = None,
    source: str = "auto",
    data_dir=None,
    domain: str = "photo",
    seed: int = 0,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    split: str = "test",
):
    """Load held-out images at ``size`` pixels: the test images (default), or the validation images.

    :func:`inpaintlib.data.load_dataset` shuffles the images with ``seed``, keeps the first
    ``limit`` and sends the first ``round(limit * test_fraction)`` of those to test, the next
    ``round(limit * val_fraction)`` to validation (see :func:`inpaintlib.data.split_indices`).
    So loading the smallest ``limit`` whose test part holds ``count`` images gives the first
    ``count`` images of the shuffle, which are in the test split of **every** run trained with the
    same ``seed`` and fractions on at least ``limit`` images (or on all of them), whatever limit
    that run used: no such run trained on them or chose its best epoch on them. With
    ``split="val"`` the images are that limit's validation part: they chose the best epoch of
    a run on exactly ``limit`` images, and no run on at least ``limit`` images trained on them.

    Parameters
    ----------
    size : int
        Image side (128 for Model 1, 224 for Models 2 and 3).
    count : int, optional
        How many held-out images; ``None`` takes the whole part.
    source, data_dir, domain, seed, val_fraction, test_fraction
        As in :func:`inpaintlib.data.load_dataset` (``data_dir=""`` counts as ``None``).
    split : {"test", "val"}
        Which part to hold out: ``"test"`` (what every comparison should score) or ``"val"``.

    Returns
    -------
    inpaintlib.data.DatasetSplit
        Both its ``val`` and its ``test`` parts hold the chosen held-out images, so
        :func:`evaluate` (which scores a split's ``val`` part) and the explorers use them
        directly; ``train`` is the training part, and ``description`` (the loaded split's,
        with its train / validation / test counts) says which images are held out.
    """
    import dataclasses

    from inpaintlib.data import load_dataset, split_sizes

    if split not in ("test", "val"):
        raise ValueError(f"split must be 'test' or 'val', got {split!r}")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError(f"count must be a positive integer or None, got {count!r}")
    fraction = test_fraction if split == "test" else val_fraction
    if not 0 < fraction < 1:
        name = "test_fraction" if split == "test" else "val_fraction"
        raise ValueError(f"{name} must be in (0, 1) to hold out {split} images, got {fraction!r}")
    part = 2 if split == "test" else 1  # index in split_sizes' (train, val, test)
    limit = None
    if count is not None:
        limit = max(1, int((count - 0.5) / fraction) - 1)  # no smaller limit can hold count images
        while split_sizes(limit, val_fraction, test_fraction)[part] < count:
            limit += 1
    loaded = load_dataset(
        source, domain=domain, size=size, data_dir=data_dir or None, val_fraction=val_fraction,
        test_fraction=test_fraction, seed=seed, limit=limit, verbose=False,
    )
    images = loaded.test if split == "test" else loaded.val
    noun = "test" if split == "test" else "validation"
    if limit is None:
        why = f"the whole {noun} split ({len(images)} images, seed {seed})"
    elif split == "test":
        why = (
            f"the {len(images)} test images, the first of the seed-{seed} shuffle, which every run trained "
            f"with seed {seed} on at least {limit} images (or on all of them) kept for test"
        )
    else:
        why = (
            f"the {len(images)} validation images of a seed-{seed} split of {limit} images, which no run "
            f"trained with seed {seed} on at least {limit} images (or on all of them) trained on"
        )
    description = f"{loaded.description} Held out for evaluation: {why}."
    return dataclasses.replace(loaded, val=images, test=images, description=description)


@dataclass
class TrainedRun:
    """A training run found on disk: its folder, its loss history and its checkpoint.

    Attributes
    ----------
    name : str
        The run's folder name, e.g. ``"03_center"``.
    folder : pathlib.Path
        The folder holding ``history.json``, ``history.csv``, ``best.pt`` and ``last.pt``.
    history : inpaintlib.history.History
        The per-epoch losses.
    checkpoint : pathlib.Path or None
        ``best.pt`` (the best validation epoch), else ``last.pt``, else ``None``.
    info : dict
        After :meth:`load`: the checkpoint's ``model_name``, ``image_size``, ``mask_kinds``, ``epoch``...
    """

    name: str
    folder: Path
    history: History
    checkpoint: Path | None
    info: dict = field(default_factory=dict)

    def load(self, device: str | torch.device = "auto") -> torch.nn.Module:
        """Rebuild the generator from :attr:`checkpoint` (eval mode) and fill :attr:`info`."""
        from inpaintlib.checkpoints import load_generator

        if self.checkpoint is None:
            raise FileNotFoundError(f"run {self.name!r} has no best.pt or last.pt in {self.folder}")
        model = load_generator(self.checkpoint, device=device)
        self.info = dict(getattr(model, "checkpoint_info", {}) or {})
        return model

    @property
    def model_name(self) -> str | None:
        """``"center"``, ``"masked"`` or ``"alexnet"`` (after :meth:`load`)."""
        return self.info.get("model_name")

    @property
    def image_size(self) -> int | None:
        """The side the model works at (after :meth:`load`)."""
        return self.info.get("image_size")

    @property
    def trained_kinds(self) -> list[str]:
        """The mask kinds the run trained on (after :meth:`load`; empty when unknown)."""
        kinds = self.info.get("mask_kinds")
        if kinds is None:
            return []
        if isinstance(kinds, str):
            return [kinds]
        if isinstance(kinds, Mapping):
            return [kind for kind, weight in kinds.items() if weight]
        return list(kinds)

    @property
    def supported_kinds(self) -> list[str]:
        """The mask kinds the model can fill at all (see :func:`supported_kinds`)."""
        return supported_kinds(self.model_name)


def supported_kinds(model_name: str | None) -> list[str]:
    """The mask kinds a model can fill: ``["center"]`` for Model 1 (it fills only the center square), all three for the others.

    An unknown or missing ``model_name`` gets all three kinds.
    """
    from inpaintlib.models import model_spec

    if model_name is None:
        return list(KINDS)
    try:
        kinds = model_spec(model_name).mask_kinds
    except ValueError:
        return list(KINDS)
    return [kind for kind in KINDS if kind in kinds]


def find_runs(root=None) -> list[TrainedRun]:
    """Return every training run under ``root`` (default :func:`inpaintlib.runtime.runs_dir`), by name.

    A run is a folder holding ``history.json``; a history that cannot be read is skipped with
    a warning. Checkpoints are not loaded here (see :meth:`TrainedRun.load`).
    """
    from inpaintlib.runs import RunFolder

    runs = []
    for folder in RunFolder.find(root):
        try:
            history = folder.load_history()
        except (ValueError, OSError) as error:
            warnings.warn(f"skipping run {folder.name!r}: {error}", stacklevel=2)
            continue
        runs.append(TrainedRun(folder.name, folder.path, history, folder.latest))
    return runs


def evaluate_by_size(
    models: Mapping[str, torch.nn.Module],
    baselines: Sequence[Inpainter] | Mapping[str, Inpainter],
    mask_kinds: Sequence[str] | str = KINDS,
    count: int | None = None,
    source: str = "auto",
    data_dir=None,
    seed: int = 0,
    method_kinds: Mapping[str, Sequence[str]] | None = None,
    sizes: Sequence[int] = (),
    device: str | torch.device = "auto",
    batch_size: int = 8,
    progress: bool = True,
) -> dict[int, EvaluationResult]:
    """Evaluate each model at its own image size, next to the baselines at that size.

    Models are grouped by ``model.image_size``; for each size the same held-out images
    (:func:`held_out_images`) are loaded at that size, and the group's models and every
    baseline are evaluated on them with the same masks. Numbers from two groups are not
    comparable with each other (other pixels, other holes); the baselines link them.

    Parameters
    ----------
    models : dict
        ``name -> generator`` (anything :class:`~inpaintlib.baselines.ModelInpainter` wraps).
    baselines : list or dict of Inpainter
        Evaluated in every size group.
    mask_kinds : sequence of str or str
        The mask kinds to test.
    count : int, optional
        Held-out images per group (``None``: the whole validation split).
    source, data_dir, seed
        Passed to :func:`held_out_images`; ``seed`` also fixes the masks.
    method_kinds : dict, optional
        ``name -> kinds`` a model can fill (see :func:`evaluate`).
    sizes : sequence of int
        Sizes to evaluate even without a model (the baselines alone); with no model and no
        size, the baselines are evaluated at 128 px.
    device, batch_size, progress
        As in :class:`~inpaintlib.baselines.ModelInpainter` and :func:`evaluate`.

    Returns
    -------
    dict
        ``size -> EvaluationResult``, smallest size first.
    """
    from inpaintlib.baselines import ModelInpainter
    from inpaintlib.evaluation import evaluate
    baseline_list = list(baselines.values()) if isinstance(baselines, Mapping) else list(baselines)
    groups: dict[int, dict[str, Inpainter]] = {}
    for name, model in models.items():
        size = getattr(model, "image_size", None)
        if size is None:
            raise ValueError(f"model {name!r} has no image_size attribute; it cannot be grouped by size")
        groups.setdefault(int(size), {})[name] = ModelInpainter(model, name=name, device=device, batch_size=batch_size)
    all_sizes = sorted(set(groups) | {int(size) for size in sizes}) or [128]
    results = {}
    for size in all_sizes:
        held = held_out_images(size, count, source=source, data_dir=data_dir, seed=seed)
        methods = dict(groups.get(size, {}))
        for baseline in baseline_list:
            inpainter = as_inpainter(baseline)
            if inpainter.name in methods:
                raise ValueError(f"a baseline and a model are both named {inpainter.name!r}")
            methods[inpainter.name] = inpainter
        kinds_here = {name: kinds for name, kinds in (method_kinds or {}).items() if name in methods}
        results[size] = evaluate(
            methods, held, mask_kinds=mask_kinds, seed=seed, batch_size=batch_size, progress=progress,
            description=f"{held.description} Images at {size}x{size}.", method_kinds=kinds_here,
        )
    return results
