"""Hole masks: the center block, random blocks and free-form brush strokes.

The course report trains and tests on three kinds of hole, named the same way
everywhere in the library, the command line and the notebooks:

``"center"``
    one square in the middle of the image (64×64 in a 128×128 image);
``"blocks"``
    several possibly overlapping squares at random places (the report drew 5–9
    blocks of 40 px in 224×224 images);
``"free_form"``
    the report's "arbitrary region": brush strokes made of connected segments
    with random angles, lengths and widths, in the manner of DeepFill v2 and LaMa.

Conventions
-----------
* A mask is a float32 tensor of 0. and 1. where **1 marks a missing pixel**.
  One mask is shaped ``(H, W)``; a batch is shaped ``(N, 1, H, W)``.
* ``size`` is an ``int`` (a square image) or a pair ``(H, W)``.
* ``seed`` is an ``int`` or a :class:`torch.Generator`; either makes every draw
  reproducible. ``None`` draws fresh entropy.
* Ranges such as ``count=(5, 9)`` are inclusive; a single number means a fixed value.

All batch drawing is vectorised: block masks are built with one batched matrix
product, and free-form strokes are drawn with one OpenCV ``polylines`` call per
stroke. ``benchmarks/bench_masks.py`` measures both against the report's
per-pixel loops.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from inpaintlib.data.images import check_pixel_budget, open_image
from inpaintlib.runtime import make_generator

__all__ = [
    "KINDS",
    "MaskSampler",
    "center_block",
    "coverage",
    "default_block_size",
    "free_form",
    "load_mask",
    "random_blocks",
]

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


def _image_size(size: Size, name: str = "size") -> tuple[int, int]:
    """Return ``(H, W)`` from an int or a pair, checking both are positive."""
    if _is_int(size):
        height = width = int(size)
    elif isinstance(size, Sequence) and len(size) == 2 and all(_is_int(v) for v in size):
        height, width = (int(v) for v in size)
    else:
        raise ValueError(f"{name} must be an int or a pair of ints (H, W), got {size!r}")
    if height <= 0 or width <= 0:
        raise ValueError(f"{name} must be positive, got {size!r}")
    check_pixel_budget(height, width, f"{name}={size!r}")
    return height, width


def _int_range(value: IntRange, name: str, minimum: int, maximum: int | None = None) -> tuple[int, int]:
    """Return an inclusive ``(low, high)`` pair of ints, each at least ``minimum`` (and at most ``maximum``)."""
    if _is_int(value):
        low = high = int(value)
    elif isinstance(value, Sequence) and len(value) == 2 and all(_is_int(v) for v in value):
        low, high = (int(v) for v in value)
    else:
        raise ValueError(f"{name} must be an int or a pair of ints (min, max), got {value!r}")
    if low < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    if low > high:
        raise ValueError(f"{name} must be given as (min, max) with min <= max, got {value!r}")
    if maximum is not None and high > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value!r}")
    return low, high


def _float_range(value: FloatRange, name: str, minimum: float) -> tuple[float, float]:
    """Return an inclusive ``(low, high)`` pair of floats, each at least ``minimum``."""
    if _is_number(value):
        low = high = float(value)
    elif isinstance(value, Sequence) and len(value) == 2 and all(_is_number(v) for v in value):
        low, high = (float(v) for v in value)
    else:
        raise ValueError(f"{name} must be a number or a pair of numbers (min, max), got {value!r}")
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


# --------------------------------------------------------------------------- center block


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
    n = _batch_count(batch)
    generator = make_generator(seed)
    masks = _fill_with_coverage(
        n, lambda k: _draw_blocks(k, height, width, counts, sides, generator), bounds, "blocks"
    )
    return _finish(masks, batch)


# --------------------------------------------------------------------------- free-form strokes


def _default_lengths(height: int, width: int) -> tuple[float, float]:
    side = min(height, width)
    return (side / 16, side / 5)


def _default_widths(height: int, width: int) -> tuple[int, int]:
    side = min(height, width)
    return (max(1, round(side / 24)), max(1, round(side / 8)))


def _draw_strokes(
    n: int,
    height: int,
    width: int,
    strokes: tuple[int, int],
    vertices: tuple[int, int],
    max_angle: float,
    lengths: tuple[float, float],
    widths: tuple[int, int],
    generator: torch.Generator,
) -> torch.Tensor:
    """Draw ``n`` free-form masks as an ``(n, H, W)`` float32 tensor of 0/1.

    Every stroke is a random walk: it starts at a random pixel and heading,
    turns by up to ``max_angle`` at each vertex, and moves a random length,
    bouncing off the image's edges. The walks of the whole batch are computed together;
    OpenCV then draws each stroke as one thick polyline (round joints and caps).
    """
    most_strokes, most_vertices = strokes[1], vertices[1]
    shape = (n, most_strokes)
    stroke_count = torch.randint(strokes[0], strokes[1] + 1, (n,), generator=generator)
    vertex_count = torch.randint(vertices[0], vertices[1] + 1, shape, generator=generator)
    brush = torch.randint(widths[0], widths[1] + 1, shape, generator=generator)
    start = torch.rand((*shape, 2), generator=generator) * torch.tensor([width - 1, height - 1])
    heading = torch.rand(shape, generator=generator) * (2 * math.pi)
    turns = (torch.rand((*shape, most_vertices), generator=generator) * 2 - 1) * max_angle
    steps = lengths[0] + torch.rand((*shape, most_vertices), generator=generator) * (lengths[1] - lengths[0])

    # The walk itself runs in NumPy: on these small arrays it costs a fraction of torch's per-call overhead.
    position, heading = start.numpy(), heading.numpy()
    turns_np, steps_np = turns.numpy(), steps.numpy()
    points = np.empty((*shape, most_vertices + 1, 2), dtype=np.float32)
    points[..., 0, :] = position
    limit = np.array([width - 1, height - 1], dtype=np.float32)
    for j in range(most_vertices):
        heading = heading + turns_np[..., j]
        move = np.stack((np.cos(heading), np.sin(heading)), axis=-1) * steps_np[..., j, None]
        position = position + move
        # A stroke that runs into an edge bounces off it instead of sliding along the border.
        below, above = position < 0, position > limit
        position = np.where(below, -position, np.where(above, 2 * limit - position, position))
        position = np.clip(position, 0, limit)
        bounced = below | above
        heading = np.where(bounced[..., 0], np.pi - heading, heading)
        heading = np.where(bounced[..., 1], -heading, heading)
        points[..., j + 1, :] = position

    points_np = np.rint(points).astype(np.int32)
    stroke_np = stroke_count.numpy()
    vertex_np = vertex_count.numpy()
    brush_np = brush.numpy()
    canvas = np.zeros((n, height, width), dtype=np.uint8)
    for i in range(n):
        image = canvas[i]
        for s in range(stroke_np[i]):
            line = points_np[i, s, : vertex_np[i, s] + 1]
            cv2.polylines(image, [line], False, 1, thickness=int(brush_np[i, s]), lineType=cv2.LINE_8)
    return torch.from_numpy(canvas).to(torch.float32)


def free_form(
    size: Size = 128,
    strokes: IntRange = (1, 4),
    vertices: IntRange = (4, 12),
    max_angle: float = 2 * math.pi / 5,
    length: FloatRange | None = None,
    width: IntRange | None = None,
    coverage: tuple[float, float] = (0.02, 0.6),
    batch: int | None = None,
    seed: Seed = None,
) -> torch.Tensor:
    """Return free-form brush-stroke masks (the report's "arbitrary region").

    Each mask holds a few strokes. A stroke starts at a random pixel with a
    random heading and runs through several vertices; at each vertex it turns by
    up to ``max_angle`` and goes on for a random length. It is drawn with a round
    brush of random width. This follows the free-form masks of DeepFill v2
    (Yu et al., 2019) and LaMa (Suvorov et al., 2022).

    Parameters
    ----------
    size : int or (int, int)
        Image size.
    strokes : int or (int, int)
        Strokes per mask (inclusive range), at most :data:`MAX_STROKES`.
    vertices : int or (int, int)
        Segments per stroke (inclusive range); DeepFill v2 uses 4 to 12. At most :data:`MAX_VERTICES`.
    max_angle : float
        Largest turn between two segments, in radians (0 gives straight strokes).
    length : float or (float, float), optional
        Segment length in pixels; defaults to ``(side / 16, side / 5)`` where
        ``side = min(H, W)`` (8 to 25.6 px at 128).
    width : int or (int, int), optional
        Brush width in pixels; defaults to ``(side / 24, side / 8)`` rounded
        (5 to 16 px at 128). At most the image's longer side.
    coverage : (float, float)
        Bounds on the fraction of missing pixels; masks outside them are redrawn.
        The default drops nearly empty masks and masks hiding most of the image.
    batch : int, optional
        ``None`` returns one ``(H, W)`` mask; an int returns ``(batch, 1, H, W)``.
    seed : int or torch.Generator, optional
        Makes the draw reproducible.

    Returns
    -------
    torch.Tensor
        float32 mask(s), 1 under the strokes.
    """
    height, width_px = _image_size(size)
    stroke_range = _int_range(strokes, "strokes", 1, MAX_STROKES)
    vertex_range = _int_range(vertices, "vertices", 1, MAX_VERTICES)
    if not _is_number(max_angle) or not math.isfinite(max_angle) or max_angle < 0:
        raise ValueError(f"max_angle must be a non-negative number of radians, got {max_angle!r}")
    lengths = _float_range(_default_lengths(height, width_px) if length is None else length, "length", 0.0)
    widths = _int_range(
        _default_widths(height, width_px) if width is None else width, "width", 1, max(height, width_px)
    )
    bounds = _coverage_range(coverage)
    n = _batch_count(batch)
    generator = make_generator(seed)

    def draw(k: int) -> torch.Tensor:
        return _draw_strokes(
            k, height, width_px, stroke_range, vertex_range, float(max_angle), lengths, widths, generator
        )

    return _finish(_fill_with_coverage(n, draw, bounds, "free_form"), batch)


# --------------------------------------------------------------------------- files


def _mask_levels(image: Image.Image) -> tuple[np.ndarray, int | float]:
    """Return one channel of mask brightness and its full-scale value, without a float RGBA copy.

    Colour, grey and palette images become 8-bit luminance; with transparency, luminance times
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
    """Resize a bool mask to ``target`` ``(H, W)`` with nearest-neighbour sampling."""
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
        Any image file PIL can read: 1-bit, greyscale (8 or 16 bit), palette,
        RGB or RGBA. Colour is reduced to luminance; transparent pixels count as
        black (kept), so a hole painted in white on a transparent layer works.
    size : int or (int, int), optional
        Resize to this size with nearest-neighbour sampling, which keeps the mask
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
        When the mask is not binary (grey or anti-aliased pixels, whose side depends on
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
    grey = int(np.count_nonzero((levels > 0) & (levels < full)))
    del levels
    if grey:
        warnings.warn(
            f"mask {path} is not binary: {grey / holes.size:.1%} of its pixels are grey; those brighter than "
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


# --------------------------------------------------------------------------- sampler


class MaskSampler:
    """Draw batches of masks of any mix of kinds, reproducibly.

    Parameters
    ----------
    size : int or (int, int)
        Image size of every mask.
    kinds : str, list of str, or dict
        Which kinds to draw: one name (``"blocks"``), a list (equal weights) or a
        dict ``name -> weight`` (weights need not sum to 1).
    seed : int or torch.Generator, optional
        Seeds the sampler's own generator, used when :meth:`sample` gets none.
    **options : dict
        Options per kind, passed on to the kind's function, e.g.
        ``center={"hole": 48}``, ``blocks={"count": (2, 4)}``,
        ``free_form={"width": (4, 10)}``.

    Notes
    -----
    Without a ``generator`` argument, draws advance the sampler's own generator,
    so successive batches differ but the whole sequence follows from ``seed``.
    Copies of a sampler (pickled into DataLoader workers) continue the same
    sequence; pass a per-item ``generator`` (e.g. seeded from the item's index)
    where each item must get its own mask.

    Examples
    --------
    >>> sampler = MaskSampler(128, kinds={"blocks": 1, "free_form": 1}, seed=0)
    >>> sampler.sample(8).shape
    torch.Size([8, 1, 128, 128])
    """

    def __init__(
        self,
        size: Size = 128,
        kinds: str | Sequence[str] | Mapping[str, float] = "center",
        seed: Seed = None,
        **options: Mapping,
    ) -> None:
        self.size = _image_size(size)
        self.weights = self._parse_kinds(kinds)
        for name, value in options.items():
            if name not in KINDS:
                raise ValueError(f"options given for unknown mask kind {name!r}; known kinds are {KINDS}")
            if not isinstance(value, Mapping):
                raise ValueError(f"{name} options must be a dict of keyword arguments, got {value!r}")
        self.options = {name: dict(options.get(name, {})) for name in KINDS}
        for name in ("size", "batch", "seed"):
            for kind in KINDS:
                if name in self.options[kind]:
                    raise ValueError(f"{kind} options must not set {name!r}; the sampler sets it")
        self.generator = make_generator(seed)
        self.last_kinds: list[str] = []
        # Check every kind's options once, so mistakes surface at construction.
        for kind in self.weights:
            self._draw(kind, 1, torch.Generator().manual_seed(0))

    @staticmethod
    def _parse_kinds(kinds) -> dict[str, float]:
        if isinstance(kinds, str):
            weights = {kinds: 1.0}
        elif isinstance(kinds, Mapping):
            weights = {}
            for name, weight in kinds.items():
                if not _is_number(weight) or weight < 0 or not math.isfinite(weight):
                    raise ValueError(f"kinds weight for {name!r} must be a non-negative number, got {weight!r}")
                weights[name] = float(weight)
        elif isinstance(kinds, Sequence) and len(kinds) > 0:
            weights = {}
            for name in kinds:
                weights[name] = weights.get(name, 0.0) + 1.0
        else:
            raise ValueError(f"kinds must be a kind name, a list of names or a dict name -> weight, got {kinds!r}")
        for name in weights:
            if name not in KINDS:
                raise ValueError(f"kinds names an unknown mask kind {name!r}; known kinds are {KINDS}")
        weights = {name: weight for name, weight in weights.items() if weight > 0}
        if not weights:
            raise ValueError(f"kinds must give at least one kind a positive weight, got {kinds!r}")
        total = sum(weights.values())
        return {name: weights[name] / total for name in KINDS if name in weights}

    @property
    def kinds(self) -> list[str]:
        """The kinds this sampler draws, in :data:`KINDS` order."""
        return list(self.weights)

    def _draw(self, kind: str, n: int, generator: torch.Generator) -> torch.Tensor:
        options = self.options[kind]
        if kind == "center":
            return center_block(self.size, batch=n, **options)
        if kind == "blocks":
            return random_blocks(self.size, batch=n, seed=generator, **options)
        return free_form(self.size, batch=n, seed=generator, **options)

    def sample_kind(self, kind: str, n: int, generator: Seed = None) -> torch.Tensor:
        """Return ``n`` masks of one kind, shaped ``(n, 1, H, W)`` float32."""
        if kind not in KINDS:
            raise ValueError(f"kind={kind!r} is not a mask kind; known kinds are {KINDS}")
        n = _batch_count(n)
        generator = self.generator if generator is None else make_generator(generator)
        masks = self._draw(kind, n, generator)
        self.last_kinds = [kind] * n
        return masks

    def sample(
        self, n: int, generator: Seed = None, return_kinds: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, list[str]]:
        """Return ``n`` masks shaped ``(n, 1, H, W)`` float32, each of a kind drawn by weight.

        Parameters
        ----------
        n : int
            Number of masks.
        generator : int or torch.Generator, optional
            Use this instead of the sampler's own generator.
        return_kinds : bool
            Also return the list of kind names, one per mask. The names of the
            latest draw are also kept in :attr:`last_kinds`.
        """
        n = _batch_count(n)
        generator = self.generator if generator is None else make_generator(generator)
        names = list(self.weights)
        if len(names) == 1:
            choice = torch.zeros(n, dtype=torch.long)
        else:
            weights = torch.tensor([self.weights[name] for name in names])
            choice = torch.multinomial(weights, n, replacement=True, generator=generator) if n else (
                torch.zeros(0, dtype=torch.long)
            )
        height, width = self.size
        masks = torch.empty(n, 1, height, width, dtype=torch.float32)
        for k, name in enumerate(names):
            index = (choice == k).nonzero().squeeze(1)
            if len(index):
                masks[index] = self._draw(name, len(index), generator)
        kinds = [names[k] for k in choice.tolist()]
        self.last_kinds = kinds
        if return_kinds:
            return masks, kinds
        return masks

    __call__ = sample

    def __getstate__(self) -> dict:
        # torch.Generator is not picklable; keep its state so DataLoader workers can copy the sampler.
        state = self.__dict__.copy()
        state["generator"] = self.generator.get_state()
        return state

    def __setstate__(self, state: dict) -> None:
        generator = torch.Generator()
        generator.set_state(state["generator"])
        state["generator"] = generator
        self.__dict__.update(state)

    def __repr__(self) -> str:
        weights = ", ".join(f"{name!r}: {weight:.3g}" for name, weight in self.weights.items())
        return f"MaskSampler(size={self.size}, kinds={{{weights}}})"
