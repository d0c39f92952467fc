"""Training within a time budget that still leaves a validated epoch.

Taught in notebook 04 (``04_random_blocks_and_regions.ipynb``); notebooks 03 and 05 train the
same way in their quick setting.
"""

from __future__ import annotations

import time

from inpaintlib.runtime import positive_int as _check_positive

__all__ = ["fit_within_budget"]


def fit_within_budget(trainer, epochs: int, max_minutes: float | None = None):
    """Train at least one whole epoch, then on up to ``epochs`` epochs while the time budget lasts.

    :meth:`inpaintlib.train.Trainer.fit` with ``max_minutes`` stops at the end of the first step
    past the budget, even in the first epoch, which would leave a run without a validated epoch
    (no ``best.pt``). On a slow or busy machine the quick notebooks need one finished epoch, so
    the first one runs to its end and the rest share what is left of the budget.

    Parameters
    ----------
    trainer : inpaintlib.train.Trainer
    epochs : int
        The total number of epochs to reach.
    max_minutes : float, optional
        The budget for the whole call; ``None`` trains all ``epochs`` (or until early stopping).

    Returns
    -------
    History
        The trainer's history; ``stop_reason`` is ``"time budget"`` when the budget ended the run.
    """
    epochs = _check_positive("epochs", epochs)
    if max_minutes is None:
        return trainer.fit(epochs=epochs)
    if not isinstance(max_minutes, (int, float)) or isinstance(max_minutes, bool) or max_minutes <= 0:
        raise ValueError(f"max_minutes must be a positive number or None, got {max_minutes!r}")
    started = time.monotonic()
    history = trainer.fit(epochs=min(epochs, trainer.epoch + 1))  # one whole epoch, whatever the budget
    if trainer.epoch >= epochs or history.stopped_early:
        return history
    left = float(max_minutes) - (time.monotonic() - started) / 60.0
    if left <= 0:
        history.stop_reason = "time budget"
        if trainer.dist.is_main:
            history.save(trainer.out_dir)  # the saved history says why the run stopped, as fit() would
        return history
    return trainer.fit(epochs=epochs, max_minutes=left)
