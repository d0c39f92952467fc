"""Hole masks: the center block, random blocks and free-form brush strokes.

Taught in notebook 01 (``01_masks.ipynb``).

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

All batch drawing is vectorized: block masks are built with one batched matrix
product, and free-form strokes are drawn with one OpenCV ``polylines`` call per
stroke. ``benchmarks/bench_masks.py`` measures both against the report's
per-pixel loops.


The package's modules:

* :mod:`~inpaintlib.masks.checks` -- the kinds, the limits, argument checks, :func:`coverage`;
* :mod:`~inpaintlib.masks.blocks` -- :func:`center_block`, :func:`random_blocks`;
* :mod:`~inpaintlib.masks.strokes` -- :func:`free_form`;
* :mod:`~inpaintlib.masks.files` -- :func:`load_mask`;
* :mod:`~inpaintlib.masks.sampler` -- :class:`MaskSampler`.
"""

from inpaintlib.masks.blocks import center_block, default_block_size, random_blocks
from inpaintlib.masks.checks import (  # noqa: F401  (the limits stay readable as inpaintlib.masks.MAX_...)
    KINDS,
    MASK_THRESHOLD,
    MAX_BLOCKS,
    MAX_REDRAWS,
    MAX_STROKES,
    MAX_VERTICES,
    REPORT_BLOCK_SIZE,
    REPORT_IMAGE_SIZE,
    coverage,
)
from inpaintlib.masks.files import load_mask
from inpaintlib.masks.sampler import MaskSampler
from inpaintlib.masks.strokes import free_form

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
