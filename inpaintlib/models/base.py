"""What every inpainting generator shares: input checks, erasing the hole, composing the result.

Taught in notebook 03 (``03_center_block.ipynb``); notebooks 04, 05 and 07 build on it.

A generator is called as ``model(image, mask)`` with

* ``image``: float tensor ``(N, 3, H, W)`` (or ``(3, H, W)``) with values in ``[0, 1]``;
* ``mask``: ``(N, 1, H, W)``, ``(1, H, W)`` or ``(H, W)``, float ``0./1.`` or bool,
  where **1/True marks a missing pixel**.

It returns a full-size prediction ``(N, 3, H, W)`` in ``[0, 1]``. The model erases the hole
itself, so passing the original image is safe: no pixel under the mask reaches the network.
:func:`compose` keeps the known pixels and takes only the hole from the prediction.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from inpaintlib.data import denormalize, normalize
from inpaintlib.models.summary import ModelSummary, summary

__all__ = [
    "InpaintingModel",
    "compose",
    "center_hole_mask",
    "check_image",
    "check_mask",
    "imagenet_normalize",
    "imagenet_denormalize",
    "harmonic_fill",
    "start_fill_image",
]


def imagenet_normalize(images: torch.Tensor) -> torch.Tensor:
    """Apply ImageNet normalization (mean 0.485/0.456/0.406, std 0.229/0.224/0.225).

    After it, the ImageNet mean color is 0 in every channel: the neutral value the
    models write into the hole.
    """
    return normalize(images)


def imagenet_denormalize(images: torch.Tensor) -> torch.Tensor:
    """Undo :func:`imagenet_normalize` (0 becomes the ImageNet mean color)."""
    return denormalize(images)


def check_image(image: torch.Tensor, name: str = "image") -> tuple[torch.Tensor, bool]:
    """Return ``image`` as ``(N, 3, H, W)`` floats and whether a batch axis was added.

    Raises
    ------
    ValueError
        If ``image`` is not a floating tensor shaped ``(N, 3, H, W)`` or ``(3, H, W)``.
    """
    if not isinstance(image, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(image).__name__}")
    if not image.is_floating_point():
        raise ValueError(f"{name} must be a float tensor with values in [0, 1], got dtype {image.dtype}")
    added_batch = image.dim() == 3
    if added_batch:
        image = image.unsqueeze(0)
    if image.dim() != 4:
        raise ValueError(f"{name} must be shaped (N, 3, H, W) or (3, H, W), got {tuple(image.shape)}")
    if image.shape[1] != 3:
        raise ValueError(
            f"{name} must have 3 color channels (RGB), got {image.shape[1]} channels in shape {tuple(image.shape)}"
        )
    return image, added_batch


def check_mask(mask: torch.Tensor, image: torch.Tensor, name: str = "mask") -> torch.Tensor:
    """Return ``mask`` as a float ``(N, 1, H, W)`` tensor matching ``image`` (device, dtype, batch).

    Parameters
    ----------
    mask : torch.Tensor
        ``(N, 1, H, W)``, or one mask shaped ``(H, W)``, ``(1, H, W)`` or ``(1, 1, H, W)``
        (shared by the whole batch); bool or 0./1. values, 1/True = missing pixel.
    image : torch.Tensor
        The ``(N, 3, H, W)`` batch the mask belongs to.

    Raises
    ------
    ValueError
        If the mask's size differs from the image's, its batch size does not fit, it has more
        than one channel, or its values are not 0 and 1.
    """
    if not isinstance(mask, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(mask).__name__}")
    if mask.dim() == 2:
        mask = mask[None, None]
    elif mask.dim() == 3 and mask.shape[0] == 1:
        mask = mask[None]
    if mask.dim() != 4 or mask.shape[1] != 1:
        raise ValueError(f"{name} must be shaped (N, 1, H, W) or (H, W), got {tuple(mask.shape)}")
    if mask.shape[-2:] != image.shape[-2:]:
        raise ValueError(
            f"{name} size {tuple(mask.shape[-2:])} does not match the image size {tuple(image.shape[-2:])}"
        )
    if mask.shape[0] not in (1, image.shape[0]):
        raise ValueError(f"{name} has batch size {mask.shape[0]} but the image batch has {image.shape[0]} images")
    if mask.dtype != torch.bool:
        if not mask.is_floating_point():
            mask = mask.to(torch.float32)
        if not torch.all((mask == 0) | (mask == 1)):
            raise ValueError(f"{name} must be binary (0 = known pixel, 1 = missing pixel); found other values")
    mask = mask.to(device=image.device, dtype=image.dtype)
    return mask.expand(image.shape[0], -1, -1, -1)


def compose(image: torch.Tensor, prediction: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Paste ``prediction`` into the hole of ``image``: ``image * (1 - mask) + prediction * mask``.

    Parameters
    ----------
    image, prediction : torch.Tensor
        ``(N, 3, H, W)`` or ``(3, H, W)`` in ``[0, 1]``, the same shape.
    mask : torch.Tensor
        ``(N, 1, H, W)`` or ``(H, W)``, 1/True = missing pixel.

    Returns
    -------
    torch.Tensor
        The known pixels of ``image`` with the hole filled from ``prediction``, shaped like ``image``.
    """
    batch, added_batch = check_image(image, "image")
    predicted, _ = check_image(prediction, "prediction")
    if predicted.shape != batch.shape:
        raise ValueError(
            f"prediction shape {tuple(prediction.shape)} does not match image shape {tuple(image.shape)}"
        )
    hole = check_mask(mask, batch)
    result = batch * (1 - hole) + predicted * hole
    return result[0] if added_batch else result


