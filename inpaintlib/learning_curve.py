"""PSNR inside the hole against training minutes, next to the classical methods' flat lines.

Taught in notebook 07 (``07_beyond_the_report.ipynb``).

A :class:`HoleScoreCurve` is passed to :meth:`inpaintlib.train.Trainer.fit` as ``on_epoch_end``:
after every epoch it scores the model being trained on fixed held-out photos and holes (the same
ones every time, through :func:`inpaintlib.evaluation.evaluate`), and records the PSNR inside the
hole per mask kind against the training minutes so far. :meth:`HoleScoreCurve.first_passing` says
when the model first beat a reference score, :meth:`HoleScoreCurve.plot` draws the curve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["HoleScoreCurve"]


class HoleScoreCurve:
    """Record PSNR inside the hole per mask kind after every training epoch.

    Parameters
    ----------
    images : Dataset, list or tensor
        The held-out images to score on (as :func:`~inpaintlib.evaluation.evaluate` takes them).
    mask_kinds : sequence of str
        The mask kinds, from ``"center"``, ``"blocks"``, ``"free_form"``.
    seed : int
        Fixes the hole of each image and kind (the same holes as ``evaluate(..., seed=seed)``).
    metric : str
        The metric recorded (default ``"psnr_hole"``).

    Attributes
    ----------
    points : list of dict
        One per epoch: ``minutes`` (training time so far, scoring excluded), ``epoch`` and the
        metric per mask kind.
    """

    def __init__(self, images, mask_kinds: Sequence[str], seed: int = 0, metric: str = "psnr_hole") -> None:
        self.images = images
        self.mask_kinds = list(mask_kinds)
        self.seed = int(seed)
        self.metric = metric
        self.points: list[dict] = []

    def __call__(self, trainer) -> None:
        """Score ``trainer.generator`` now (called by ``Trainer.fit`` after each epoch)."""
        from inpaintlib.baselines import ModelInpainter
        from inpaintlib.evaluation import evaluate

        model = ModelInpainter(trainer.generator, name="model", device=trainer.device)
        result = evaluate({"model": model}, self.images, mask_kinds=self.mask_kinds, seed=self.seed, progress=False)
        scores = {row["mask_kind"]: row[self.metric] for row in result.table()}
        minutes = sum(trainer.history.seconds) / 60.0
        self.points.append({"epoch": len(trainer.history), "minutes": minutes, **scores})

    def first_passing(self, reference: Mapping[str, float]) -> dict[str, float | None]:
        """Return, per mask kind, the training minutes after which the score first beat ``reference[kind]``.

        ``None`` for a kind the model never beat.
        """
        passing = {}
        for kind in self.mask_kinds:
            times = [point["minutes"] for point in self.points if point.get(kind, float("-inf")) > reference[kind]]
            passing[kind] = times[0] if times else None
        return passing

    def plot(self, references: Mapping[str, Mapping[str, float]] | None = None, axes=None, size: float = 3.6):
        """Draw one panel per mask kind: the model's score against minutes, references as flat lines.

        ``references`` maps a method's name to its score per mask kind (drawn dashed); ``axes``
        holds one panel per mask kind. See :func:`inpaintlib.plots.curves.plot_hole_score_curve`.
        Returns the figure.
        """
        from inpaintlib.plots.curves import plot_hole_score_curve

        return plot_hole_score_curve(self, references, axes=axes, size=size)
