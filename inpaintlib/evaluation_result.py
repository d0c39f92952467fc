"""The result of an evaluation: per-image records, and the tables, JSON and gallery picks made from them.

Taught in notebook 08 (``08_evaluation.ipynb``); notebooks 03 to 07 read their models' scores from
an :class:`EvaluationResult` too.

:func:`inpaintlib.evaluation.evaluate` returns an :class:`EvaluationResult`. It holds one record per
(method, mask kind, image) and makes the tables (:meth:`EvaluationResult.table`, by method, mask kind
or hole-area bin), JSON (:meth:`EvaluationResult.to_json`, :meth:`EvaluationResult.load_json`), the
gallery picks (:meth:`EvaluationResult.best_and_worst`) and the masks the evaluation used
(:meth:`EvaluationResult.mask`). :class:`EvaluationResult` is importable from
:mod:`inpaintlib.evaluation` too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from inpaintlib.metrics import METRIC_KEYS, SummaryTable, summarize
from inpaintlib.reporting import HIGHER_IS_BETTER
from inpaintlib.scoring import evaluation_mask

__all__ = ["EvaluationResult"]


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