#: Valid ``base_fill`` values of the report's three models (Model 4 has its own, see ``models.unet``).
REPORT_BASE_FILLS = ("erase", "mean", "telea")


def known_mean_color(image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Return the ``(N, 3, 1, 1)`` mean color of each image's known pixels (gray when none is known).

    ``mask`` is ``(N, 1, H, W)``, 1/True = missing; the mean-color fill and the ``"mean"`` start
    of the report's models both use it.
    """
    known = 1 - mask.to(image.dtype)
    count = known.sum(dim=(2, 3), keepdim=True)
    mean = (image * known).sum(dim=(2, 3), keepdim=True) / count.clamp_min(1)
    return torch.where(count > 0, mean, torch.full_like(mean, 0.5))


def telea_fill(image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Return OpenCV Telea's fill of the hole (known pixels unchanged), on ``image``'s device and dtype.

    The ``"telea"`` start of every model (notebooks 03-05 and 07): no gradient flows through it.
    """
    from inpaintlib.baselines import TeleaInpainter

    with torch.no_grad():
        filled = TeleaInpainter()(image.detach().float().cpu(), mask.detach().cpu() > 0.5)
    return filled.to(device=image.device, dtype=image.dtype)


def harmonic_fill(image: torch.Tensor, mask: torch.Tensor, sweeps: int = 100) -> torch.Tensor:
    """Return the harmonic (membrane) fill of the hole: each hole pixel the mean of its four neighbors.

    The fill solves Laplace's equation inside the hole with the known pixels as its border: the
    smoothest surface without overshoot (every value lies between the border's). It is solved
    coarse to fine: the image and its known pixels are halved until the hole is a few pixels wide,
    the coarsest hole starts at the known pixels' mean color, and each finer level starts from the
    coarser solution and runs ``sweeps`` Jacobi sweeps. Batched, on ``image``'s device, no OpenCV:
    the ``"harmonic"`` start of Model 4 (notebook 07) and :class:`~inpaintlib.baselines.HarmonicInpainter`.

    Parameters
    ----------
    image : torch.Tensor
        ``(N, C, H, W)`` float images; pixels under the mask are ignored.
    mask : torch.Tensor
        ``(N, 1, H, W)``, 1/True = missing.
    sweeps : int
        Jacobi sweeps per level (default 100).

    Returns
    -------
    torch.Tensor
        ``image`` with the hole filled (known pixels unchanged), in ``image``'s dtype.
    """
    with torch.no_grad():
        hole = mask.to(device=image.device, dtype=torch.float32)
        filled = _harmonic_level(image.detach().float(), hole, int(sweeps))
    return filled.to(image.dtype)


def _harmonic_level(image: torch.Tensor, hole: torch.Tensor, sweeps: int) -> torch.Tensor:
    known = 1.0 - hole
    height, width = image.shape[-2:]
    if min(height, width) >= 8 and bool(hole.any()):
        known_coarse = F.avg_pool2d(known, 2)
        image_coarse = F.avg_pool2d(image * known, 2) / known_coarse.clamp_min(1e-6)
        coarse = _harmonic_level(image_coarse, (known_coarse == 0).float(), sweeps)
        start = F.interpolate(coarse, size=(height, width), mode="bilinear", align_corners=False)
    else:
        start = known_mean_color(image, hole).expand_as(image)
    missing = hole > 0.5
    filled = torch.where(missing, start, image)
    for _ in range(sweeps):
        padded = F.pad(filled, (1, 1, 1, 1), mode="replicate")
        neighbors = (padded[..., :-2, 1:-1] + padded[..., 2:, 1:-1]).add_(padded[..., 1:-1, :-2]).add_(padded[..., 1:-1, 2:])
        filled = torch.where(missing, neighbors.mul_(0.25), image)
    return filled


def start_fill_image(base_fill: str, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Return ``image`` with its hole filled as ``base_fill`` says: ``"mean"``, ``"telea"`` or ``"harmonic"``.

    The one place that maps a ``base_fill`` name to its fill, for every model that corrects a
    classical start (:meth:`InpaintingModel.network_input` and Model 4); each model checks which
    names it accepts.
    """
    if base_fill == "telea":
        return telea_fill(image, mask)
    if base_fill == "harmonic":
        return harmonic_fill(image, mask)
    if base_fill == "mean":
        return image * (1 - mask) + known_mean_color(image, mask) * mask
    raise ValueError(f"base_fill must be 'mean', 'telea' or 'harmonic' to fill the hole, got {base_fill!r}")


def center_hole_mask(size: int, hole: int | None = None, batch: int = 1, device=None) -> torch.Tensor:
    """Return a ``(batch, 1, size, size)`` float mask with a centered square hole (``size // 2`` by default)."""
    hole = size // 2 if hole is None else int(hole)
    if not 0 < hole <= size:
        raise ValueError(f"hole must be between 1 and size={size}, got {hole}")
    mask = torch.zeros(batch, 1, size, size, device=device)
    start = (size - hole) // 2
    mask[:, :, start : start + hole, start : start + hole] = 1.0
    return mask


class InpaintingModel(nn.Module):
    """Base class of the three context encoders.

    Subclasses set :attr:`image_size`, implement :meth:`generate` (the network on validated
    inputs) and may override :meth:`discriminator_view` and :meth:`check_inputs`.
    """

    #: The side of the square images the model is built for.
    image_size: int = 224
    #: Whether :meth:`forward` accepts ``mask=None`` (only Model 1, whose hole is fixed).
    mask_optional: bool = False
    #: What the network sees in the hole and starts from: ``"erase"`` (the report's models as
    #: written: the ImageNet mean color in, the whole fill predicted) or ``"mean"`` (the mean color
    #: of the image's own known pixels in, and a correction to it predicted; see :meth:`start_fill`).
    base_fill: str = "erase"

    def forward(self, image: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Inpaint ``image`` where ``mask`` is 1 and return the full-size prediction in ``[0, 1]``.

        Parameters
        ----------
        image : torch.Tensor
            ``(N, 3, H, W)`` or ``(3, H, W)`` in ``[0, 1]``; pixels under the mask are ignored.
        mask : torch.Tensor
            ``(N, 1, H, W)`` or ``(H, W)``, 1/True = missing pixel.

        Returns
        -------
        torch.Tensor
            ``(N, 3, H, W)`` (or ``(3, H, W)``) prediction in ``[0, 1]``; combine it with the known
            pixels through :func:`compose`.
        """
        batch, added_batch = check_image(image)
        if mask is None:
            if not self.mask_optional:
                raise ValueError(f"{type(self).__name__} needs a mask (1 = missing pixel); got mask=None")
            mask = center_hole_mask(batch.shape[-1], batch=batch.shape[0], device=batch.device)
        hole = check_mask(mask, batch)
        self.check_inputs(batch, hole)
        prediction = self.generate(batch, hole)
        return prediction[0] if added_batch else prediction

    def constructor_options(self) -> dict:
        """Return the constructor options that rebuild this model (saved in its checkpoints).

        The base class returns ``base_fill``; a model with more options that its registered recipe
        sets returns every one, so that a checkpoint rebuilds the same network even after the
        recipe changes.
        """
        return {"base_fill": self.base_fill}

    def start_fill(self, base_fill: str, last_layer: nn.Module) -> None:
        """Set :attr:`base_fill`; for ``"mean"`` or ``"telea"``, zero ``last_layer`` so training starts at that fill.

        With ``"mean"`` (the mean color of the image's known pixels) or ``"telea"`` (OpenCV's Telea
        fill) the encoder sees the hole filled that way and the decoder's output is a correction,
        in logits, to that fill (:meth:`decode`): an untrained model returns the classical fill and
        training can only add to it. The report's models with ``"erase"`` must first learn each
        photo's color through a 5x5 bottleneck, which takes far more steps than a CPU gives them:
        their early fills are gray (notebook 04 shows both).

        Raises
        ------
        ValueError
            If ``base_fill`` is not one of :data:`REPORT_BASE_FILLS`.
        """
        if base_fill not in REPORT_BASE_FILLS:
            raise ValueError(f"base_fill must be one of {', '.join(REPORT_BASE_FILLS)}, got {base_fill!r}")
        self.base_fill = base_fill
        if base_fill != "erase":
            nn.init.zeros_(last_layer.weight)
            if last_layer.bias is not None:
                nn.init.zeros_(last_layer.bias)

    def network_input(self, image: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Return the normalized image the encoder sees and the filled image it corrects (``None`` for ``"erase"``)."""
        if self.base_fill == "erase":
            return self.erase(image, mask), None
        base = start_fill_image(self.base_fill, image, mask)
        return imagenet_normalize(base), base

    def decode(self, decoder: nn.Sequential, code: torch.Tensor, base: torch.Tensor | None) -> torch.Tensor:
        """Run ``decoder`` (which ends in a sigmoid) on ``code``; with a ``base`` fill, correct that fill.

        ``base`` has the decoder's output size (Model 1 passes the center of the filled image).
        """
        if base is None:
            return decoder(code)
        logits = decoder[:-1](code)
        return torch.sigmoid(logits + torch.logit(base.clamp(0.01, 0.99)))

    def check_inputs(self, image: torch.Tensor, mask: torch.Tensor) -> None:
        """Raise :class:`ValueError` when the model cannot handle this image size or mask."""
        size = self.image_size
        if tuple(image.shape[-2:]) != (size, size):
            raise ValueError(
                f"{type(self).__name__} needs {size}x{size} images, got {tuple(image.shape[-2:])}; "
                f"resize or crop the images to {size}x{size}"
            )

    def generate(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        """Run the network on a validated ``(N, 3, H, W)`` image and ``(N, 1, H, W)`` float mask."""
        raise NotImplementedError

    def erase(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Return the ImageNet-normalized image with the hole set to 0 (the ImageNet mean color)."""
        return imagenet_normalize(image) * (1 - mask)

    def discriminator_view(self, images: torch.Tensor) -> torch.Tensor:
        """Return what this model's discriminator judges (the whole image by default)."""
        return images

    def example_inputs(self, batch: int = 1, device=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Return a gray ``(batch, 3, S, S)`` image and a center-hole mask of the model's size ``S``."""
        size = self.image_size
        image = torch.full((batch, 3, size, size), 0.5, device=device)
        return image, center_hole_mask(size, batch=batch, device=device)

    def summary(self, input_size=None) -> ModelSummary:
        """Return a per-layer table of output shapes and parameter counts (see :func:`summary`)."""
        return summary(self, input_size)

    def extra_repr(self) -> str:
        return f"image_size={self.image_size}"
