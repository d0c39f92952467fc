"""Image-quality metrics inside the hole and over the whole image, and the tables that summarize them.

Taught in notebook 03 (``03_center_block.ipynb``); notebook 08 (``08_evaluation.ipynb``) compares
every method with them. The tables live in :mod:`inpaintlib.metric_tables` (re-exported here).

Every metric compares an inpainted (composed) image with the original, both
float tensors in ``[0, 1]`` shaped ``(N, 3, H, W)`` or ``(3, H, W)``. A mask
(``(N, 1, H, W)``, ``(N, H, W)`` or ``(H, W)``; 1 = missing pixel) restricts a
metric to the hole; without a mask the metric covers the whole image.

Conventions (the same everywhere in the library):

* **PSNR** is ``10·log10(1 / MSE)`` with the MSE taken over the selected
  pixels and all three channels. Identical images would give ``+inf``; every
  PSNR is capped at :data:`PSNR_CAP_DB` (100 dB) so that averages stay finite
  (pass ``cap=None`` to get ``inf`` instead).
* **SSIM** uses :func:`skimage.metrics.structural_similarity` with the settings
  of Wang et al. (2004): an 11×11 Gaussian window with σ = 1.5, population
  covariances, ``data_range=1``; the map is averaged over the three channels.
  Inside the hole it is the mean of the SSIM map over the hole pixels (the
  map is computed on the whole image, so a hole pixel's window also sees the
  context around it). Over the whole image it is scikit-image's own mean,
  which leaves out a 5-pixel border strip to avoid edge effects.
* **L1** is the mean absolute error over the selected pixels and channels, a
  fraction of the ``[0, 1]`` range; tables print it as a percentage, as in
  Table 1 of Pathak et al. (2016).
* An **empty hole** (a mask with no missing pixel) has no hole metrics: they are
  ``nan``, and :func:`summarize` leaves ``nan`` out of its means.

:func:`summarize` groups per-image records (dicts) by method, mask kind or
hole-area bin (:func:`area_bin`, the bins LaMa reports) and returns a
:class:`SummaryTable` that prints as text, Markdown or HTML.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from skimage.metrics import structural_similarity

from inpaintlib.metric_tables import (  # noqa: F401  (the tables are importable from here)
    AREA_BIN_EDGES,
    COLUMN_TITLES,
    METRIC_KEYS,
    SummaryTable,
    area_bin,
    area_bin_labels,
    summarize,
)

#: Every PSNR is capped at this value (identical images would otherwise give ``inf``).
PSNR_CAP_DB = 100.0
_SSIM_OPTIONS = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0)
#: Half-width of the 11x11 Gaussian window (scikit-image truncates it at 3.5 sigma).
_SSIM_PAD = int(3.5 * 1.5 + 0.5)


# ----------------------------------------------------------------------------------------- inputs
def _as_image_batch(images, argument: str) -> torch.Tensor:
    """Return ``images`` as a float64 CPU tensor shaped ``(N, C, H, W)``."""
    tensor = torch.as_tensor(images).detach().cpu()
    if tensor.dim() == 3:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() != 4:
        raise ValueError(f"{argument} must be shaped (N, C, H, W) or (C, H, W), got {tuple(tensor.shape)}")
    return tensor.to(torch.float64)


def _as_mask_batch(mask, images: torch.Tensor) -> torch.Tensor:
    """Return ``mask`` as a bool tensor shaped ``(N, 1, H, W)`` matching ``images``."""
    n, _, h, w = images.shape
    if mask is None:
        return torch.ones(n, 1, h, w, dtype=torch.bool)
    tensor = torch.as_tensor(mask).detach().cpu()
    if tensor.dim() == 2:
        tensor = tensor[None, None]
    elif tensor.dim() == 3:
        tensor = tensor.unsqueeze(1)
    if tensor.dim() != 4 or tensor.shape[1] != 1 or tensor.shape[-2:] != (h, w):
        raise ValueError(f"mask must be shaped (N, 1, {h}, {w}) or ({h}, {w}), got {tuple(tensor.shape)}")
    if tensor.shape[0] not in (1, n):
        raise ValueError(f"mask holds {tensor.shape[0]} masks for {n} images")
    tensor = tensor.expand(n, 1, h, w)
    return tensor > 0.5 if tensor.dtype != torch.bool else tensor


def _pair(prediction, target, mask):
    prediction = _as_image_batch(prediction, "prediction")
    target = _as_image_batch(target, "target")
    if prediction.shape != target.shape:
        raise ValueError(
            f"prediction {tuple(prediction.shape)} and target {tuple(target.shape)} must have the same shape"
        )
    return prediction, target, _as_mask_batch(mask, target)


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` (N, C, H, W) over the channels and the pixels where ``mask`` (N, 1, H, W) is True.

    ``nan`` for an image whose mask selects no pixel.
    """
    per_pixel = values.mean(1) if values.shape[1] > 1 else values[:, 0]
    weights = mask[:, 0].to(per_pixel.dtype)
    total = (per_pixel * weights).sum((1, 2))
    count = weights.sum((1, 2))
    return torch.where(count > 0, total / count.clamp_min(1), torch.full_like(total, math.nan))


def _psnr_from_mse(error: torch.Tensor, cap: float | None) -> torch.Tensor:
    values = 10.0 * torch.log10(1.0 / error)
    if cap is not None:
        values = torch.where(torch.isnan(values), values, values.clamp(max=float(cap)))
    return values


