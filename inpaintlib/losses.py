"""Losses for training context encoders: reconstruction, adversarial, Gram-matrix style, and their sum.

Taught in notebook 03 (``03_center_block.ipynb``); notebook 06 (``06_monet_style.ipynb``) adds the
style term, whose Gram matrices and AlexNet features live in :mod:`inpaintlib.style_loss`
(re-exported here).

* :func:`reconstruction_loss` — squared error over the hole (the default, as in Pathak et al.),
  over the hole with its inner border weighted x10 (``region="overlap"``), or over the whole
  image (``region="image"``, the course report's choice, kept for comparison).
* :func:`adversarial_loss`, :func:`generator_adversarial_loss`, :func:`discriminator_loss` —
  binary cross-entropy on discriminator logits (a single score or a patch map).
* :func:`gram_matrix`, :func:`style_loss`, :class:`StyleFeatures` — texture statistics of
  AlexNet's conv layers, compared through Gram matrices.
* :class:`JointLoss` — ``rec_weight * rec + adv_weight * adv + style_weight * style``,
  returning every term so training histories can plot them separately.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from inpaintlib.models.base import check_image, check_mask, compose
from inpaintlib.style_loss import DEFAULT_STYLE_WEIGHTS, StyleFeatures, gram_matrix, style_loss

__all__ = [
    "DEFAULT_STYLE_WEIGHTS",
    "JointLoss",
    "LossTerms",
    "NORMS",
    "REGIONS",
    "StyleFeatures",
    "adversarial_loss",
    "discriminator_loss",
    "generator_adversarial_loss",
    "gram_matrix",
    "hole_border",
    "reconstruction_loss",
    "reconstruction_weights",
    "style_loss",
]

#: Valid values of ``region`` in :func:`reconstruction_loss`.
REGIONS = ("hole", "overlap", "image")
#: Valid values of ``norm`` in :func:`reconstruction_loss`: squared error (Pathak et al.), absolute
#: error, or their sum (the absolute error keeps pulling when the squared error is already small,
#: which sharpens fills).
NORMS = ("l2", "l1", "l1+l2")


# --------------------------------------------------------------------------- reconstruction


def hole_border(mask: torch.Tensor, width: int = 4) -> torch.Tensor:
    """Return the pixels of the hole within ``width`` pixels of its edge (its inner border).

    Parameters
    ----------
    mask : torch.Tensor
        ``(N, 1, H, W)`` float mask, 1 = missing pixel.
    width : int
        Border width in pixels.

    Returns
    -------
    torch.Tensor
        A 0/1 mask like ``mask``: ``mask`` minus its erosion by a ``(2 width + 1)`` square.
        The image's own edge does not count as a hole edge.
    """
    if width <= 0:
        return torch.zeros_like(mask)
    known = 1 - mask
    # Max-pool pads with -inf, so beyond the image counts as "not known": no border there.
    near_known = F.max_pool2d(known, kernel_size=2 * width + 1, stride=1, padding=width)
    return mask * near_known


def reconstruction_weights(
    mask: torch.Tensor, region: str = "hole", overlap: int = 4, overlap_weight: float = 10.0
) -> torch.Tensor:
    """Return the per-pixel weights :func:`reconstruction_loss` uses, shaped ``(N, 1, H, W)``.

    ``"hole"``: 1 in the hole, 0 elsewhere; ``"overlap"``: as ``"hole"`` but ``overlap_weight``
    on the hole's inner border ``overlap`` pixels wide; ``"image"``: 1 everywhere.
    """
    if region not in REGIONS:
        raise ValueError(f"region must be one of {REGIONS}, got {region!r}")
    if region == "image":
        return torch.ones_like(mask)
    if region == "hole":
        return mask
    if overlap < 0:
        raise ValueError(f"overlap must be >= 0 pixels, got {overlap}")
    border = hole_border(mask, overlap)
    return mask + (float(overlap_weight) - 1.0) * border


def reconstruction_loss(
    prediction: torch.Tensor,
    target: torch.Tensor,
    mask: torch.Tensor | None = None,
    region: str = "hole",
    overlap: int = 4,
    overlap_weight: float = 10.0,
    norm: str = "l2",
    per_image: bool = False,
) -> torch.Tensor:
    """Mean squared (or absolute) error between ``prediction`` and ``target``, over the hole by default.

    Parameters
    ----------
    prediction, target : torch.Tensor
        ``(N, 3, H, W)`` (or ``(3, H, W)``) images in ``[0, 1]``.
    mask : torch.Tensor
        ``(N, 1, H, W)`` or ``(H, W)``, 1 = missing pixel. May be ``None`` only for ``region="image"``.
    region : {"hole", "overlap", "image"}
        ``"hole"``: only the missing pixels count (Pathak et al.); ``"overlap"``: the hole, with its
        inner border ``overlap`` pixels wide weighted ``overlap_weight`` (Pathak et al. weight their
        overlap region x10); ``"image"``: every pixel (the course report's loss).
    overlap : int
        Border width in pixels for ``region="overlap"``.
    overlap_weight : float
        Weight of the border pixels for ``region="overlap"``.
    norm : {"l2", "l1", "l1+l2"}
        The per-value error: squared (default), absolute, or the sum of both.
    per_image : bool
        For ``"hole"`` and ``"overlap"``: average each image's error over its own hole, then
        average the images, so a thin stroke counts as much as a large square. The default
        divides the batch's summed error by the batch's hole values, where an image weighs as
        much as its hole is large (notebook 07 and ``BENCHMARKS.md`` compare both).

    Returns
    -------
    torch.Tensor
        A scalar. For ``"hole"`` and ``"overlap"`` the weighted sum of errors is divided by
        the number of hole values (pixels x channels), so ``"hole"`` is the mean error inside
        the hole and does not depend on the hole's size; a batch without any hole gives 0.
    """
    if region not in REGIONS:
        raise ValueError(f"region must be one of {REGIONS}, got {region!r}")
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    predicted, _ = check_image(prediction, "prediction")
    wanted, _ = check_image(target, "target")
    if predicted.shape != wanted.shape:
        raise ValueError(
            f"prediction shape {tuple(prediction.shape)} does not match target shape {tuple(target.shape)}"
        )
    difference = predicted - wanted
    if norm == "l2":
        errors = difference.pow(2)
    elif norm == "l1":
        errors = difference.abs()
    else:
        errors = difference.pow(2) + difference.abs()
    if region == "image":
        return errors.mean()
    if mask is None:
        raise ValueError(f"region={region!r} needs the mask (1 = missing pixel); got mask=None")
    hole = check_mask(mask, wanted)
    weights = reconstruction_weights(hole, region, overlap, overlap_weight)
    if per_image:
        counts = hole.sum(dim=(1, 2, 3)) * predicted.shape[1]
        return ((errors * weights).sum(dim=(1, 2, 3)) / counts.clamp_min(1.0)).mean()
    count = hole.sum() * predicted.shape[1]
    return (errors * weights).sum() / count.clamp_min(1.0)


# --------------------------------------------------------------------------- adversarial


def adversarial_loss(logits: torch.Tensor, real: bool) -> torch.Tensor:
    """Binary cross-entropy between discriminator ``logits`` and the label real (1) or fake (0).

    Works for one logit per image ``(N, 1)`` and for patch maps ``(N, 1, h, w)`` (averaged over
    every patch).
    """
    if not isinstance(logits, torch.Tensor):
        raise ValueError(f"logits must be a torch.Tensor, got {type(logits).__name__}")
    labels = torch.ones_like(logits) if real else torch.zeros_like(logits)
    return F.binary_cross_entropy_with_logits(logits, labels)


def generator_adversarial_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The generator's adversarial loss: make the discriminator call its output real."""
    return adversarial_loss(fake_logits, real=True)


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The discriminator's loss: real images labeled 1 plus inpainted ones labeled 0 (summed)."""
    return adversarial_loss(real_logits, real=True) + adversarial_loss(fake_logits, real=False)


# --------------------------------------------------------------------------- joint loss


@dataclass
class LossTerms:
    """The generator's loss and its parts (all scalar tensors; ``total`` carries the gradient).

    ``rec``, ``adv`` and ``style`` are the unweighted terms; ``total`` is their weighted sum.
    """

    total: torch.Tensor
    rec: torch.Tensor
    adv: torch.Tensor
    style: torch.Tensor

    def __getitem__(self, name: str) -> torch.Tensor:
        return getattr(self, name)

    def items(self):
        """Pairs ``(name, tensor)`` of the four terms."""
        return self.as_tensors().items()

    def as_tensors(self) -> dict[str, torch.Tensor]:
        """Return ``{"total", "rec", "adv", "style"}`` as tensors."""
        return {"total": self.total, "rec": self.rec, "adv": self.adv, "style": self.style}

    def as_floats(self) -> dict[str, float]:
        """Return the four terms as Python floats (for histories and logs)."""
        return {name: float(value.detach()) for name, value in self.as_tensors().items()}


class JointLoss(nn.Module):
    """The context-encoder loss: ``rec_weight * rec + adv_weight * adv + style_weight * style``.

    Parameters
    ----------
    rec_weight, adv_weight, style_weight : float
        Weights of the reconstruction, adversarial and style terms. Pathak et al. and the course
        report use 0.999 and 0.001; the report adds 0.01 style on the Monet paintings. Set
        ``adv_weight=0`` for an L2-only model (Pathak et al. found adversarial training unstable
        with an AlexNet encoder).
    region, overlap, overlap_weight, norm, per_image
        Passed to :func:`reconstruction_loss` (default: squared error over the hole only, every
        hole pixel of the batch weighted alike).
    style_features : StyleFeatures, optional
        The extractor for the style term; built (ImageNet AlexNet when cached, else random
        with a warning) only when ``style_weight > 0`` and none is given.
    style_weights : {"DEFAULT", ...}, str, Path or None
        AlexNet weights for the style extractor built here.

    Notes
    -----
    Call it as ``loss(prediction, target, mask, fake_logits=None)``, where ``fake_logits`` is the
    discriminator's output on the inpainted images (omit it when ``adv_weight`` is 0). The style
    term compares the inpainted image (``compose(target, prediction, mask)``; the raw
    prediction for ``region="image"``) with the target. The discriminator's own loss is
    :func:`discriminator_loss` (also :meth:`discriminator`).
    """

    def __init__(
        self,
        rec_weight: float = 0.999,
        adv_weight: float = 0.001,
        style_weight: float = 0.0,
        region: str = "hole",
        overlap: int = 4,
        overlap_weight: float = 10.0,
        style_features: StyleFeatures | None = None,
        norm: str = "l2",
        style_weights="DEFAULT",
        per_image: bool = False,
    ) -> None:
        super().__init__()
        for name, value in (("rec_weight", rec_weight), ("adv_weight", adv_weight), ("style_weight", style_weight)):
            if float(value) < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        if region not in REGIONS:
            raise ValueError(f"region must be one of {REGIONS}, got {region!r}")
        self.rec_weight = float(rec_weight)
        self.adv_weight = float(adv_weight)
        self.style_weight = float(style_weight)
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
        self.region = region
        self.norm = norm
        self.per_image = bool(per_image)
        self.overlap = int(overlap)
        self.overlap_weight = float(overlap_weight)
        if style_features is None and self.style_weight > 0:
            style_features = StyleFeatures(weights=style_weights)
        self.style_features = style_features

    def forward(
        self,
        prediction: torch.Tensor,
        target: torch.Tensor,
        mask: torch.Tensor,
        fake_logits: torch.Tensor | None = None,
    ) -> LossTerms:
        """Return the :class:`LossTerms` of one batch.

        Parameters
        ----------
        prediction : torch.Tensor
            The generator's ``(N, 3, H, W)`` output in ``[0, 1]``.
        target : torch.Tensor
            The original images.
        mask : torch.Tensor
            ``(N, 1, H, W)`` or ``(H, W)``, 1 = missing pixel.
        fake_logits : torch.Tensor, optional
            Discriminator logits on the inpainted images; required when ``adv_weight > 0``.
        """
        rec = reconstruction_loss(
            prediction, target, mask, self.region, self.overlap, self.overlap_weight, self.norm, self.per_image
        )
        zero = rec.new_zeros(())
        if self.adv_weight > 0:
            if fake_logits is None:
                raise ValueError(
                    "fake_logits is required when adv_weight > 0 (pass discriminator(model.discriminator_view(...)) "
                    "or build JointLoss(adv_weight=0))"
                )
            adv = generator_adversarial_loss(fake_logits)
        elif fake_logits is not None:
            adv = generator_adversarial_loss(fake_logits).detach()
        else:
            adv = zero
        if self.style_weight > 0:
            inpainted = prediction if self.region == "image" else compose(target, prediction, mask)
            style = self.style_features.loss(inpainted, target)
        else:
            style = zero
        total = self.rec_weight * rec + self.adv_weight * adv + self.style_weight * style
        return LossTerms(total=total, rec=rec, adv=adv, style=style)

    @staticmethod
    def discriminator(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        """The discriminator's loss (see :func:`discriminator_loss`)."""
        return discriminator_loss(real_logits, fake_logits)

    def extra_repr(self) -> str:
        return (
            f"rec_weight={self.rec_weight}, adv_weight={self.adv_weight}, style_weight={self.style_weight}, "
            f"region={self.region!r}, norm={self.norm!r}"
        )
