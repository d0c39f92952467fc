"""Reading a run's loss curves in sentences that follow its numbers.

Taught in notebooks 03 (``03_center_block.ipynb``), 04 and 05: below each run's loss curves the
workbook prints what they show, so that a re-run cannot leave a stale reading beside new curves.

* :func:`describe_reconstruction` reads the reconstruction loss (``rec``): still falling at the
  end (more epochs would help), flat, or rising on validation photos while it falls on the
  training photos (the model memorizes them: more photos, or augmentation, would help);
* :func:`describe_discriminator` reads the adversarial game (``disc`` and ``adv``): at chance
  (the discriminator cannot tell fills from photos, so the adversarial term teaches nothing), won
  by the discriminator, or overfitted by it (far better on training than on validation images);
* :func:`describe_curves` returns both.

The discriminator's loss is the binary cross-entropy on real images plus that on inpainted ones
(:func:`inpaintlib.losses.discriminator_loss`), so a discriminator at chance scores
``2 ln 2 = 1.386`` and the generator's adversarial loss ``ln 2 = 0.693``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from inpaintlib.history import History

__all__ = ["CHANCE_ADV", "CHANCE_DISC", "describe_curves", "describe_discriminator", "describe_reconstruction"]

#: The discriminator's loss (real + fake binary cross-entropy) when it guesses: 2 ln 2.
CHANCE_DISC = 2 * math.log(2)
#: The generator's adversarial loss against a guessing discriminator: ln 2.
CHANCE_ADV = math.log(2)


def _values(series: Sequence[float | None]) -> list[float]:
    return [value for value in series if value is not None and math.isfinite(value)]


def _tail_mean(values: Sequence[float], fraction: float = 1 / 3) -> float:
    """Mean of the last ``fraction`` of ``values`` (at least one value)."""
    count = max(1, round(len(values) * fraction))
    return sum(values[-count:]) / count


def describe_reconstruction(history: History, term: str = "rec", tolerance: float = 0.02) -> str:
    """Say whether ``term`` still falls, has flattened, or rises on validation photos while it falls on training ones.

    ``tolerance`` is the relative change, between the best epoch and the mean of the last third of
    the epochs, below which a curve counts as flat.
    """
    val, train = _values(history.val(term)), _values(history.train(term))
    if len(val) < 2 or len(train) < 2:
        return f"{len(history)} epoch(s): too few points to read the {term!r} curve."
    best = history.best_epoch or (val.index(min(val)) + 1)
    best_value = min(val)
    late_val, late_train = _tail_mean(val), _tail_mean(train)
    train_falls = late_train < train[0] * (1 - tolerance)
    if best >= len(val) - max(1, len(val) // 6) and not history.stopped_early:
        return (
            f"Validation {term} reaches its lowest value ({best_value:.4g}) at epoch {best} of {len(val)}, near the "
            f"end: the curve still falls, and more epochs would likely help."
        )
    rise = (late_val - best_value) / best_value
    if rise > tolerance and train_falls:
        return (
            f"Validation {term} is lowest at epoch {best} ({best_value:.4g}) and then rises by {100 * rise:.0f}% on "
            f"average while training {term} keeps falling ({train[0]:.4g} -> {train[-1]:.4g}): the model starts to "
            f"memorize its training photos; more photos or stronger augmentation would help more than more epochs. "
            f"The best checkpoint is the one from epoch {best}."
        )
    stopped = " Early stopping ended the run." if history.stopped_early else ""
    return (
        f"Validation {term} flattens after epoch {best} (best {best_value:.4g}; the last third of the epochs averages "
        f"{late_val:.4g}): longer training at this learning rate would change little.{stopped}"
    )


def describe_discriminator(history: History, margin: float = 0.1) -> str | None:
    """Read the adversarial game from ``disc`` and ``adv``; ``None`` for a run without a discriminator.

    Over the last third of the epochs: a training ``disc`` within ``margin`` of
    :data:`CHANCE_DISC` means the discriminator guesses; below ``0.5`` it wins; a validation
    ``disc`` higher than the training one by more than ``3 * margin`` means it overfits.
    """
    train_disc, train_adv = _values(history.train("disc")), _values(history.train("adv"))
    if not train_disc or not train_adv:
        return None
    disc, adv = _tail_mean(train_disc), _tail_mean(train_adv)
    val_disc = _values(history.val("disc"))
    late_val = _tail_mean(val_disc) if val_disc else None
    numbers = f"training disc {disc:.3g}, adv {adv:.3g} over the last third of the epochs"
    if abs(disc - CHANCE_DISC) < margin and abs(adv - CHANCE_ADV) < margin:
        return (
            f"The discriminator is at chance ({numbers}; guessing gives {CHANCE_DISC:.3f} and {CHANCE_ADV:.3f}): it cannot "
            f"tell the fills from photos, so the adversarial term pushes the generator nowhere and the fill is "
            f"shaped by the reconstruction loss alone."
        )
    overfits = late_val is not None and late_val > disc + 3 * margin
    tail = (
        f" On validation images its loss is {late_val:.3g}, far above the training {disc:.3g}: it has memorized the "
        f"training photos rather than learned what makes a fill look fake."
        if overfits
        else ""
    )
    if disc < 0.5:
        return (
            f"The discriminator wins ({numbers}): it tells fills from photos easily and the generator's adversarial "
            f"loss stays high.{tail}"
        )
    return (
        f"The discriminator is ahead of chance without winning ({numbers}; guessing gives {CHANCE_DISC:.3f}): the "
        f"adversarial term is in play.{tail}"
    )


def describe_curves(history: History) -> list[str]:
    """Return the sentences of :func:`describe_reconstruction` and :func:`describe_discriminator`."""
    sentences = [describe_reconstruction(history)]
    game = describe_discriminator(history)
    if game is not None:
        sentences.append(game)
    return sentences
