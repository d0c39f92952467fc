"""ImageNet normalization and its inverse, for the models that expect normalized input.

Taught in notebook 05 (``05_alexnet_transfer.ipynb``).

Images travel through the library in ``[0, 1]``; a model that needs ImageNet statistics (the
AlexNet encoder was trained on them) calls :func:`normalize` on the way in and :func:`denormalize`
on the way out.
"""

from __future__ import annotations

import torch

#: Per-channel mean of ImageNet (RGB), as used by torchvision's pretrained models.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
#: Per-channel standard deviation of ImageNet (RGB).
IMAGENET_STD = (0.229, 0.224, 0.225)


def _statistics(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim not in (3, 4) or x.shape[-3] != 3:
        raise ValueError(f"x must be shaped (3, H, W) or (N, 3, H, W), got {tuple(x.shape)}")
    dtype = x.dtype if x.is_floating_point() else torch.float32
    mean = torch.tensor(IMAGENET_MEAN, dtype=dtype, device=x.device).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD, dtype=dtype, device=x.device).view(3, 1, 1)
    return mean, std


def normalize(x: torch.Tensor) -> torch.Tensor:
    """Return ``(x - mean) / std`` with ImageNet statistics.

    Parameters
    ----------
    x : torch.Tensor
        Images in ``[0, 1]``, shaped ``(3, H, W)`` or ``(N, 3, H, W)``, on any device. Gradients flow
        through.
    """
    mean, std = _statistics(x)
    return (x - mean) / std


def denormalize(x: torch.Tensor) -> torch.Tensor:
    """Undo :func:`normalize`: return ``x * std + mean`` (no clamping)."""
    mean, std = _statistics(x)
    return x * std + mean
