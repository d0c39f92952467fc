"""Evaluate inpainting methods on the same images and the same holes.

:func:`evaluate` runs every method (classical baselines and learned generators,
all :class:`~inpaintlib.baselines.Inpainter` objects) on every image of a
dataset with every mask kind, and records PSNR, SSIM and L1 inside the hole and
over the whole image for each (method, mask kind, image).

The masks are fixed: the mask for image ``i`` and kind ``k`` is drawn by
:meth:`inpaintlib.masks.MaskSampler.sample_kind` from a generator seeded with
:func:`mask_seed` ``(seed, i, k)``. So every method sees exactly the same holes,
the holes do not depend on the batch size, the method list or ``limit``, and
two runs with the same seed give identical records.

The :class:`EvaluationResult` holds the per-image records and makes the tables
(:meth:`EvaluationResult.table`, by method, mask kind or hole-area bin), JSON
(:meth:`EvaluationResult.to_json`) and gallery picks
(:meth:`EvaluationResult.best_and_worst`).

Comparing trained models (what notebook 08 does):

* :func:`find_runs` lists the training runs under :func:`inpaintlib.runtime.runs_dir`
  (every folder with a ``history.json``), each a :class:`TrainedRun` with its history and
  checkpoint;
* :func:`held_out_images` loads validation images that no run trained on;
* :func:`evaluate_by_size` evaluates each model at its own image size, next to the
  baselines on the same images at that size;
* :func:`mark_trained` labels the rows of mask kinds a model was not trained on;
* :func:`learned_vs_classical` and :func:`describe_comparison` turn a table into
  sentences ("on center holes the best method is X, by Y dB") that stay true whatever
  the numbers are.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from inpaintlib.baselines import Inpainter, as_inpainter
from inpaintlib.data.images import ImageFolderDataset, UnreadableImageError
from inpaintlib.history import History
from inpaintlib.masks import KINDS, MaskSampler
from inpaintlib.metrics import METRIC_KEYS, SummaryTable, image_metrics, summarize
from inpaintlib.runtime import make_generator

__all__ = [
    "EvaluationResult",
    "HIGHER_IS_BETTER",
    "TrainedRun",
    "comparison_table",
    "describe_comparison",
    "evaluate",
    "evaluate_by_size",
    "evaluation_mask",
    "find_runs",
    "held_out_images",
    "learned_vs_classical",
    "mark_trained",
    "mask_seed",
    "runs_table",
    "supported_kinds",
]

#: For each metric, whether a larger value is better.
HIGHER_IS_BETTER = {
    "psnr_hole": True,
    "psnr_whole": True,
    "ssim_hole": True,
    "ssim_whole": True,
    "l1_hole": False,
    "l1_whole": False,
}


def mask_seed(seed: int, index: int, kind: str) -> int:
    """Return the seed of the mask for image ``index`` and mask kind ``kind`` in an evaluation seeded ``seed``.

    It is a 63-bit hash (BLAKE2b) of ``"seed/index/kind"``: stable across
    Python sessions and machines, and different for every image and kind.
    """
    digest = hashlib.blake2b(f"{int(seed)}/{int(index)}/{kind}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & (2**63 - 1)


_SAMPLERS: dict = {}


def evaluation_mask(
    kind: str, index: int, size: int | tuple[int, int], seed: int = 0, mask_options: Mapping | None = None
) -> torch.Tensor:
    """Return the fixed ``(H, W)`` float mask that :func:`evaluate` uses for image ``index`` and ``kind``.

    Parameters
    ----------
    kind : str
        ``"center"``, ``"blocks"`` or ``"free_form"``.
    index : int
        The image's index in the dataset.
    size : int or (int, int)
        Image size.
    seed : int
        The evaluation's seed.
    mask_options : dict, optional
        Options per kind for :class:`~inpaintlib.masks.MaskSampler`, e.g. ``{"center": {"hole": 48}}``.
    """

    options = {name: dict(value) for name, value in (mask_options or {}).items()}
    key = (kind, size if isinstance(size, int) else tuple(size), json.dumps(options, sort_keys=True, default=str))
    sampler = _SAMPLERS.get(key)
    if sampler is None:
        sampler = _SAMPLERS[key] = MaskSampler(size, kinds=kind, seed=0, **options)
    generator = make_generator(mask_seed(seed, index, kind))
    return sampler.sample_kind(kind, 1, generator=generator)[0, 0]


def _methods_dict(methods) -> dict[str, Inpainter]:
    if isinstance(methods, (Inpainter, torch.nn.Module)):
        methods = [methods]
    if isinstance(methods, Mapping):
        items = [(str(name), as_inpainter(method, name=str(name))) for name, method in methods.items()]
    elif isinstance(methods, Sequence) and not isinstance(methods, str):
        items = [(inpainter.name, inpainter) for inpainter in map(as_inpainter, methods)]
    else:
        raise ValueError(f"methods must be a dict name -> Inpainter or a list of Inpainters, got {methods!r}")
    if not items:
        raise ValueError("methods is empty: give at least one method to evaluate")
    names = [name for name, _ in items]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"methods has duplicate names {duplicates}; pass a dict name -> method to rename them")
    return dict(items)


def _image_source(dataset):
    """Return (getter, count) for a tensor, a list of tensors, a Dataset or a DatasetSplit (its ``val`` part)."""
    if hasattr(dataset, "val") and hasattr(dataset, "train") and not isinstance(dataset, torch.Tensor):
        dataset = dataset.val
    if isinstance(dataset, torch.Tensor):
        if dataset.dim() == 3:
            dataset = dataset.unsqueeze(0)
        if dataset.dim() != 4:
            raise ValueError(f"dataset tensor must be shaped (N, 3, H, W), got {tuple(dataset.shape)}")
    try:
        count = len(dataset)
    except TypeError as error:
        raise ValueError(f"dataset must support len() and indexing, got {type(dataset).__name__}") from error
    read = _strict_reader(dataset)

    def get(index: int) -> torch.Tensor:
        item = read(index)
        if isinstance(item, (tuple, list)):
            item = item[0]
        image = torch.as_tensor(item)
        if image.dim() != 3 or image.shape[0] != 3 or not image.is_floating_point():
            raise ValueError(
                f"dataset item {index} must be a float (3, H, W) image in [0, 1], "
                f"got {image.dtype} {tuple(image.shape)}"
            )
        return image.float()

    return get, count


def _strict_reader(dataset):
    """Return ``index -> item`` that raises for an unreadable file instead of reading the next one.

    :class:`~inpaintlib.data.ImageFolderDataset` (alone or in a :class:`~torch.utils.data.Subset`)
    replaces an unreadable image by the next one, which suits training; an evaluation must score
    each image once, so it reads through :meth:`~inpaintlib.data.ImageFolderDataset.item`.
    """
    if isinstance(dataset, ImageFolderDataset):
        return dataset.item
    if isinstance(dataset, torch.utils.data.Subset) and isinstance(dataset.dataset, ImageFolderDataset):
        return lambda index: dataset.dataset.item(dataset.indices[index])
    return dataset.__getitem__


def _resize(image: torch.Tensor, size: int | None) -> torch.Tensor:
    if size is None or tuple(image.shape[-2:]) == (size, size):
        return image
    return F.interpolate(image[None], size=(size, size), mode="bilinear", align_corners=False, antialias=True)[0].clamp(
        0.0, 1.0
    )


def evaluate(
    methods,
    dataset,
    mask_kinds: Sequence[str] | str = KINDS,
    seed: int = 0,
    limit: int | None = None,
    image_size: int | None = None,
    batch_size: int = 8,
    progress: bool = True,
    mask_options: Mapping | None = None,
    description: str | None = None,
    method_kinds: Mapping[str, Sequence[str] | str] | None = None,
) -> EvaluationResult:
    """Run every method on every image with every mask kind and measure the results.

    Parameters
    ----------
    methods : dict or list
        ``name -> Inpainter`` (or a list of inpainters, named by their ``name``).
        Generator models are wrapped in :class:`~inpaintlib.baselines.ModelInpainter`.
    dataset : Dataset, list or tensor
        Anything with ``len()`` and indexing that yields ``(3, H, W)`` float images in ``[0, 1]``
        (or tuples whose first item is one), or an ``(N, 3, H, W)`` tensor. A
        :class:`~inpaintlib.data.DatasetSplit` is evaluated on its ``val`` part.
    mask_kinds : sequence of str or str
        Mask kinds to test, from ``"center"``, ``"blocks"``, ``"free_form"``.
    seed : int
        Fixes every mask (see :func:`mask_seed`).
    limit : int, optional
        Evaluate only the first ``limit`` images.
    image_size : int, optional
        Resize every image to ``image_size`` × ``image_size`` first (bilinear,
        antialiased); default: keep each image's size.
    batch_size : int
        Images per call of each method (does not change the results' masks).
    progress : bool
        Show a progress bar.
    mask_options : dict, optional
        Options per kind for the mask sampler, e.g. ``{"blocks": {"count": (2, 4)}}``.
    description : str, optional
        What the data is, kept in the result (default: the dataset's ``description`` attribute).
    method_kinds : dict, optional
        ``name -> kinds`` for methods that can only fill some mask kinds (Model 1 fills the
        centre square only): each listed method runs on those of ``mask_kinds`` only. Methods
        not listed run on every kind.

    Returns
    -------
    EvaluationResult
        Per-image records (ordered by method, mask kind, image index) and summaries.

    Warns
    -----
    UserWarning
        When image files cannot be read: they are skipped (never replaced by another image),
        counted in ``result.skipped`` with the reason, and left out of ``image_count``; and
        when a method returns NaN or infinite pixels (counted in ``result.nonfinite``; their
        scores are NaN).
    """

    inpainters = _methods_dict(methods)
    kinds = [mask_kinds] if isinstance(mask_kinds, str) else list(mask_kinds)
    unknown = [kind for kind in kinds if kind not in KINDS]
    if not kinds or unknown:
        raise ValueError(f"mask_kinds must name kinds from {KINDS}, got {mask_kinds!r}")
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"mask_kinds repeats a kind: {mask_kinds!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if limit is not None and int(limit) < 1:
        raise ValueError(f"limit must be a positive integer or None, got {limit!r}")
    if image_size is not None and int(image_size) < 16:
        raise ValueError(f"image_size must be an integer of at least 16 pixels, got {image_size!r}")

    runs_on = {name: list(kinds) for name in inpainters}
    for name, allowed in (method_kinds or {}).items():
        if name not in inpainters:
            raise ValueError(f"method_kinds names {name!r}, which is not one of the methods {list(inpainters)}")
        allowed = [allowed] if isinstance(allowed, str) else list(allowed)
        unknown = [kind for kind in allowed if kind not in KINDS]
        if unknown:
            raise ValueError(f"method_kinds[{name!r}] names unknown mask kinds {unknown}; known kinds are {KINDS}")
        runs_on[name] = [kind for kind in kinds if kind in allowed]

    get_image, count = _image_source(dataset)
    count = min(count, int(limit)) if limit is not None else count
    if count == 0:
        raise ValueError("dataset holds no images to evaluate")

    records: list[dict] = []
    seconds = {name: 0.0 for name in inpainters}
    runs = {name: 0 for name in inpainters}
    skipped: dict[int, str] = {}
    nonfinite = {name: 0 for name in inpainters}
    bar = tqdm(total=count, desc="evaluate", unit="image", disable=not progress)
    try:
        for start in range(0, count, int(batch_size)):
            tried = list(range(start, min(start + int(batch_size), count)))
            images, indices = [], []
            for index in tried:
                try:
                    images.append(_resize(get_image(index), image_size))
                    indices.append(index)
                except UnreadableImageError as error:
                    skipped[index] = str(error)
            by_shape: dict[tuple, list[int]] = {}
            for position, image in enumerate(images):
                by_shape.setdefault(tuple(image.shape), []).append(position)
            for shape, positions in by_shape.items():
                batch = torch.stack([images[p] for p in positions])
                batch_indices = [indices[p] for p in positions]
                for kind in kinds:
                    masks = torch.stack(
                        [evaluation_mask(kind, i, shape[-2:], seed, mask_options) for i in batch_indices]
                    )[:, None]
                    for name, inpainter in inpainters.items():
                        if kind not in runs_on[name]:
                            continue
                        began = time.perf_counter()
                        composed = inpainter(batch, masks)
                        seconds[name] += time.perf_counter() - began
                        nonfinite[name] += int((~torch.isfinite(composed).flatten(1).all(1)).sum())
                        runs[name] += len(batch_indices)
                        for index, measured in zip(batch_indices, image_metrics(composed, batch, masks)):
                            records.append(
                                {
                                    "method": name,
                                    "mask_kind": kind,
                                    "index": index,
                                    "height": shape[1],
                                    "width": shape[2],
                                    **measured,
                                }
                            )
            bar.update(len(tried))
    finally:
        bar.close()
    if skipped:
        reasons = "; ".join(skipped[index] for index in sorted(skipped)[:5])
        more = f"; and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        if count == len(skipped):
            raise ValueError(f"none of the {count} images can be read: {reasons}{more}")
        warnings.warn(
            f"skipped {len(skipped)} of {count} images that cannot be read (none was replaced by another "
            f"image): {reasons}{more}",
            stacklevel=2,
        )
    for name, bad in nonfinite.items():
        if bad:
            warnings.warn(
                f"{name} returned NaN or infinite pixels for {bad} image and mask pair(s); their scores are "
                "missing: check the model's checkpoint",
                stacklevel=2,
            )

    method_rank = {name: i for i, name in enumerate(inpainters)}
    kind_rank = {kind: i for i, kind in enumerate(kinds)}
    records.sort(key=lambda r: (method_rank[r["method"]], kind_rank[r["mask_kind"]], r["index"]))
    return EvaluationResult(
        records=records,
        methods=list(inpainters),
        mask_kinds=kinds,
        seed=seed,
        image_count=count - len(skipped),
        image_size=image_size,
        mask_options={name: dict(value) for name, value in (mask_options or {}).items()},
        seconds_per_image={name: total / runs[name] if runs[name] else math.nan for name, total in seconds.items()},
        dataset=description or getattr(dataset, "description", None) or type(dataset).__name__,
        method_kinds={name: runs_on[name] for name in inpainters if runs_on[name] != kinds},
        skipped=skipped,
        nonfinite={name: bad for name, bad in nonfinite.items() if bad},
    )


def _finite_or_none(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class EvaluationResult:
    """Per-image records of an evaluation, with tables, JSON and gallery picks.

    Attributes
    ----------
    records : list of dict
        One dict per (method, mask kind, image): ``method``, ``mask_kind``, ``index``,
        ``height``, ``width``, ``hole_fraction``, ``area_bin`` and the metrics in
        :data:`inpaintlib.metrics.METRIC_KEYS`.
    methods, mask_kinds : list of str
        What was evaluated, in order.
    seed, image_count, image_size : int
        The evaluation's settings (``image_size`` is ``None`` when images kept their size).
    seconds_per_image : dict
        Wall-clock seconds each method spent per image and mask (not part of the records:
        it varies between runs).
    dataset : str
        A description of the data evaluated.
    method_kinds : dict
        ``name -> kinds`` for the methods that ran on only some of :attr:`mask_kinds`
        (empty when every method ran on every kind).
    skipped : dict
        ``index -> reason`` for the images that could not be read (not counted in ``image_count``).
    nonfinite : dict
        ``name -> count`` of the image and mask pairs a method filled with NaN or infinite pixels.
    """

    def __init__(
        self,
        records: list[dict],
        methods: list[str],
        mask_kinds: list[str],
        seed: int = 0,
        image_count: int = 0,
        image_size: int | None = None,
        mask_options: Mapping | None = None,
        seconds_per_image: Mapping | None = None,
        dataset: str | None = None,
        method_kinds: Mapping | None = None,
        skipped: Mapping | None = None,
        nonfinite: Mapping | None = None,
    ):
        self.records = records
        self.methods = list(methods)
        self.mask_kinds = list(mask_kinds)
        self.seed = seed
        self.image_count = image_count
        self.image_size = image_size
        self.mask_options = dict(mask_options or {})
        self.seconds_per_image = dict(seconds_per_image or {})
        self.dataset = dataset
        self.method_kinds = {name: list(value) for name, value in (method_kinds or {}).items()}
        self.skipped = {int(index): str(reason) for index, reason in (skipped or {}).items()}
        self.nonfinite = {str(name): int(count) for name, count in (nonfinite or {}).items()}

    def kinds_of(self, method: str) -> list[str]:
        """The mask kinds ``method`` was run on."""
        if method not in self.methods:
            raise ValueError(f"method={method!r} was not evaluated; methods are {self.methods}")
        return list(self.method_kinds.get(method, self.mask_kinds))

    def subset(self, methods: Sequence[str] | None = None, mask_kinds: Sequence[str] | None = None) -> EvaluationResult:
        """Return a result holding only the records of some methods and/or mask kinds.

        Parameters
        ----------
        methods, mask_kinds : sequence of str, optional
            What to keep (``None`` keeps all), in the order of this result.
        """
        for name, chosen, known in (("methods", methods, self.methods), ("mask_kinds", mask_kinds, self.mask_kinds)):
            unknown = [value for value in (chosen or ()) if value not in known]
            if isinstance(chosen, str) or unknown:
                raise ValueError(f"{name} must be a list of names from {known}, got {chosen!r}")
        keep_methods = [m for m in self.methods if methods is None or m in methods]
        keep_kinds = [k for k in self.mask_kinds if mask_kinds is None or k in mask_kinds]
        return EvaluationResult(
            records=[r for r in self.records if r["method"] in keep_methods and r["mask_kind"] in keep_kinds],
            methods=keep_methods,
            mask_kinds=keep_kinds,
            seed=self.seed,
            image_count=self.image_count,
            image_size=self.image_size,
            mask_options=self.mask_options,
            seconds_per_image={m: v for m, v in self.seconds_per_image.items() if m in keep_methods},
            dataset=self.dataset,
            method_kinds={
                m: [k for k in kinds if k in keep_kinds] for m, kinds in self.method_kinds.items() if m in keep_methods
            },
            skipped=self.skipped,
            nonfinite={m: v for m, v in self.nonfinite.items() if m in keep_methods},
        )

    def table(self, by: Sequence[str] | str = ("method", "mask_kind"), metrics: Sequence[str] = METRIC_KEYS) -> SummaryTable:
        """Mean metrics per group, e.g. ``by=("method", "mask_kind")`` or ``("method", "area_bin")``.

        See :func:`inpaintlib.metrics.summarize`.
        """
        return summarize(self.records, by=by, metrics=metrics)

    def best_and_worst(
        self, method: str, n: int = 4, metric: str = "psnr_hole", mask_kind: str | None = None
    ) -> tuple[list[dict], list[dict]]:
        """Return the ``n`` best and the ``n`` worst records of one method (e.g. for a gallery).

        Parameters
        ----------
        method : str
            A method name from :attr:`methods`.
        n : int
            Records in each list.
        metric : str
            The metric that ranks them (higher is better for PSNR and SSIM, lower for L1).
        mask_kind : str, optional
            Only records of this mask kind.

        Returns
        -------
        (list of dict, list of dict)
            Best first, and worst first. Records with a ``nan`` metric are left out; ties keep
            record order. ``dataset[record["index"]]`` and
            :meth:`mask` ``(record["index"], record["mask_kind"])`` rebuild the input.
        """
        if method not in self.methods:
            raise ValueError(f"method={method!r} was not evaluated; methods are {self.methods}")
        if metric not in HIGHER_IS_BETTER:
            raise ValueError(f"metric={metric!r} is not one of {list(HIGHER_IS_BETTER)}")
        if mask_kind is not None and mask_kind not in self.mask_kinds:
            raise ValueError(f"mask_kind={mask_kind!r} was not evaluated; kinds are {self.mask_kinds}")
        chosen = [
            record
            for record in self.records
            if record["method"] == method
            and (mask_kind is None or record["mask_kind"] == mask_kind)
            and record[metric] is not None
            and not math.isnan(record[metric])
        ]
        sign = -1.0 if HIGHER_IS_BETTER[metric] else 1.0
        ranked = sorted(chosen, key=lambda record: sign * record[metric])
        return ranked[:n], ranked[::-1][:n]

    def mask(self, index: int, kind: str, size: int | tuple[int, int] | None = None) -> torch.Tensor:
        """Rebuild the ``(H, W)`` mask this evaluation used for image ``index`` and ``kind``."""
        if size is None:
            found = next((r for r in self.records if r["index"] == index), None)
            if found is None:
                raise ValueError(f"image {index} was not evaluated (image_count={self.image_count})")
            size = (found["height"], found["width"])
        return evaluation_mask(kind, index, size, self.seed, self.mask_options)

    def to_dict(self, by: Sequence[str] | str = ("method", "mask_kind")) -> dict:
        """Return settings, the summary table (``by``) and the records as plain JSON-ready values (nan → None)."""
        return {
            "settings": {
                "methods": self.methods,
                "mask_kinds": self.mask_kinds,
                "seed": self.seed,
                "image_count": self.image_count,
                "image_size": self.image_size,
                "mask_options": self.mask_options,
                "dataset": self.dataset,
                "method_kinds": self.method_kinds,
                "skipped": {str(index): reason for index, reason in self.skipped.items()},
                "nonfinite": self.nonfinite,
            },
            "seconds_per_image": {k: _finite_or_none(v) for k, v in self.seconds_per_image.items()},
            "summary": [{k: _finite_or_none(v) for k, v in row.items()} for row in self.table(by=by)],
            "records": [{k: _finite_or_none(v) for k, v in record.items()} for record in self.records],
        }

    def to_json(self, indent: int | None = 2, by: Sequence[str] | str = ("method", "mask_kind")) -> str:
        """Return :meth:`to_dict` as a strict JSON string (no NaN literals)."""
        return json.dumps(self.to_dict(by=by), indent=indent, allow_nan=False)

    def save_json(self, path: str | Path, by: Sequence[str] | str = ("method", "mask_kind")) -> Path:
        """Write :meth:`to_json` to ``path`` atomically (folders are created) and return the path."""
        from inpaintlib.checkpoints import atomic_write

        path = Path(path)
        with atomic_write(path, "w") as stream:
            stream.write(self.to_json(by=by) + "\n")
        return path

    @classmethod
    def from_dict(cls, data: Mapping) -> EvaluationResult:
        """Rebuild a result from :meth:`to_dict` output (None metrics become nan)."""
        settings = data["settings"]
        records = [
            {k: (math.nan if v is None and k in METRIC_KEYS else v) for k, v in record.items()}
            for record in data["records"]
        ]
        return cls(
            records=records,
            methods=settings["methods"],
            mask_kinds=settings["mask_kinds"],
            seed=settings["seed"],
            image_count=settings["image_count"],
            image_size=settings.get("image_size"),
            mask_options=settings.get("mask_options"),
            seconds_per_image={
                k: (math.nan if v is None else v) for k, v in (data.get("seconds_per_image") or {}).items()
            },
            dataset=settings.get("dataset"),
            method_kinds=settings.get("method_kinds"),
            skipped=settings.get("skipped"),
            nonfinite=settings.get("nonfinite"),
        )

    @classmethod
    def load_json(cls, path: str | Path) -> EvaluationResult:
        """Read a result written by :meth:`save_json`."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return (
            f"EvaluationResult({len(self.methods)} methods, {self.image_count} images, "
            f"kinds={self.mask_kinds}, seed={self.seed})\n{self.table()}"
        )

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()


# ------------------------------------------------------------------------------ held-out images
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


# ------------------------------------------------------------------------------------ trained runs
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
    """The mask kinds a model can fill: ``["center"]`` for Model 1 (it fills only the centre square), all three for the others.

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
    from inpaintlib.checkpoints import BEST, LAST
    from inpaintlib.history import HISTORY_JSON
    from inpaintlib.runtime import runs_dir

    root = Path(root) if root is not None else runs_dir()
    runs = []
    for path in sorted(root.glob(f"*/{HISTORY_JSON}")):
        folder = path.parent
        try:
            history = History.load(path)
        except (ValueError, OSError) as error:
            warnings.warn(f"skipping run {folder.name!r}: {error}", stacklevel=2)
            continue
        checkpoint = next((folder / name for name in (BEST, LAST) if (folder / name).is_file()), None)
        runs.append(TrainedRun(folder.name, folder, history, checkpoint))
    return runs


def _loss_text(value) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.4g}"


def runs_table(runs: Sequence[TrainedRun]) -> SummaryTable:
    """One row per run: model, image size, trained mask kinds, epochs, best epoch, its loss, how it stopped.

    Model, size and kinds are known once a run is loaded (:meth:`TrainedRun.load`).
    """
    rows = []
    for run in runs:
        history = run.history
        last = history.records[-1] if history.records else None
        rows.append(
            {
                "run": run.name,
                "model": run.model_name or "?",
                "size": str(run.image_size or "?"),
                "trained on": ", ".join(run.trained_kinds) or "?",
                "epochs": str(len(history)),
                "best epoch": str(history.best_epoch or "–"),
                f"best val {history.monitor}": _loss_text(history.best_value),
                "last val total": _loss_text(last["val"]["total"] if last else None),
                "stopped": history.stop_reason or ("early stopping" if history.stopped_early else "epochs done"),
            }
        )
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return SummaryTable(rows, columns=columns)


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


# ------------------------------------------------------------------------- reading the tables
def mark_trained(table: SummaryTable, trained_kinds: Mapping[str, Sequence[str]]) -> SummaryTable:
    """Add a ``trained_on`` column: whether the method was trained on the row's mask kind.

    Parameters
    ----------
    table : SummaryTable
        Rows with ``method`` and ``mask_kind`` (e.g. ``result.table()``).
    trained_kinds : dict
        ``method -> kinds it was trained on``, for the learned methods; other methods
        (the classical baselines, which are not trained) get ``"–"``.

    Returns
    -------
    SummaryTable
        A copy with ``trained_on`` (``"yes"``, ``"no"`` or ``"–"``) after ``mask_kind``.
    """
    if "method" not in table.columns or "mask_kind" not in table.columns:
        raise ValueError(f"table needs 'method' and 'mask_kind' columns, it has {table.columns}")
    rows = []
    for row in table:
        row = dict(row)
        kinds = trained_kinds.get(row["method"])
        row["trained_on"] = "–" if kinds is None else ("yes" if row["mask_kind"] in kinds else "no")
        rows.append(row)
    columns = list(table.columns)
    columns.insert(columns.index("mask_kind") + 1, "trained_on")
    return SummaryTable(rows, columns=columns)


def learned_vs_classical(
    table: SummaryTable,
    learned: Sequence[str],
    metric: str = "psnr_hole",
    by: str = "mask_kind",
) -> list[dict]:
    """For each group of a table, the best learned method against the best other (classical) one.

    Parameters
    ----------
    table : SummaryTable
        Rows with ``method``, ``by`` and ``metric`` (e.g. ``result.table(by=("method", "mask_kind"))``).
    learned : sequence of str
        The names of the learned methods; every other method counts as classical.
    metric : str
        The metric that ranks methods (higher is better for PSNR and SSIM, lower for L1).
    by : str
        The grouping column, ``"mask_kind"`` or ``"area_bin"``.

    Returns
    -------
    list of dict
        One dict per group, in table order: ``group`` (the ``by`` value), ``learned`` and
        ``learned_value`` (``None`` when no learned method has a row), ``classical`` and
        ``classical_value`` (likewise), ``margin`` (how much better the learned method is:
        positive when it wins, in the metric's units; ``None`` when one side is missing) and
        ``winner`` (``"learned"``, ``"classical"``, ``"tie"`` or the side that is present).
    """
    if metric not in HIGHER_IS_BETTER:
        raise ValueError(f"metric={metric!r} is not one of {list(HIGHER_IS_BETTER)}")
    for column in ("method", by, metric):
        if column not in table.columns:
            raise ValueError(f"table has no {column!r} column; it has {table.columns}")
    learned = set(learned)
    sign = 1.0 if HIGHER_IS_BETTER[metric] else -1.0
    groups: dict = {}
    for row in table:
        value = row[metric]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        side = "learned" if row["method"] in learned else "classical"
        best = groups.setdefault(row[by], {}).get(side)
        if best is None or sign * value > sign * best[1]:
            groups[row[by]][side] = (row["method"], float(value))
    comparisons = []
    for group, sides in groups.items():
        learned_best, classical_best = sides.get("learned"), sides.get("classical")
        margin = None
        if learned_best and classical_best:
            margin = sign * (learned_best[1] - classical_best[1])
            winner = "learned" if margin > 0 else "classical" if margin < 0 else "tie"
        else:
            winner = "learned" if learned_best else "classical"
        comparisons.append(
            {
                "group": group,
                "learned": learned_best[0] if learned_best else None,
                "learned_value": learned_best[1] if learned_best else None,
                "classical": classical_best[0] if classical_best else None,
                "classical_value": classical_best[1] if classical_best else None,
                "margin": margin,
                "winner": winner,
            }
        )
    return comparisons


def _metric_text(metric: str, value: float, difference: bool = False) -> str:
    if metric.startswith("psnr"):
        return f"{value:.2f} dB"
    if metric.startswith("l1"):
        return f"{100 * value:.2f} percentage points" if difference else f"{100 * value:.2f}%"
    return f"{value:.4f}"


_METRIC_NAMES = {
    "psnr_hole": "PSNR in the hole",
    "ssim_hole": "SSIM in the hole",
    "l1_hole": "L1 error in the hole",
    "psnr_whole": "PSNR over the image",
    "ssim_whole": "SSIM over the image",
    "l1_whole": "L1 error over the image",
}


def _group_text(group) -> str:
    text = str(group)
    if text.endswith("%") or text.endswith("%+"):
        return f"holes covering {text} of the image"
    return f"{text} holes"


def describe_comparison(
    comparisons: Sequence[Mapping],
    metric: str = "psnr_hole",
    trained_kinds: Mapping[str, Sequence[str]] | None = None,
) -> list[str]:
    """Turn :func:`learned_vs_classical` rows into one sentence each, computed from the numbers.

    Parameters
    ----------
    comparisons : list of dict
        The output of :func:`learned_vs_classical`.
    metric : str
        The metric those rows were ranked by.
    trained_kinds : dict, optional
        ``method -> kinds it was trained on``: a learned model scored on a mask kind it
        did not train on is flagged in its sentence.

    Examples
    --------
    >>> rows = [{"group": "center", "learned": "03_center", "learned_value": 19.5,
    ...          "classical": "telea", "classical_value": 17.25, "margin": 2.25, "winner": "learned"}]
    >>> describe_comparison(rows)[0]
    'center holes: the best learned model, 03_center (19.50 dB), beats the best classical method, telea (17.25 dB), by 2.25 dB of PSNR in the hole.'
    """
    what = _METRIC_NAMES.get(metric, metric)
    sentences = []
    for row in comparisons:
        group = _group_text(row["group"])
        learned, classical = row.get("learned"), row.get("classical")
        untrained = (
            learned is not None
            and trained_kinds is not None
            and learned in trained_kinds
            and _is_kind(row["group"])
            and row["group"] not in trained_kinds[learned]
        )
        note = "; not trained on these holes" if untrained else ""
        if learned is None:
            sentences.append(
                f"{group}: no learned model was scored here; the best classical method is {classical} "
                f"({_metric_text(metric, row['classical_value'])} {what})."
            )
            continue
        if classical is None:
            sentences.append(
                f"{group}: only learned models were scored; the best is {learned} "
                f"({_metric_text(metric, row['learned_value'])} {what})."
            )
            continue
        learned_text = f"{learned} ({_metric_text(metric, row['learned_value'])}{note})"
        classical_text = f"{classical} ({_metric_text(metric, row['classical_value'])})"
        margin = abs(row["margin"])
        if row["winner"] == "tie":
            sentences.append(f"{group}: the best learned model, {learned_text}, ties the best classical method, {classical_text}.")
        elif row["winner"] == "learned":
            sentences.append(
                f"{group}: the best learned model, {learned_text}, beats the best classical method, "
                f"{classical_text}, by {_metric_text(metric, margin, difference=True)} of {what}."
            )
        else:
            sentences.append(
                f"{group}: the best classical method, {classical_text}, stays ahead of the best learned model, "
                f"{learned_text}, by {_metric_text(metric, margin, difference=True)} of {what}."
            )
    return sentences


def comparison_table(comparisons: Sequence[Mapping], metric: str = "psnr_hole", label: str | None = None) -> SummaryTable:
    """Show :func:`learned_vs_classical` rows as a table: group, best learned and best classical method, margin.

    Parameters
    ----------
    comparisons : list of dict
        The output of :func:`learned_vs_classical`.
    metric : str
        The metric they were ranked by (sets the units).
    label : str, optional
        The first column's title (default ``"group"``).
    """
    label = label or "group"

    def text(value, difference=False):
        return "–" if value is None else _metric_text(metric, value, difference)

    rows = []
    for row in comparisons:
        margin = row.get("margin")
        rows.append(
            {
                label: str(row["group"]),
                "best learned": row.get("learned") or "–",
                "learned score": text(row.get("learned_value")),
                "best classical": row.get("classical") or "–",
                "classical score": text(row.get("classical_value")),
                "learned ahead by": "–" if margin is None else ("-" if margin < 0 else "") + text(abs(margin), True),
            }
        )
    return SummaryTable(rows, columns=[label, "best learned", "learned score", "best classical", "classical score", "learned ahead by"])


def _is_kind(group) -> bool:

    return group in KINDS
