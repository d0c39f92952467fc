"""Classical inpainting baselines and learned generators behind one interface.

Taught in notebook 03 (``03_center_block.ipynb``), where the classical methods first meet a learned model; notebook 08 scores them all.

Every method in an evaluation is an :class:`Inpainter`: it has a ``name`` and is
called as ``inpainter(images, masks)`` with images ``(N, 3, H, W)`` (or one
``(3, H, W)`` image) in ``[0, 1]`` and masks ``(N, 1, H, W)`` (or ``(H, W)``),
1 = missing pixel. It returns the **composed** result: the known pixels of the
input, bit for bit, and the method's fill inside the hole, clamped to ``[0, 1]``.

* :class:`TeleaInpainter` and :class:`NavierStokesInpainter` wrap OpenCV's
  :func:`cv2.inpaint` (Telea's fast marching method; the Navier–Stokes method of
  Bertalmío et al.). OpenCV works on 8-bit color images, so the fill is
  quantized to 1/255; it is then written back into the original float image,
  which keeps the known pixels exact. The hole is blanked with the context's
  mean color first: OpenCV treats the replicated border around the image as
  known, so hole pixels on the image edge would otherwise leak into the fill.
* :class:`BiharmonicInpainter` wraps scikit-image's
  :func:`skimage.restoration.inpaint_biharmonic` (float64, no quantization).
* :class:`HarmonicInpainter` solves Laplace's equation in the hole coarse to fine
  (:func:`~inpaintlib.models.base.harmonic_fill`; batched torch, no quantization): the
  fill Model 4 corrects in notebook 07.
* :class:`MeanColorInpainter` fills the hole with the mean color of the known
  pixels: a floor every other method should beat.
* :class:`ModelInpainter` wraps a generator ``model(image, mask) -> prediction``
  from :mod:`inpaintlib.models`, resizing to the model's ``image_size`` when the
  images have another size.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from inpaintlib.models.base import harmonic_fill, known_mean_color
from inpaintlib.runtime import resolve_device

__all__ = [
    "Inpainter",
    "TeleaInpainter",
    "NavierStokesInpainter",
    "BiharmonicInpainter",
    "HarmonicInpainter",
    "MeanColorInpainter",
    "ModelInpainter",
    "as_inpainter",
    "classical_baselines",
]


def _prepare(images, masks) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """Check inputs; return float32 CPU-or-device images (N,3,H,W), bool masks (N,1,H,W), and whether one image came in."""
    if not isinstance(images, torch.Tensor):
        images = torch.as_tensor(np.asarray(images))
    if not images.is_floating_point():
        raise ValueError(f"images must be a float tensor with values in [0, 1], got dtype {images.dtype}")
    single = images.dim() == 3
    if single:
        images = images.unsqueeze(0)
    if images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"images must be shaped (N, 3, H, W) or (3, H, W), got {tuple(images.shape)}")
    n, _, h, w = images.shape
    masks = torch.as_tensor(masks, device=images.device)
    if masks.dim() == 2:
        masks = masks[None, None]
    elif masks.dim() == 3:
        masks = masks.unsqueeze(1)
    if masks.dim() != 4 or masks.shape[1] != 1 or tuple(masks.shape[-2:]) != (h, w) or masks.shape[0] not in (1, n):
        raise ValueError(f"masks must be shaped ({n}, 1, {h}, {w}) or ({h}, {w}), got {tuple(masks.shape)}")
    masks = masks.expand(n, 1, h, w)
    masks = masks if masks.dtype == torch.bool else masks > 0.5
    return images, masks, single


class Inpainter:
    """Base class: an inpainting method with a ``name``, called on images and masks.

    Subclasses implement :meth:`fill`, which returns a full-size fill (only its
    hole pixels are used); :meth:`__call__` checks the inputs, calls ``fill``
    and composes the result with ``torch.where``, so pixels outside the hole are
    exactly the input's.
    """

    #: Short name used in tables and on the command line.
    name: str = "inpainter"

    def fill(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """Return a fill for ``images`` (N, 3, H, W) under bool ``masks`` (N, 1, H, W), same shape as images."""
        raise NotImplementedError

    def __call__(self, images, masks) -> torch.Tensor:
        """Inpaint ``images`` under ``masks`` and return the composed images (same shape as ``images``).

        Parameters
        ----------
        images : torch.Tensor
            ``(N, 3, H, W)`` or ``(3, H, W)`` float in ``[0, 1]``.
        masks : torch.Tensor
            ``(N, 1, H, W)``, ``(N, H, W)`` or ``(H, W)``; 1/True = missing pixel.

        Returns
        -------
        torch.Tensor
            The input outside the hole (unchanged) and the method's fill, clamped to ``[0, 1]``, inside it.
        """
        images, masks, single = _prepare(images, masks)
        with torch.no_grad():
            fill = self.fill(images, masks).to(device=images.device, dtype=images.dtype).clamp(0.0, 1.0)
        composed = torch.where(masks, fill, images)
        return composed[0] if single else composed

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class _PerImageInpainter(Inpainter):
    """An inpainter that fills one ``(H, W, 3)`` float64 NumPy image at a time."""

    def fill_one(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Return the filled ``(H, W, 3)`` image for one ``(H, W, 3)`` image in [0, 1] and bool ``(H, W)`` mask."""
        raise NotImplementedError

    def fill(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        array = images.detach().cpu().permute(0, 2, 3, 1).to(torch.float64).numpy()
        holes = masks[:, 0].detach().cpu().numpy()
        filled = np.empty_like(array)
        for i, (image, hole) in enumerate(zip(array, holes)):
            filled[i] = self.fill_one(image, hole) if hole.any() else image
        return torch.from_numpy(filled).permute(0, 3, 1, 2)


class _OpenCVInpainter(_PerImageInpainter):
    flag: int = cv2.INPAINT_TELEA

    def __init__(self, radius: float = 3.0, name: str | None = None):
        if not radius > 0:
            raise ValueError(f"radius must be positive (pixels), got {radius!r}")
        self.radius = float(radius)
        if name is not None:
            self.name = name

    def fill_one(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        # OpenCV treats the replicated border around the image as known, so hole pixels on
        # the image edge would leak into the fill: blank the hole with the context's mean first.
        image = image.copy()
        image[mask] = image[~mask].mean(axis=0) if (~mask).any() else 0.5
        # cv2.inpaint needs 8-bit color; channel order does not matter to either method.
        image8 = np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
        filled = cv2.inpaint(image8, mask.astype(np.uint8), self.radius, self.flag)
        return filled.astype(np.float64) / 255.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(radius={self.radius:g}, name={self.name!r})"


class TeleaInpainter(_OpenCVInpainter):
    """OpenCV's fast-marching inpainting (Telea, 2004).

    Parameters
    ----------
    radius : float
        Radius in pixels of the neighborhood each filled pixel is estimated from (OpenCV's ``inpaintRadius``).
    name : str, optional
        Name in tables (default ``"telea"``).
    """

    name = "telea"
    flag = cv2.INPAINT_TELEA


class NavierStokesInpainter(_OpenCVInpainter):
    """OpenCV's fluid-dynamics inpainting (Bertalmío, Bertozzi and Sapiro, 2001).

    Parameters
    ----------
    radius : float
        Radius in pixels of the neighborhood OpenCV considers (``inpaintRadius``).
    name : str, optional
        Name in tables (default ``"navier_stokes"``).
    """

    name = "navier_stokes"
    flag = cv2.INPAINT_NS


class BiharmonicInpainter(_PerImageInpainter):
    """scikit-image's biharmonic inpainting: the smoothest fill that matches the hole's border.

    Parameters
    ----------
    split_into_regions : bool
        Solve each connected hole separately (scikit-image's option; faster for many small holes).
    name : str, optional
        Name in tables (default ``"biharmonic"``).
    """

    name = "biharmonic"

    def __init__(self, split_into_regions: bool = False, name: str | None = None):
        self.split_into_regions = bool(split_into_regions)
        if name is not None:
            self.name = name

    def fill_one(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        from skimage.restoration import inpaint_biharmonic

        if mask.all():
            return np.full_like(image, 0.5)
        return inpaint_biharmonic(image, mask, split_into_regions=self.split_into_regions, channel_axis=-1)


class HarmonicInpainter(Inpainter):
    """The harmonic (membrane) fill: every hole pixel the mean of its four neighbors, solved coarse to fine.

    Parameters
    ----------
    sweeps : int
        Jacobi sweeps per pyramid level (see :func:`~inpaintlib.models.base.harmonic_fill`).
    name : str, optional
        Name in tables (default ``"harmonic"``).
    """

    name = "harmonic"

    def __init__(self, sweeps: int = 100, name: str | None = None):
        if int(sweeps) < 1:
            raise ValueError(f"sweeps must be a positive integer, got {sweeps!r}")
        self.sweeps = int(sweeps)
        if name is not None:
            self.name = name

    def fill(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        return harmonic_fill(images, masks, self.sweeps)


class MeanColorInpainter(Inpainter):
    """Fill the hole with the mean color of each image's known pixels (gray when nothing is known).

    Parameters
    ----------
    name : str, optional
        Name in tables (default ``"mean_color"``).
    """

    name = "mean_color"

    def __init__(self, name: str | None = None):
        if name is not None:
            self.name = name

    def fill(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        return known_mean_color(images, masks).expand_as(images)


class ModelInpainter(Inpainter):
    """A learned generator behind the :class:`Inpainter` interface.

    Parameters
    ----------
    model : torch.nn.Module or callable
        ``model(image, mask) -> prediction`` with full-size predictions in ``[0, 1]``
        (the contract of :mod:`inpaintlib.models`). Modules are put in eval mode.
    name : str, optional
        Name in tables; default: the model's ``name`` attribute or its class name.
    device : str or torch.device
        Where to run the model (``"auto"``: CUDA when available).
    batch_size : int
        Images per forward pass.
    image_size : int, optional
        Size the model works at; default ``model.image_size`` when it has one.
        Images of another size are resized to it (bilinear, antialiased; masks
        with nearest neighbor), and the prediction is resized back (bilinear)
        before it is composed into the original image.
    """

    def __init__(
        self,
        model: Callable,
        name: str | None = None,
        device: str | torch.device = "auto",
        batch_size: int = 16,
        image_size: int | None = None,
    ):
        if not callable(model):
            raise ValueError(f"model must be callable as model(image, mask), got {type(model).__name__}")
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval() if isinstance(model, torch.nn.Module) else model
        self.batch_size = int(batch_size)
        self.image_size = image_size if image_size is not None else getattr(model, "image_size", None)
        if self.image_size is not None and int(self.image_size) < 1:
            raise ValueError(f"image_size must be a positive integer, got {self.image_size!r}")
        self.name = name or getattr(model, "name", None) or type(model).__name__

    def _predict(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        height, width = images.shape[-2:]
        float_masks = masks.to(images.dtype)
        size = self.image_size
        resize = size is not None and (height, width) != (int(size), int(size))
        if resize:
            images = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
            float_masks = F.interpolate(float_masks, size=(size, size), mode="nearest")
        prediction = self.model(images.clamp(0.0, 1.0), float_masks)
        if resize:
            prediction = F.interpolate(prediction, size=(height, width), mode="bilinear", align_corners=False)
        return prediction

    def fill(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        predictions = []
        for start in range(0, images.shape[0], self.batch_size):
            chunk = images[start : start + self.batch_size].to(self.device, torch.float32)
            hole = masks[start : start + self.batch_size].to(self.device)
            predictions.append(self._predict(chunk, hole).float().to(images.device))
        return torch.cat(predictions)

    def __repr__(self) -> str:
        return f"ModelInpainter(name={self.name!r}, image_size={self.image_size}, device={str(self.device)!r})"


def as_inpainter(method, name: str | None = None) -> Inpainter:
    """Return ``method`` as an :class:`Inpainter`: inpainters pass through, models are wrapped.

    Parameters
    ----------
    method : Inpainter or torch.nn.Module or callable
        An inpainter, or a generator ``model(image, mask) -> prediction``.
    name : str, optional
        Name for a wrapped model (an inpainter keeps its own unless ``name`` is given).
    """
    if isinstance(method, Inpainter):
        if name is not None and name != method.name:
            method = copy.copy(method)
            method.name = name
        return method
    if callable(method):
        return ModelInpainter(method, name=name)
    raise ValueError(f"a method must be an Inpainter or a generator model, got {type(method).__name__}")


def classical_baselines(radius: float = 3.0) -> list[Inpainter]:
    """Return the three classical baselines: Telea, Navier–Stokes (both OpenCV, ``radius`` px) and biharmonic."""
    return [TeleaInpainter(radius), NavierStokesInpainter(radius), BiharmonicInpainter()]
