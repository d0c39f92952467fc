"""Paired margins between two methods, with a bootstrap interval: when does one method *beat* another?

Taught in notebook 07 (``07_beyond_the_report.ipynb``) and used in notebook 08 (``08_evaluation.ipynb``).

Two methods scored on the same photos with the same holes give one difference per photo. Their mean is
the margin; resampling the photos with replacement (a paired bootstrap) shows how much that mean
would move on another draw of photos like these. A method *beats* another only when the whole 95 %
interval lies above zero, *trails* it when the interval lies below zero, and otherwise the two are
*level*: the photos cannot tell them apart.

>>> margin = paired_margin([20.0, 21.0, 22.0], [19.0, 19.5, 21.0], seed=0)
>>> margin.verdict
'beats'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["HIGHER_IS_BETTER", "Margin", "paired_margin", "margin_between"]

#: For each metric, whether a larger value is better.
HIGHER_IS_BETTER = {
    "psnr_hole": True,
    "psnr_whole": True,
    "ssim_hole": True,
    "ssim_whole": True,
    "l1_hole": False,
    "l1_whole": False,
}


@dataclass(frozen=True)
class Margin:
    """The mean per-photo difference ``a - b`` and its bootstrap interval.

    Attributes
    ----------
    mean : float
        Mean of the per-photo differences.
    low, high : float
        The bootstrap interval of the mean (95 % by default).
    count : int
        Number of paired photos.
    unit : str
        The metric's unit: ``"dB"`` for PSNR (printed with two decimals), ``""`` for SSIM and L1 (four).
    higher_is_better : bool
        False for errors such as L1, where a negative margin is the better result.
    """

    mean: float
    low: float
    high: float
    count: int
    unit: str = "dB"
    higher_is_better: bool = True

    @property
    def verdict(self) -> str:
        """``"beats"``, ``"trails"`` or ``"is level with"``: what the interval lets one say."""
        sign = 1 if self.higher_is_better else -1
        low, high = sorted((sign * self.low, sign * self.high))
        if low > 0:
            return "beats"
        if high < 0:
            return "trails"
        return "is level with"

    def __str__(self) -> str:
        digits, unit = (2, " dB") if self.unit == "dB" else (4, f" {self.unit}" if self.unit else "")
        return (f"{self.mean:+.{digits}f}{unit} (95% interval {self.low:+.{digits}f} to {self.high:+.{digits}f}, "
                f"{self.count} photos)")


def paired_margin(
    a: Sequence[float], b: Sequence[float], resamples: int = 2000, level: float = 0.95, seed: int = 0,
    unit: str = "dB", higher_is_better: bool = True,
) -> Margin:
    """Return the margin of ``a`` over ``b`` (scores of the same photos, in the same order).

    Parameters
    ----------
    a, b : sequence of float
        One score per photo for each method, paired by position.
    resamples : int
        Bootstrap resamples of the photos.
    level : float
        Coverage of the interval (0.95: the 2.5th to the 97.5th percentile).
    seed : int
        Seeds the resampling, so the interval is the same every run.
    unit, higher_is_better
        Stored on the :class:`Margin` (how it prints, and which sign of the margin is a win).

    Raises
    ------
    ValueError
        If the sequences are empty, of different lengths, or ``level`` is not in (0, 1).
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(f"need two equally long, non-empty lists of scores, got {a.shape} and {b.shape}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    differences = a - b
    rng = np.random.default_rng(seed)
    means = differences[rng.integers(0, differences.size, size=(int(resamples), differences.size))].mean(axis=1)
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(means, [tail, 100 - tail])
    return Margin(float(differences.mean()), float(low), float(high), int(differences.size), unit, higher_is_better)


def margin_between(
    records, method_a: str, method_b: str, group, metric: str = "psnr_hole", by: str = "mask_kind", **options
) -> Margin:
    """Return the paired margin of ``method_a`` over ``method_b`` on one group of evaluation records.

    ``records`` are the per-image rows of an evaluation (``EvaluationResult.records``: dicts with
    ``method``, ``mask_kind``, ``index``, ``area_bin`` and the metrics); the group is the records
    whose ``by`` column equals ``group`` (a mask kind by default, or e.g. an area bin). Scores are
    paired by photo and mask kind; photos scored by only one of the two methods, or without a
    value of ``metric``, are left out. ``options`` go to :func:`paired_margin`; the margin's unit
    (dB for PSNR) and which sign wins (negative for L1, an error) follow from ``metric``.
    """
    scores: dict[str, dict] = {method_a: {}, method_b: {}}
    for row in records:
        if row.get(by) == group and row["method"] in scores and row.get(metric) is not None:
            scores[row["method"]][(row.get("mask_kind"), row["index"])] = row[metric]
    shared = sorted(set(scores[method_a]) & set(scores[method_b]))
    if not shared:
        raise ValueError(f"no photo was scored by both {method_a!r} and {method_b!r} in {by} {group!r}")
    options = {"unit": "dB" if metric.startswith("psnr") else "", "higher_is_better": HIGHER_IS_BETTER.get(metric, True),
               **options}
    return paired_margin([scores[method_a][key] for key in shared], [scores[method_b][key] for key in shared], **options)
