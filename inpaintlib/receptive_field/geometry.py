"""The geometry of one feature map, the calculator's errors and its number formatting.

Taught in notebook 02 (``02_receptive_field.ipynb``).

Every layer rule maps four numbers per axis -- ``size``, ``rf``, ``jump`` and
``start`` -- from its input to its output (see :mod:`inpaintlib.receptive_field`
for the formulas). :class:`_Geometry` holds them; :func:`_window`, :func:`_pad`
and :func:`_crop` are the three ways a layer can change them.

See Also
--------
inpaintlib.receptive_field.rules : which layer applies which of these maps.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

__all__ = ["MisalignedBranchesError", "ReceptiveFieldError", "UnsupportedLayerError"]


# ----------------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------------


class ReceptiveFieldError(ValueError):
    """The receptive field of this module cannot be computed (the message says why)."""


class UnsupportedLayerError(ReceptiveFieldError):
    """A layer whose geometry the calculator cannot reason about; the message names it."""


class MisalignedBranchesError(ReceptiveFieldError):
    """Branches that merge (add, multiply, concatenate) see different pixel grids."""


# ----------------------------------------------------------------------------------------------
# Geometry of one feature map
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Geometry:
    """Per-axis ``size``, ``rf``, ``jump`` and ``start`` of one feature map."""

    size: tuple[int, ...]
    rf: tuple[int, ...]
    jump: tuple[int, ...]
    start: tuple[Fraction, ...]

    @property
    def n_axes(self) -> int:
        return len(self.size)

    def aligned_with(self, other: "_Geometry") -> bool:
        return self.size == other.size and self.jump == other.jump and self.start == other.start

    def describe(self) -> str:
        return (
            f"size {_fmt_size(self.size)}, jump {_fmt_axes(self.jump)}, "
            f"start {_fmt_axes(self.start)}, rf {_fmt_axes(self.rf)}"
        )


@dataclass(frozen=True)
class _TupleGeometry:
    """Several feature maps on one grid (``chunk``/``split`` along channels, pooling indices)."""

    element: _Geometry


@dataclass(frozen=True)
class _Step:
    """What one node does to the geometry."""

    kind: str  # "conv", "pool", "pad", "crop", "pointwise", "merge", "tuple", "meta"
    type_name: str
    geometry: Any  # _Geometry, _TupleGeometry or None
    kernel: tuple[int, ...] | None = None
    stride: tuple[int, ...] | None = None
    padding: tuple[tuple[int, int], ...] | None = None
    dilation: tuple[int, ...] | None = None
    note: str = ""
    # How the linearized copy used by the gradient check treats the node:
    # "identity" (activations, normalizations, dropout), "max_pool", or None (kept).
    linearize: str | None = None
    pool_options: dict | None = None


@dataclass(frozen=True)
class _End:
    """A node that ends the spatial part of the network (flatten, reshape, unsupported)."""

    type_name: str
    reason: str


def _window(geometry: _Geometry, kernel, stride, padding, dilation, ceil_mode=False) -> _Geometry:
    """Apply a sliding window (convolution or pooling) to ``geometry``; raise if it does not fit."""
    size, rf, jump, start = [], [], [], []
    for axis in range(geometry.n_axes):
        k_eff = dilation[axis] * (kernel[axis] - 1) + 1
        lo, hi = padding[axis]
        s = stride[axis]
        span = geometry.size[axis] + lo + hi - k_eff
        if span < 0:
            raise ReceptiveFieldError(
                f"the feature map ({_fmt_size(geometry.size)}) is smaller than the kernel "
                f"({k_eff} px with dilation, padding {lo}+{hi})"
            )
        if ceil_mode:
            out = -(-span // s) + 1
            if (out - 1) * s >= geometry.size[axis] + lo:
                out -= 1
        else:
            out = span // s + 1
        size.append(out)
        rf.append(geometry.rf[axis] + (k_eff - 1) * geometry.jump[axis])
        start.append(geometry.start[axis] + (Fraction(k_eff - 1, 2) - lo) * geometry.jump[axis])
        jump.append(geometry.jump[axis] * s)
    return _Geometry(tuple(size), tuple(rf), tuple(jump), tuple(start))


def _pad(geometry: _Geometry, padding) -> _Geometry:
    """Pad (or, with negative values, crop) each axis by ``(before, after)``."""
    size = []
    start = []
    for axis, (lo, hi) in enumerate(padding):
        new_size = geometry.size[axis] + lo + hi
        if new_size < 1:
            raise ReceptiveFieldError(f"padding {padding} leaves no pixels of {_fmt_size(geometry.size)}")
        size.append(new_size)
        start.append(geometry.start[axis] - lo * geometry.jump[axis])
    return _Geometry(tuple(size), geometry.rf, geometry.jump, tuple(start))


def _crop(geometry: _Geometry, slices: Sequence[slice]) -> _Geometry:
    """Index each axis with a slice (``x[..., 2:-2, ::2]``)."""
    size, jump, start = [], [], []
    for axis, item in enumerate(slices):
        indices = range(geometry.size[axis])[item]
        if len(indices) == 0:
            raise ReceptiveFieldError(f"slice {item} leaves no pixels of {_fmt_size(geometry.size)}")
        if indices.step < 0:
            raise ReceptiveFieldError(f"slice {item} reverses an axis")
        size.append(len(indices))
        start.append(geometry.start[axis] + indices.start * geometry.jump[axis])
        jump.append(geometry.jump[axis] * indices.step)
    return _Geometry(tuple(size), geometry.rf, tuple(jump), tuple(start))


# ----------------------------------------------------------------------------------------------
# Formatting helpers
# ----------------------------------------------------------------------------------------------


def _fmt_number(value) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"
    return str(value)


def _fmt_axes(values) -> str:
    """One number when every axis agrees (square), else ``h×w``."""
    if values is None:
        return "-"
    values = tuple(values)
    if all(value == values[0] for value in values):
        return _fmt_number(values[0])
    return "×".join(_fmt_number(value) for value in values)


def _fmt_size(values) -> str:
    return "×".join(str(value) for value in values)


def _fmt_padding(padding) -> str:
    if padding is None:
        return "-"
    if all(lo == hi for lo, hi in padding):
        return _fmt_axes([lo for lo, _ in padding])
    pairs = [f"({lo},{hi})" for lo, hi in padding]
    return pairs[0] if all(pair == pairs[0] for pair in pairs) else "×".join(pairs)


def _square(values):
    """``values[0]`` when every axis agrees, else the tuple (for the public properties)."""
    values = tuple(values)
    return values[0] if all(value == values[0] for value in values) else values


def _padding_value(padding):
    """Padding for :meth:`LayerRecord.to_dict`: an int, per-axis ints, or (before, after) pairs."""
    if padding is None:
        return None
    if all(lo == hi for lo, hi in padding):
        return _square(tuple(lo for lo, _ in padding))
    return _square(padding)
