"""Masks from image files: a painted hole (white = missing) read, thresholded and resized.

Taught in notebook 01 (``01_masks.ipynb``); ``python -m inpaintlib inpaint --mask`` reads its
mask the same way.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from inpaintlib.data.images import open_image
from inpaintlib.masks.checks import MASK_THRESHOLD, Size, _image_size, _is_number

__all__ = ["load_mask"]


def _mask_levels(image: Image.Image) -> tuple[np.ndarray, int | float]:
    """Return one channel of mask brightness and its full-scale value, without a float RGBA copy.

    Color, gray and palette images become 8-bit luminance; with transparency, luminance times
    alpha (composited over black, so strokes painted on a transparent layer count as holes).
    """
    mode = image.mode
    if mode.startswith("I;16") or mode == "I":
        return np.asarray(image), 65535
    if mode == "F":
        return np.asarray(image), 1.0
    if mode == "1":
        return np.asarray(image, dtype=np.uint8), 1
    if mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in image.info:
        pair = np.asarray(image.convert("LA"))
        return pair[..., 0].astype(np.uint16) * pair[..., 1], 255 * 255
    return np.asarray(image.convert("L")), 255


def _resize_holes(holes: np.ndarray, target: tuple[int, int]) -> np.ndarray:
    """Resize a bool mask to ``target`` ``(H, W)`` with nearest-neighbor sampling."""
    resized = Image.fromarray(holes.astype(np.uint8) * 255).resize((target[1], target[0]), Image.Resampling.NEAREST)
    return np.asarray(resized) > 127


def load_mask(
    path: str | Path,
    size: Size | None = None,
    invert: bool = False,
    threshold: float = MASK_THRESHOLD,
) -> torch.Tensor:
    """Read a mask from an image file: pixels brighter than ``threshold`` (half range) are missing.

    The file is decoded as one channel, within the decode budget
    (:data:`inpaintlib.data.images.MAX_PIXELS`), and turned upright by its EXIF orientation as
    photos are (see :func:`inpaintlib.data.to_rgb`).

    Parameters
    ----------
    path : str or Path
        Any image file PIL can read: 1-bit, grayscale (8 or 16 bit), palette,
        RGB or RGBA. Color is reduced to luminance; transparent pixels count as
        black (kept), so a hole painted in white on a transparent layer works.
    size : int or (int, int), optional
        Resize to this size with nearest-neighbor sampling, which keeps the mask
        binary. ``None`` keeps the file's size.
    invert : bool
        Set when the file marks missing pixels in black instead of white.
    threshold : float
        The brightness, as a fraction of white in ``(0, 1)``, above which a pixel is missing.

    Returns
    -------
    torch.Tensor
        float32 ``(H, W)`` mask, 1 = missing.

    Warns
    -----
    UserWarning
        When the mask is not binary (gray or anti-aliased pixels, whose side depends on
        ``threshold``; the warning names the file and the threshold), and when it marks every
        pixel missing.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a readable image, is larger than the decode budget, or ``size`` or
        ``threshold`` is not valid.
    """
    path = Path(path)
    target = None if size is None else _image_size(size)
    if not _is_number(threshold) or not 0.0 < float(threshold) < 1.0:
        raise ValueError(f"threshold must be a fraction of white between 0 and 1 (exclusive), got {threshold!r}")
    if not path.exists():
        raise FileNotFoundError(f"mask file not found: {path}")
    if not path.is_file():
        raise ValueError(f"path={str(path)!r} is not a file")
    try:
        with open_image(path) as image:
            image.load()
            levels, full = _mask_levels(ImageOps.exif_transpose(image))
    except (UnidentifiedImageError, SyntaxError) as error:
        raise ValueError(f"path={str(path)!r} is not a readable image file ({error})") from error
    except OSError as error:
        if isinstance(error, ValueError):  # too large: the message names the file
            raise
        raise ValueError(f"path={str(path)!r} is not a readable image file ({error})") from error
    holes = levels > float(threshold) * full
    gray = int(np.count_nonzero((levels > 0) & (levels < full)))
    del levels
    if gray:
        warnings.warn(
            f"mask {path} is not binary: {gray / holes.size:.1%} of its pixels are gray; those brighter than "
            f"{float(threshold):.0%} of white count as missing (choose another threshold with threshold= "
            "or --mask-threshold)",
            stacklevel=2,
        )
    if invert:
        holes = ~holes
    if holes.all():
        warnings.warn(
            f"mask {path} marks every pixel as missing: the whole image will be filled"
            + ("" if invert else " (use invert if black marks the missing pixels)"),
            stacklevel=2,
        )
    if target is not None and holes.shape != target:
        holes = _resize_holes(holes, target)
    return torch.from_numpy(holes.astype(np.float32))
