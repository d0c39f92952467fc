"""Free-form masks: brush strokes of connected segments, the report's "arbitrary region".

Taught in notebook 01 (``01_masks.ipynb``); notebook 04 trains on them. The strokes follow
DeepFill v2 and LaMa: random angles, lengths and widths, drawn with one OpenCV ``polylines``
call per stroke.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch

from inpaintlib.masks.checks import (
    MAX_STROKES,
    MAX_VERTICES,
    FloatRange,
    IntRange,
    Seed,
    Size,
    _batch_count,
    _coverage_range,
    _fill_with_coverage,
    _finish,
    _float_range,
    _image_size,
    _int_range,
    _is_number,
)
from inpaintlib.runtime import make_generator

__all__ = ["free_form"]


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
    batch, seed
        As in :func:`~inpaintlib.masks.random_blocks`: one ``(H, W)`` mask without ``batch``,
        ``(batch, 1, H, W)`` with it; a seed makes the draw reproducible.

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