# ---------------------------------------------------------------------------------------- metrics
def hole_fraction(mask) -> torch.Tensor:
    """Return the fraction of missing pixels in each mask, a tensor shaped ``(N,)``.

    Parameters
    ----------
    mask : tensor
        ``(N, 1, H, W)``, ``(N, H, W)`` or ``(H, W)``; 1/True marks a missing pixel.
    """
    tensor = torch.as_tensor(mask).detach().cpu()
    if tensor.dim() == 2:
        tensor = tensor[None]
    if tensor.dim() not in (3, 4):
        raise ValueError(f"mask must be shaped (N, 1, H, W), (N, H, W) or (H, W), got {tuple(tensor.shape)}")
    return (tensor > 0.5).flatten(1).to(torch.float64).mean(1)


def mse(prediction, target, mask=None) -> torch.Tensor:
    """Mean squared error per image over the masked pixels (all pixels without a mask), shape ``(N,)``."""
    prediction, target, mask = _pair(prediction, target, mask)
    return _masked_mean((prediction - target) ** 2, mask)


def l1(prediction, target, mask=None) -> torch.Tensor:
    """Mean absolute error per image over the masked pixels and channels, shape ``(N,)``.

    Values are fractions of the ``[0, 1]`` range (multiply by 100 for the
    percentage Pathak et al. report). An empty hole gives ``nan``.
    """
    prediction, target, mask = _pair(prediction, target, mask)
    return _masked_mean((prediction - target).abs(), mask)


def psnr(prediction, target, mask=None, cap: float | None = PSNR_CAP_DB) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB per image, ``10·log10(1 / MSE)``, shape ``(N,)``.

    Parameters
    ----------
    prediction, target : tensor
        Images in ``[0, 1]``, ``(N, 3, H, W)`` or ``(3, H, W)``.
    mask : tensor, optional
        Restricts the MSE to the missing pixels (1 = missing); ``None`` covers the whole image.
    cap : float or None
        Upper bound on the result (default :data:`PSNR_CAP_DB`); identical
        images give ``cap``, or ``inf`` when ``cap`` is ``None``.

    Returns
    -------
    tensor
        float64 PSNR per image; ``nan`` where the mask has no missing pixel.
    """
    return _psnr_from_mse(mse(prediction, target, mask), cap)


def ssim_map(prediction, target) -> torch.Tensor:
    """Return the SSIM map averaged over channels, ``(N, H, W)`` float64 (settings in the module docstring)."""
    prediction, target, _ = _pair(prediction, target, None)
    maps = []
    for predicted, original in zip(prediction.numpy(), target.numpy()):
        _, full = structural_similarity(predicted, original, channel_axis=0, full=True, **_SSIM_OPTIONS)
        maps.append(full.mean(axis=0))
    return torch.from_numpy(np.stack(maps))


def _whole_ssim(maps: torch.Tensor) -> torch.Tensor:
    """scikit-image's mean SSIM from channel-averaged maps: the mean without the border strip."""
    pad = _SSIM_PAD
    return maps[:, pad:-pad, pad:-pad].flatten(1).mean(1)


def ssim(prediction, target, mask=None) -> torch.Tensor:
    """Structural similarity per image, shape ``(N,)``.

    With a mask, the mean of the SSIM map over the missing pixels (``nan`` for an
    empty hole); without one, scikit-image's mean SSIM of the whole image.
    Identical images give 1.
    """
    prediction, target, mask_batch = _pair(prediction, target, mask)
    maps = ssim_map(prediction, target)
    if mask is None:
        return _whole_ssim(maps)
    return _masked_mean(maps[:, None], mask_batch)


def image_metrics(prediction, target, mask) -> list[dict]:
    """Every metric for each image: hole fraction and PSNR, SSIM and L1 in the hole and overall.

    Parameters
    ----------
    prediction : tensor
        The composed (inpainted) images, ``(N, 3, H, W)`` in ``[0, 1]``.
    target : tensor
        The original images.
    mask : tensor
        The holes, ``(N, 1, H, W)``; 1 = missing.

    Returns
    -------
    list of dict
        One dict per image with keys ``hole_fraction``, ``area_bin`` and :data:`METRIC_KEYS`
        (plain Python floats).
    """
    prediction, target, mask = _pair(prediction, target, mask)
    difference = prediction - target
    squared = (difference**2).mean(1, keepdim=True)
    absolute = difference.abs().mean(1, keepdim=True)
    maps = ssim_map(prediction, target)
    columns = {
        "hole_fraction": hole_fraction(mask),
        "psnr_hole": _psnr_from_mse(_masked_mean(squared, mask), PSNR_CAP_DB),
        "ssim_hole": _masked_mean(maps[:, None], mask),
        "l1_hole": _masked_mean(absolute, mask),
        "psnr_whole": _psnr_from_mse(squared.flatten(1).mean(1), PSNR_CAP_DB),
        "ssim_whole": _whole_ssim(maps),
        "l1_whole": absolute.flatten(1).mean(1),
    }
    records = []
    for i in range(prediction.shape[0]):
        fraction = float(columns["hole_fraction"][i])
        record = {"hole_fraction": fraction, "area_bin": area_bin(fraction)}
        record.update({key: float(values[i]) for key, values in columns.items() if key != "hole_fraction"})
        records.append(record)
    return records
