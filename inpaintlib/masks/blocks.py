"""Block masks: the center block and random blocks, the report's first two kinds of hole.

Taught in notebook 01 (``01_masks.ipynb``); notebook 03 trains on the center block, notebook 04
on random blocks.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from inpaintlib.masks.checks import (
    _BLOCK_CHUNK,
    MAX_BLOCKS,
    REPORT_BLOCK_SIZE,
    REPORT_IMAGE_SIZE,
    IntRange,
    Seed,
    Size,
    _batch_count,
    _coverage_range,
    _fill_with_coverage,
    _finish,
    _image_size,
    _int_range,
    _is_int,
)
from inpaintlib.runtime import make_generator

__all__ = ["center_block", "default_block_size", "random_blocks"]


def center_block(
    size: Size = 128,
    hole: Size | None = None,
    offset: tuple[int, int] = (0, 0),
    batch: int | None = None,
) -> torch.Tensor:
    """Return the report's center hole: one square (or rectangle) in the middle of the image.

    Parameters
    ----------
    size : int or (int, int)
        Image size, ``128`` by default.
    hole : int or (int, int), optional
        Hole size; defaults to half the image in each direction (64×64 in 128×128).
    offset : (int, int)
        ``(dy, dx)`` shift of the hole from the center, in pixels. The hole must
        stay inside the image.
    batch : int, optional
        ``None`` returns one ``(H, W)`` mask; an int returns ``(batch, 1, H, W)``.

    Returns
    -------
    torch.Tensor
        float32 mask, 1 inside the hole. The hole's top-left corner is
        ``((H - h) // 2 + dy, (W - w) // 2 + dx)``.

    Examples
    --------
    >>> center_block(128).sum().item()
    4096.0
    """
    height, width = _image_size(size)
    if hole is None:
        hole_h, hole_w = height // 2, width // 2
        if hole_h == 0 or hole_w == 0:
            raise ValueError(
                f"size={size!r} is too small for the default hole (half the image, 0 px): "
                "give a size of at least 2 or a hole"
            )
    else:
        hole_h, hole_w = _image_size(hole, "hole")
    if hole_h > height or hole_w > width:
        raise ValueError(f"hole={hole!r} is larger than the image size={size!r}")
    if not (isinstance(offset, Sequence) and len(offset) == 2 and all(_is_int(v) for v in offset)):
        raise ValueError(f"offset must be a pair of ints (dy, dx), got {offset!r}")
    top = (height - hole_h) // 2 + int(offset[0])
    left = (width - hole_w) // 2 + int(offset[1])
    if top < 0 or left < 0 or top + hole_h > height or left + hole_w > width:
        raise ValueError(
            f"offset={tuple(offset)!r} moves the {hole_h}x{hole_w} hole outside the {height}x{width} image"
        )
    count = _batch_count(batch)
    mask = torch.zeros(height, width, dtype=torch.float32)
    mask[top : top + hole_h, left : left + hole_w] = 1.0
    if batch is None:
        return mask
    return mask.expand(count, 1, height, width).clone()


# --------------------------------------------------------------------------- random blocks


def default_block_size(size: Size) -> int:
    """Return the block side that matches the report's 40 px blocks at 224 px, scaled to ``size``.

    >>> default_block_size(224), default_block_size(128)
    (40, 23)
    """
    height, width = _image_size(size)
    return max(1, round(REPORT_BLOCK_SIZE * min(height, width) / REPORT_IMAGE_SIZE))


def _draw_blocks(
    n: int,
    height: int,
    width: int,
    counts: tuple[int, int],
    sides: tuple[int, int],
    generator: torch.Generator,
) -> torch.Tensor:
    """Draw ``n`` block masks as an ``(n, H, W)`` float32 tensor of 0/1, all at once."""
    most = counts[1]
    count = torch.randint(counts[0], counts[1] + 1, (n,), generator=generator)
    side = torch.randint(sides[0], sides[1] + 1, (n, most), generator=generator)
    corner = torch.rand((n, most, 2), generator=generator)
    # floor(u * (room + 1)) is uniform on 0..room; the minimum guards against float rounding up.
    top = torch.minimum((corner[..., 0] * (height - side + 1)).floor().long(), height - side)
    left = torch.minimum((corner[..., 1] * (width - side + 1)).floor().long(), width - side)
    active = torch.arange(most) < count[:, None]
    rows = torch.arange(height)
    cols = torch.arange(width)
    # in_rows[i, k, y] says whether row y crosses block k of mask i; the same for columns.
    in_rows = (rows >= top[..., None]) & (rows < (top + side)[..., None]) & active[..., None]
    in_cols = (cols >= left[..., None]) & (cols < (left + side)[..., None])
    rows_t = in_rows.transpose(1, 2).float()
    cols_f = in_cols.float()
    masks = torch.empty(n, height, width, dtype=torch.float32)
    for start in range(0, n, _BLOCK_CHUNK):
        stop = start + _BLOCK_CHUNK
        # (n, H, K) @ (n, K, W) counts how many blocks cover each pixel; clamp turns counts into 0/1.
        torch.bmm(rows_t[start:stop], cols_f[start:stop], out=masks[start:stop])
        masks[start:stop].clamp_(max=1.0)
    return masks


def random_blocks(
    size: Size = 128,
    count: IntRange = (5, 9),
    block_size: IntRange | None = None,
    coverage: tuple[float, float] = (0.0, 1.0),
    batch: int | None = None,
    seed: Seed = None,
) -> torch.Tensor:
    """Return masks with several square blocks at random places; blocks may overlap.

    Parameters
    ----------
    size : int or (int, int)
        Image size.
    count : int or (int, int)
        Number of blocks per mask, drawn uniformly from the inclusive range.
        The report used 5 to 9; at most :data:`MAX_BLOCKS`.
    block_size : int or (int, int), optional
        Side of each block in pixels, drawn per block from the inclusive range.
        Defaults to the report's 40 px at 224 px scaled to ``size``
        (:func:`default_block_size`: 23 px at 128).
    coverage : (float, float)
        Bounds on the fraction of missing pixels; masks outside them are redrawn.
        A bound no draw can meet raises :class:`ValueError`.
    batch : int, optional
        ``None`` returns one ``(H, W)`` mask; an int returns ``(batch, 1, H, W)``.
    seed : int or torch.Generator, optional
        Makes the draw reproducible.

    Returns
    -------
    torch.Tensor
        float32 mask(s), 1 inside the blocks.
    """
    height, width = _image_size(size)
    counts = _int_range(count, "count", 1, MAX_BLOCKS)
    if block_size is None:
        block_size = default_block_size((height, width))
    sides = _int_range(block_size, "block_size", 1)
    if sides[1] > min(height, width):
        raise ValueError(f"block_size={block_size!r} is larger than the image size={size!r}")
    bounds = _coverage_range(coverage)
    _check_blocks_can_cover(coverage, bounds, counts, sides, height, width)
    n = _batch_count(batch)
    generator = make_generator(seed)
    masks = _fill_with_coverage(
        n, lambda k: _draw_blocks(k, height, width, counts, sides, generator), bounds, "blocks"
    )
    return _finish(masks, batch)


def _check_blocks_can_cover(
    coverage, bounds: tuple[float, float], counts: tuple[int, int], sides: tuple[int, int], height: int, width: int
) -> None:
    """Raise :class:`ValueError` when no draw of ``counts`` blocks of ``sides`` px can meet the coverage bounds."""
    area = height * width
    largest = min(1.0, counts[1] * sides[1] ** 2 / area)
    smallest = sides[0] ** 2 / area
    if bounds[0] > largest:
        raise ValueError(
            f"coverage={coverage!r} cannot be reached: at most {counts[1]} blocks of {sides[1]} px "
            f"cover {largest:.3f} of a {height}x{width} image"
        )
    if bounds[1] < smallest:
        raise ValueError(
            f"coverage={coverage!r} cannot be met: one block of {sides[0]} px already covers "
            f"{smallest:.3f} of a {height}x{width} image"
        )
