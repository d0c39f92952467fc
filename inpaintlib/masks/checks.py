"""What every mask drawer shares: the limits, the argument checks, drawing in chunks, coverage bounds.

Taught in notebook 01 (``01_masks.ipynb``).

The limits (:data:`MAX_BLOCKS`, :data:`MAX_STROKES`, :data:`MAX_VERTICES`, :data:`MAX_REDRAWS`)
bound what one call may ask for, so a typo cannot hang a notebook or exhaust its memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch

from inpaintlib.data.images import check_pixel_budget

__all__ = ["KINDS", "MASK_THRESHOLD", "MAX_BLOCKS", "MAX_REDRAWS", "MAX_STROKES", "MAX_VERTICES", "coverage"]

#: The names of the mask kinds, in the order used by tables and figures.
KINDS: tuple[str, ...] = ("center", "blocks", "free_form")

#: The report's random blocks: 40 px squares in 224 px images.
REPORT_BLOCK_SIZE = 40
REPORT_IMAGE_SIZE = 224

#: How many times masks that miss a coverage bound are redrawn before giving up.
MAX_REDRAWS = 200

#: Block masks are built this many at a time, to keep the working memory small.
_BLOCK_CHUNK = 64
# Masks drawn per call of a drawing function: intermediate tensors grow with count x batch, so a
# large batch is drawn in pieces of this size and costs the same per mask as a small one.
_DRAW_CHUNK = 256

#: Upper bounds of the drawing options: more would only hang or exhaust memory. A mask's pixels
#: are bounded by the decode budget, :data:`inpaintlib.data.images.MAX_PIXELS`.
MAX_BLOCKS = 1000
MAX_STROKES = 100
MAX_VERTICES = 1000

#: :func:`load_mask`'s default threshold: a pixel brighter than this fraction of white is missing.
MASK_THRESHOLD = 0.5

Size = int | tuple[int, int]
IntRange = int | tuple[int, int]
FloatRange = float | tuple[float, float]
Seed = int | torch.Generator | None


# --------------------------------------------------------------------------- argument checks


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _as_pair(value, accept: Callable, convert: Callable) -> tuple | None:
    """``(v, v)`` for one accepted value, the converted pair for two, ``None`` for anything else."""
    if accept(value):
        return convert(value), convert(value)
    if isinstance(value, Sequence) and len(value) == 2 and all(accept(v) for v in value):
        return convert(value[0]), convert(value[1])
    return None


def _image_size(size: Size, name: str = "size") -> tuple[int, int]:
    """Return ``(H, W)`` from an int or a pair, checking both are positive."""
    pair = _as_pair(size, _is_int, int)
    if pair is None:
        raise ValueError(f"{name} must be an int or a pair of ints (H, W), got {size!r}")
    height, width = pair
    if height <= 0 or width <= 0:
        raise ValueError(f"{name} must be positive, got {size!r}")
    check_pixel_budget(height, width, f"{name}={size!r}")
    return height, width


def _int_range(value: IntRange, name: str, minimum: int, maximum: int | None = None) -> tuple[int, int]:
    """Return an inclusive ``(low, high)`` pair of ints, each at least ``minimum`` (and at most ``maximum``)."""
    pair = _as_pair(value, _is_int, int)
    if pair is None:
        raise ValueError(f"{name} must be an int or a pair of ints (min, max), got {value!r}")
    low, high = pair
    if low < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    if low > high:
        raise ValueError(f"{name} must be given as (min, max) with min <= max, got {value!r}")
    if maximum is not None and high > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value!r}")
    return low, high


def _float_range(value: FloatRange, name: str, minimum: float) -> tuple[float, float]:
    """Return an inclusive ``(low, high)`` pair of floats, each at least ``minimum``."""
    pair = _as_pair(value, _is_number, float)
    if pair is None:
        raise ValueError(f"{name} must be a number or a pair of numbers (min, max), got {value!r}")
    low, high = pair
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    if low > high:
        raise ValueError(f"{name} must be given as (min, max) with min <= max, got {value!r}")
    return low, high


def _coverage_range(value: tuple[float, float]) -> tuple[float, float]:
    low, high = _float_range(value, "coverage", 0.0)
    if high > 1.0:
        raise ValueError(f"coverage is a fraction of the image and must lie in [0, 1], got {value!r}")
    return low, high


def _batch_count(batch: int | None) -> int:
    if batch is None:
        return 1
    if not _is_int(batch) or batch < 0:
        raise ValueError(f"batch must be None or a non-negative int, got {batch!r}")
    return int(batch)


def _finish(masks: torch.Tensor, batch: int | None) -> torch.Tensor:
    """Turn an ``(N, H, W)`` float32 tensor into the layout the caller asked for."""
    if batch is None:
        return masks[0]
    return masks.unsqueeze(1)


def _draw_in_chunks(draw: Callable[[int], torch.Tensor], n: int) -> torch.Tensor:
    """Return ``draw(n)``, drawn :data:`_DRAW_CHUNK` masks at a time for large ``n``."""
    if n <= _DRAW_CHUNK:
        return draw(n)
    first = draw(_DRAW_CHUNK)
    masks = first.new_empty((n, *first.shape[1:]))
    masks[:_DRAW_CHUNK] = first
    for start in range(_DRAW_CHUNK, n, _DRAW_CHUNK):
        stop = min(start + _DRAW_CHUNK, n)
        masks[start:stop] = draw(stop - start)
    return masks


def _fill_with_coverage(
    n: int,
    draw: Callable[[int], torch.Tensor],
    bounds: tuple[float, float],
    what: str,
) -> torch.Tensor:
    """Draw ``n`` masks with ``draw`` (in chunks) and redraw those whose coverage falls outside ``bounds``."""
    masks = _draw_in_chunks(draw, n)
    low, high = bounds
    if low <= 0.0 and high >= 1.0:
        return masks

    def misses(batch: torch.Tensor) -> torch.Tensor:
        fraction = batch.flatten(1).mean(1)
        return (fraction < low) | (fraction > high)

    bad = misses(masks)
    for _ in range(MAX_REDRAWS):
        if not bad.any():
            return masks
        index = bad.nonzero().squeeze(1)
        redrawn = _draw_in_chunks(draw, len(index))
        masks[index] = redrawn
        bad[index] = misses(redrawn)
    if bad.any():
        raise ValueError(
            f"coverage={bounds!r} was not reached by {int(bad.sum())} {what} mask(s) after "
            f"{MAX_REDRAWS} redraws; widen coverage or change the other {what} options"
        )
    return masks


# --------------------------------------------------------------------------- statistics


def coverage(masks: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Return the fraction of missing pixels per mask.

    Parameters
    ----------
    masks : tensor or array
        One ``(H, W)`` mask, or a batch ``(N, 1, H, W)`` (or ``(N, H, W)``).

    Returns
    -------
    torch.Tensor
        A 0-d tensor for one mask, else shape ``(N,)``; float32 (float64 input stays float64).
    """
    masks = torch.as_tensor(masks)
    if masks.dim() == 2:
        return (masks != 0).float().mean()
    if masks.dim() in (3, 4):
        if masks.dim() == 4 and masks.shape[1] != 1:
            raise ValueError(f"masks must be (H, W), (N, H, W) or (N, 1, H, W), got {tuple(masks.shape)}")
        return (masks != 0).flatten(1).float().mean(1)
    raise ValueError(f"masks must be (H, W), (N, H, W) or (N, 1, H, W), got {tuple(masks.shape)}")
