"""Receptive fields: an analytic calculator for any module, and a gradient check.

The *receptive field* of a unit is the region of the input image that can change
its value. For a chain of convolutions and poolings it follows from four numbers
per layer and per axis, propagated from the input to the output:

* ``size``  -- the number of units along the axis;
* ``rf``    -- the receptive field of one unit, in input pixels;
* ``jump``  -- the distance between neighbouring units, in input pixels
  (the *effective stride*);
* ``start`` -- the centre of the first unit, in input pixel coordinates
  (pixel ``i`` is centred on ``i``; a half-integer centre sits between pixels).

A layer with kernel ``k``, stride ``s``, padding ``p`` (``p_lo`` before, ``p_hi``
after) and dilation ``d`` has the effective kernel ``k_e = d (k - 1) + 1`` and maps
them as::

    size_out  = floor((size_in + p_lo + p_hi - k_e) / s) + 1
    rf_out    = rf_in + (k_e - 1) * jump_in
    jump_out  = jump_in * s
    start_out = start_in + ((k_e - 1) / 2 - p_lo) * jump_in

:func:`receptive_field` traces any :class:`torch.nn.Module` with :mod:`torch.fx`
and applies these rules node by node, so residual additions, channel
concatenations and products of branches are followed too (the branches must be
aligned: same size, jump and start). Layers whose geometry does not fit the rules
(transposed convolutions, adaptive pooling, upsampling, a linear layer on a
feature map, unknown functions) raise :class:`UnsupportedLayerError`, which names
the layer; ``stop_at_unsupported=True`` ends the analysis there instead, and a
flatten or reshape always ends the spatial part. Either way the table says so: the
calculator never returns a silently wrong number.

:func:`empirical_receptive_field` measures the same thing: it back-propagates from
one output unit of a float64, *linearised* copy of the network (max pooling
becomes average pooling, activations and normalisations become the identity,
weights become random positive numbers so that nothing cancels) and reports the
bounding box of the pixels with a non-zero gradient. For an interior unit it
matches the analytic box exactly; a unit near the border sees zero padding, so its
measured box is the analytic one clipped to the image.

Conventions: normalisation layers are treated as per-pixel maps (their statistics
as constants), as is usual for receptive fields. The course report's patch
discriminator (four 3x3 convolutions, padding 1, strides 2, 2, 1, 2) sees 23x23
pixels with an effective stride of 8; :func:`report_recurrence` reproduces the
report's 47 by applying the backward recurrence ``r_in = s * r_out + (k - s)`` once
more than there are layers, and :func:`compare_with_report` shows both.
"""

from __future__ import annotations

import builtins
import copy
import html
import math
import operator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import fx, nn

__all__ = [
    "EmpiricalReceptiveField",
    "LayerRecord",
    "MisalignedBranchesError",
    "ReceptiveFieldError",
    "ReceptiveFieldTable",
    "RecurrenceComparison",
    "RecurrenceStep",
    "RecurrenceTable",
    "UnsupportedLayerError",
    "compare_with_report",
    "coverage_map",
    "empirical_receptive_field",
    "gradient_map",
    "plot_patch_sizes",
    "plot_receptive_field",
    "plot_unit_boxes",
    "receptive_field",
    "receptive_field_explorer",
    "region_fraction",
    "report_recurrence",
    "unit_region",
]


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
    # How the linearised copy used by the gradient check treats the node:
    # "identity" (activations, normalisations, dropout), "max_pool", or None (kept).
    linearise: str | None = None
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


def _render_text(header: list[str], body: list[list[str]], footer: list[str]) -> str:
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells):
        padded = [cell.rjust(width) if i == 0 else cell.ljust(width) for i, (cell, width) in
                  enumerate(zip(cells, widths))]
        return "  ".join(padded).rstrip()

    rule = "-" * max(len(line(header)), 1)
    return "\n".join([line(header), rule, *(line(cells) for cells in body), rule, *footer])


def _render_html(header: list[str], body: list[list[str]], footer: list[str]) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells) + "</tr>" for cells in body)
    caption = "<br>".join(html.escape(text) for text in footer)
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>"
        f'<caption style="caption-side: bottom; text-align: left">{caption}</caption></table>'
    )


# ----------------------------------------------------------------------------------------------
# The table
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerRecord:
    """One row of a :class:`ReceptiveFieldTable`: the geometry *after* one layer.

    Per-axis values are tuples ordered like the input axes, e.g. ``(H, W)``.

    Attributes
    ----------
    index : int
        Position in the table.
    name : str
        The layer's qualified name (``"features.3"``, ``"layer1.0.conv1"``) or, for a
        function call, its node name in the traced graph (``"add"``, ``"cat_1"``).
    type : str
        Module class (``"Conv2d"``) or function name (``"add"``, ``"flatten"``).
    kind : str
        ``"input"``, ``"conv"``, ``"pool"``, ``"pad"``, ``"crop"``, ``"pointwise"``,
        ``"merge"`` or ``"end"`` (the end of the spatial part).
    kernel, stride, dilation : tuple of int or None
        The layer's hyper-parameters (``None`` for layers without a window).
    padding : tuple of (int, int) or None
        Padding before and after, per axis.
    output_size : tuple of int
        Units along each axis after the layer.
    rf : tuple of int
        Receptive field of one unit, in input pixels.
    jump : tuple of int
        Effective stride: input pixels between neighbouring units.
    start : tuple of Fraction
        Centre of the first unit in input pixel coordinates.
    note : str
        Extra information (the branches of a merge, why the analysis ended).
    """

    index: int
    name: str
    type: str
    kind: str
    kernel: tuple[int, ...] | None
    stride: tuple[int, ...] | None
    padding: tuple[tuple[int, int], ...] | None
    dilation: tuple[int, ...] | None
    output_size: tuple[int, ...]
    rf: tuple[int, ...]
    jump: tuple[int, ...]
    start: tuple[Fraction, ...]
    note: str = ""

    @property
    def receptive_field(self):
        """The receptive field: an int for a square one, else a per-axis tuple."""
        return _square(self.rf)

    @property
    def effective_stride(self):
        """The effective stride (jump): an int when equal on every axis, else a tuple."""
        return _square(self.jump)

    def to_dict(self) -> dict:
        """Return the record as a plain dict (single numbers for square values)."""
        return {
            "index": self.index,
            "name": self.name,
            "type": self.type,
            "kind": self.kind,
            "kernel": None if self.kernel is None else _square(self.kernel),
            "stride": None if self.stride is None else _square(self.stride),
            "padding": _padding_value(self.padding),
            "dilation": None if self.dilation is None else _square(self.dilation),
            "output_size": self.output_size,
            "receptive_field": self.receptive_field,
            "effective_stride": self.effective_stride,
            "start": _square(tuple(float(value) for value in self.start)),
            "note": self.note,
        }

    def cells(self) -> list[str]:
        return [
            str(self.index),
            self.name,
            self.type,
            _fmt_axes(self.kernel),
            _fmt_axes(self.stride),
            _fmt_padding(self.padding),
            _fmt_axes(self.dilation),
            _fmt_size(self.output_size),
            _fmt_axes(self.rf),
            _fmt_axes(self.jump),
            _fmt_axes(self.start),
        ]


class ReceptiveFieldTable(list):
    """The per-layer table :func:`receptive_field` returns: a list of :class:`LayerRecord`.

    It prints as aligned text, shows as an HTML table in a notebook and converts
    with :meth:`to_dicts`. The properties describe the network's output (or, when
    the analysis ended early, the last spatial layer; see :attr:`ended_at`).

    Attributes
    ----------
    input_size : tuple of int
        The spatial input size the table was computed for.
    final : LayerRecord
        The geometry of the output (the largest receptive field when the module
        returns several feature maps).
    ended_at : LayerRecord or None
        The ``"end"`` row when a flatten/reshape or an unsupported layer ended the
        spatial part, else ``None``.
    """

    HEADER = ["#", "layer", "type", "kernel", "stride", "padding", "dilation", "output", "rf", "jump", "start"]

    def __init__(self, records: Iterable[LayerRecord], input_size, final: LayerRecord,
                 ended_at: LayerRecord | None = None):
        super().__init__(records)
        self.input_size = tuple(input_size)
        self.final = final
        self.ended_at = ended_at

    @property
    def receptive_field(self):
        """Receptive field of one output unit in pixels (a tuple when not square)."""
        return self.final.receptive_field

    @property
    def effective_stride(self):
        """Distance in input pixels between neighbouring output units (a tuple when not square)."""
        return self.final.effective_stride

    @property
    def output_size(self) -> tuple[int, ...]:
        """Number of output units along each axis."""
        return self.final.output_size

    @property
    def start(self) -> tuple[Fraction, ...]:
        """Centre of the first output unit, in input pixel coordinates, per axis."""
        return self.final.start

    def to_dicts(self) -> list[dict]:
        """Return the rows as a list of plain dicts (ready for ``pandas.DataFrame``)."""
        return [record.to_dict() for record in self]

    def summary(self) -> str:
        """One sentence: receptive field, effective stride and output size."""
        text = (
            f"receptive field {_fmt_size(self.final.rf)} px, effective stride "
            f"{_fmt_axes(self.final.jump)} px, output {_fmt_size(self.final.output_size)} units "
            f"for a {_fmt_size(self.input_size)} input"
        )
        if self.ended_at is not None:
            text += (
                f"; the spatial part ends at '{self.ended_at.name}' ({self.ended_at.type}): "
                f"{self.ended_at.note}"
            )
        return text

    def _parts(self):
        return list(self.HEADER), [record.cells() for record in self], [self.summary()]

    def __str__(self) -> str:
        return _render_text(*self._parts())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return _render_html(*self._parts())


# ----------------------------------------------------------------------------------------------
# What each layer does
# ----------------------------------------------------------------------------------------------

_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_MAX_POOLS = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)
_AVG_POOLS = (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)
_LP_POOLS = tuple(cls for cls in (getattr(nn, "LPPool1d", None), getattr(nn, "LPPool2d", None),
                                  getattr(nn, "LPPool3d", None)) if cls is not None)

_ACTIVATIONS = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU,
    nn.Mish, nn.Sigmoid, nn.Tanh, nn.Hardtanh, nn.Hardsigmoid, nn.Hardswish, nn.Softplus, nn.Softsign,
    nn.Tanhshrink, nn.Threshold, nn.LogSigmoid, nn.Hardshrink, nn.Softshrink, nn.Softmax2d,
)
_NORMS = (
    nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm, nn.InstanceNorm1d, nn.InstanceNorm2d,
    nn.InstanceNorm3d, nn.GroupNorm, nn.LayerNorm, nn.LocalResponseNorm, nn.CrossMapLRN2d,
)
_DROPOUTS = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)
_PER_CHANNEL_SOFTMAX = (nn.Softmax, nn.Softmin, nn.LogSoftmax, nn.GLU)
_PASS_THROUGH = (nn.Identity, nn.ChannelShuffle)

_UNSUPPORTED_REASONS = [
    ((nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d),
     "a transposed convolution spreads each input unit over several outputs, so its output grid is finer "
     "than its input's and the receptive-field rules do not apply"),
    ((nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d, nn.AdaptiveMaxPool1d,
      nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d),
     "adaptive pooling picks its window from the input size, so its windows differ in size and position"),
    ((nn.Upsample, nn.UpsamplingNearest2d, nn.UpsamplingBilinear2d, nn.PixelShuffle, nn.PixelUnshuffle),
     "upsampling and pixel shuffles change the grid in a way the receptive-field rules do not cover"),
    ((nn.Linear, nn.Bilinear, nn.LazyLinear),
     "a linear layer on a feature map mixes the last (width) axis; flatten first to end the spatial part"),
    ((nn.Fold, nn.Unfold, nn.Unflatten, nn.MaxUnpool1d, nn.MaxUnpool2d, nn.MaxUnpool3d,
      nn.FractionalMaxPool2d, nn.FractionalMaxPool3d),
     "this layer rearranges pixels in a way the receptive-field rules do not cover"),
]

_ELEMENTWISE_FUNCTIONS = {
    operator.add, operator.iadd, operator.sub, operator.isub, operator.mul, operator.imul, operator.truediv,
    operator.itruediv, operator.neg, operator.pos, operator.pow, torch.add, torch.sub, torch.subtract, torch.mul,
    torch.multiply, torch.div, torch.divide, torch.maximum, torch.minimum, torch.where, torch.abs, torch.exp,
    torch.log, torch.sqrt, torch.square, torch.pow, torch.neg, torch.clamp, torch.clip,
}
_NONLINEAR_FUNCTIONS = {
    torch.relu, torch.sigmoid, torch.tanh, F.relu, F.relu6, F.leaky_relu, F.elu, F.selu, F.celu, F.gelu, F.silu,
    F.mish, F.hardtanh, F.hardswish, F.hardsigmoid, F.sigmoid, F.tanh, F.softplus, F.softsign, F.logsigmoid,
    F.prelu, F.dropout, F.dropout1d, F.dropout2d, F.dropout3d, F.alpha_dropout, F.feature_alpha_dropout,
    F.batch_norm, F.instance_norm, F.group_norm, F.layer_norm, F.local_response_norm,
}
_CONCAT_FUNCTIONS = {torch.cat, torch.concat, torch.concatenate}
_CHANNEL_SPLIT_FUNCTIONS = {torch.chunk, torch.split, torch.tensor_split}
_END_FUNCTIONS = {torch.flatten, torch.reshape}
_POOL_FUNCTIONS = {
    F.max_pool1d: ("max", 1), F.max_pool2d: ("max", 2), F.max_pool3d: ("max", 3),
    F.avg_pool1d: ("avg", 1), F.avg_pool2d: ("avg", 2), F.avg_pool3d: ("avg", 3),
}
_CONV_FUNCTIONS = {F.conv1d: 1, F.conv2d: 2, F.conv3d: 3}

_META_METHODS = {"size", "dim", "numel", "ndimension", "nelement", "get_device", "element_size", "is_contiguous"}
_KEEP_METHODS = {
    "contiguous", "clone", "float", "double", "half", "bfloat16", "to", "type", "type_as", "detach", "add", "add_",
    "sub", "sub_", "mul", "mul_", "div", "div_", "abs", "abs_", "exp", "neg", "clamp", "clamp_", "clip", "pow",
    "sqrt", "square", "requires_grad_", "cpu", "cuda",
}
_NONLINEAR_METHODS = {"relu", "relu_", "sigmoid", "sigmoid_", "tanh", "tanh_"}
_END_METHODS = {"flatten", "view", "reshape"}
_SPLIT_METHODS = {"chunk", "split", "tensor_split", "unbind"}


def _ntuple(value, n: int, name: str) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(item) for item in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise ReceptiveFieldError(f"{name} {value} has {len(value)} axes but the input has {n} spatial axes")
    return value


def _padding_pairs(padding, kernel, dilation, n: int) -> tuple[tuple[int, int], ...]:
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            pairs = []
            for axis in range(n):
                total = dilation[axis] * (kernel[axis] - 1)
                pairs.append((total // 2, total - total // 2))
            return tuple(pairs)
        raise ReceptiveFieldError(f"padding={padding!r} is neither 'same', 'valid' nor a number")
    return tuple((p, p) for p in _ntuple(padding, n, "padding"))


def _arg(node: fx.Node, index: int, name: str, default=None):
    if name in node.kwargs:
        return node.kwargs[name]
    if len(node.args) > index:
        return node.args[index]
    return default


def _layer_name(node: fx.Node) -> str:
    return str(node.target) if node.op == "call_module" else node.name


def _type_name(node: fx.Node, modules: Mapping[str, nn.Module]) -> str:
    if node.op == "call_module":
        return type(modules[node.target]).__name__
    if node.op == "call_method":
        return str(node.target)
    return getattr(node.target, "__name__", str(node.target))


def _conv_step(type_name, geometry, kernel, stride, padding, dilation) -> _Step:
    n = geometry.n_axes
    kernel = _ntuple(kernel, n, "kernel_size")
    stride = _ntuple(stride, n, "stride")
    dilation = _ntuple(dilation, n, "dilation")
    pairs = _padding_pairs(padding, kernel, dilation, n)
    new = _window(geometry, kernel, stride, pairs, dilation)
    return _Step("conv", type_name, new, kernel, stride, pairs, dilation)


def _pool_step(type_name, geometry, kind, kernel, stride, padding, dilation, ceil_mode, return_indices=False):
    n = geometry.n_axes
    kernel = _ntuple(kernel, n, "kernel_size")
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _ntuple(
        stride, n, "stride")
    dilation = _ntuple(dilation, n, "dilation")
    pairs = _padding_pairs(padding, kernel, dilation, n)
    new = _window(geometry, kernel, stride, pairs, dilation, ceil_mode=bool(ceil_mode))
    options = None
    linearise = None
    if kind == "max":
        linearise = "max_pool"
        options = {"kernel": kernel, "stride": stride, "padding": tuple(lo for lo, _ in pairs),
                   "dilation": dilation, "ceil_mode": bool(ceil_mode), "return_indices": bool(return_indices)}
    if return_indices:
        new = _TupleGeometry(new)
    return _Step("pool", type_name, new, kernel, stride, pairs, dilation, linearise=linearise,
                 pool_options=options)


def _module_step(module: nn.Module, type_name: str, geometry: _Geometry):
    n = geometry.n_axes
    if isinstance(module, _CONVS):
        return _conv_step(type_name, geometry, module.kernel_size, module.stride, module.padding, module.dilation)
    if isinstance(module, _MAX_POOLS):
        return _pool_step(type_name, geometry, "max", module.kernel_size, module.stride, module.padding,
                          module.dilation, module.ceil_mode, module.return_indices)
    if isinstance(module, _AVG_POOLS):
        return _pool_step(type_name, geometry, "avg", module.kernel_size, module.stride, module.padding, 1,
                          module.ceil_mode)
    if _LP_POOLS and isinstance(module, _LP_POOLS):
        return _pool_step(type_name, geometry, "lp", module.kernel_size, module.stride, 0, 1, module.ceil_mode)
    if type(module).__module__ == "torch.nn.modules.padding" and hasattr(module, "padding"):
        return _pad_step(type_name, geometry, module.padding)
    if isinstance(module, _ACTIVATIONS + _NORMS + _DROPOUTS):
        return _Step("pointwise", type_name, geometry, linearise="identity")
    if isinstance(module, _PASS_THROUGH):
        return _Step("pointwise", type_name, geometry)
    if isinstance(module, _PER_CHANNEL_SOFTMAX):
        dim = getattr(module, "dim", None)
        if dim is not None and _is_channel_dim(dim, n):
            return _Step("pointwise", type_name, geometry, linearise="identity")
        raise UnsupportedLayerError(f"{type_name} with dim={dim} works across a spatial axis, not per pixel")
    if isinstance(module, nn.Flatten):
        return _End(type_name, "flatten ends the spatial part; the layers after it are not analysed")
    for classes, reason in _UNSUPPORTED_REASONS:
        if isinstance(module, classes):
            raise UnsupportedLayerError(reason)
    raise UnsupportedLayerError("the calculator does not know how this module changes the pixel grid")


def _pad_step(type_name, geometry: _Geometry, pad) -> _Step:
    """``pad`` in :func:`torch.nn.functional.pad` order: last axis first, (before, after) pairs."""
    n = geometry.n_axes
    pad = tuple(int(value) for value in pad)
    if len(pad) % 2 or len(pad) > 2 * n:
        raise UnsupportedLayerError(f"padding {pad} pads more than the {n} spatial axes")
    pairs = [(0, 0)] * n
    for i in range(len(pad) // 2):
        pairs[n - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    pairs = tuple(pairs)
    return _Step("pad", type_name, _pad(geometry, pairs), padding=pairs)


def _is_channel_dim(dim, n_axes: int) -> bool:
    rank = n_axes + 2
    return isinstance(dim, int) and (dim % rank) == 1


def _merge_step(node: fx.Node, type_name: str, inputs: list[tuple[fx.Node, _Geometry]], linearise=None) -> _Step:
    first_node, first = inputs[0]
    for other_node, other in inputs[1:]:
        if not first.aligned_with(other):
            raise MisalignedBranchesError(
                f"the branches merged at '{_layer_name(node)}' ({type_name}) are not aligned: "
                f"'{_layer_name(first_node)}' has {first.describe()}, while '{_layer_name(other_node)}' has "
                f"{other.describe()}. Merged branches must have the same size, jump and start on every axis"
            )
    rf = tuple(max(geometry.rf[axis] for _, geometry in inputs) for axis in range(first.n_axes))
    merged = _Geometry(first.size, rf, first.jump, first.start)
    note = "max of " + ", ".join(f"{_fmt_axes(geometry.rf)} ({_layer_name(source)})" for source, geometry in inputs)
    return _Step("merge", type_name, merged, note=note, linearise=linearise)


def _index_step(type_name, geometry: _Geometry, index) -> _Step:
    """``x[...]`` on a feature map: batch/channel indexing keeps the grid, slices crop it."""
    n = geometry.n_axes
    rank = n + 2
    items = index if isinstance(index, tuple) else (index,)
    if any(item is None for item in items):
        raise UnsupportedLayerError("indexing with None adds an axis")
    if Ellipsis in items:
        position = items.index(Ellipsis)
        fill = rank - (len(items) - 1)
        items = items[:position] + (slice(None),) * fill + items[position + 1:]
    items = tuple(items) + (slice(None),) * (rank - len(items))
    if len(items) != rank:
        raise UnsupportedLayerError(f"index {index!r} does not fit a {rank}-d feature map")
    if not all(isinstance(item, (int, slice)) for item in items):
        raise UnsupportedLayerError(f"index {index!r} uses tensors or other objects")
    if isinstance(items[0], int) or isinstance(items[1], int):
        raise UnsupportedLayerError(f"index {index!r} drops the batch or channel axis")
    spatial = items[2:]
    if any(not isinstance(item, slice) for item in spatial):
        raise UnsupportedLayerError(f"index {index!r} picks single rows or columns")
    if all(item == slice(None) for item in spatial):
        return _Step("pointwise", type_name, geometry)
    return _Step("crop", type_name, _crop(geometry, spatial))


def _function_step(node: fx.Node, gm: fx.GraphModule, type_name: str, inputs, geoms) -> Any:
    target = node.target
    if target is operator.getitem:
        source = node.args[0]
        source_geometry = geoms.get(source) if isinstance(source, fx.Node) else None
        if isinstance(source_geometry, _TupleGeometry):
            return _Step("pointwise", type_name, source_geometry.element)
        if isinstance(source_geometry, _Geometry):
            return _index_step(type_name, source_geometry, node.args[1])
        raise UnsupportedLayerError("indexing into a list that holds feature maps")
    geometry = inputs[0][1]
    n = geometry.n_axes
    if target is builtins.getattr:
        return _Step("meta", type_name, None)
    if target in _CONCAT_FUNCTIONS:
        dim = _arg(node, 1, "dim", 0)
        if isinstance(dim, int) and dim % (n + 2) >= 2:
            raise UnsupportedLayerError(f"concatenation along dim={dim} joins feature maps along a spatial axis")
        return _merge_step(node, type_name, inputs) if len(inputs) > 1 else _Step("pointwise", type_name, geometry)
    if target in _ELEMENTWISE_FUNCTIONS or target in _NONLINEAR_FUNCTIONS:
        linearise = "identity" if target in _NONLINEAR_FUNCTIONS else None
        if len(inputs) > 1:
            return _merge_step(node, type_name, inputs, linearise=None)
        return _Step("pointwise", type_name, geometry, linearise=linearise)
    if target in _CHANNEL_SPLIT_FUNCTIONS:
        dim = _arg(node, 2, "dim", 0)
        if isinstance(dim, int) and _is_channel_dim(dim, n):
            return _Step("tuple", type_name, _TupleGeometry(geometry))
        raise UnsupportedLayerError(f"splitting along dim={dim} cuts the pixel grid")
    if target in _END_FUNCTIONS:
        return _End(type_name, "flatten/reshape ends the spatial part; the layers after it are not analysed")
    if target is F.pad:
        mode = _arg(node, 2, "mode", "constant")
        return _pad_step(f"{type_name} ({mode})", geometry, _arg(node, 1, "pad"))
    if target in _POOL_FUNCTIONS:
        kind, dims = _POOL_FUNCTIONS[target]
        _check_dims(type_name, dims, n)
        if kind == "max":
            return _pool_step(type_name, geometry, "max", _arg(node, 1, "kernel_size"), _arg(node, 2, "stride"),
                              _arg(node, 3, "padding", 0), _arg(node, 4, "dilation", 1),
                              _arg(node, 5, "ceil_mode", False), _arg(node, 6, "return_indices", False))
        return _pool_step(type_name, geometry, "avg", _arg(node, 1, "kernel_size"), _arg(node, 2, "stride"),
                          _arg(node, 3, "padding", 0), 1, _arg(node, 4, "ceil_mode", False))
    if target in _CONV_FUNCTIONS:
        _check_dims(type_name, _CONV_FUNCTIONS[target], n)
        weight = _arg(node, 1, "weight")
        if not (isinstance(weight, fx.Node) and weight.op == "get_attr"):
            raise UnsupportedLayerError("the convolution's weight is computed in forward, so its size is unknown")
        kernel = tuple(_fetch_attr(gm, weight.target).shape[2:])
        return _conv_step(type_name, geometry, kernel, _arg(node, 3, "stride", 1), _arg(node, 4, "padding", 0),
                          _arg(node, 5, "dilation", 1))
    if target in (F.interpolate, F.upsample, F.pixel_shuffle, F.adaptive_avg_pool2d, F.adaptive_max_pool2d,
                  F.conv_transpose2d, F.linear):
        raise UnsupportedLayerError("this function changes the pixel grid in a way the rules do not cover")
    raise UnsupportedLayerError("the calculator does not know how this function changes the pixel grid")


def _method_step(node: fx.Node, type_name: str, inputs) -> Any:
    method = node.target
    geometry = inputs[0][1]
    n = geometry.n_axes
    if method in _META_METHODS:
        return _Step("meta", type_name, None)
    if method in _KEEP_METHODS or method in _NONLINEAR_METHODS:
        if len(inputs) > 1:
            return _merge_step(node, type_name, inputs)
        return _Step("pointwise", type_name, geometry,
                     linearise="identity" if method in _NONLINEAR_METHODS else None)
    if method in _END_METHODS:
        return _End(type_name, "flatten/reshape ends the spatial part; the layers after it are not analysed")
    if method in _SPLIT_METHODS:
        dim = _arg(node, 2, "dim", 0) if method != "unbind" else _arg(node, 1, "dim", 0)
        if isinstance(dim, int) and _is_channel_dim(dim, n):
            return _Step("tuple", type_name, _TupleGeometry(geometry))
        raise UnsupportedLayerError(f"splitting along dim={dim} cuts the pixel grid")
    raise UnsupportedLayerError(f"the calculator does not know how the tensor method .{method}() changes the grid")


def _check_dims(type_name: str, dims: int, n_axes: int) -> None:
    if dims != n_axes:
        raise ReceptiveFieldError(f"{type_name} works on {dims} spatial axes but the input has {n_axes}")


def _fetch_attr(gm: fx.GraphModule, target: str):
    value = gm
    for part in target.split("."):
        value = getattr(value, part)
    return value


# ----------------------------------------------------------------------------------------------
# Tracing and the analysis
# ----------------------------------------------------------------------------------------------


def _trace(module: nn.Module) -> fx.GraphModule:
    if not isinstance(module, nn.Module):
        raise ValueError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    try:
        return fx.symbolic_trace(module)
    except Exception as error:  # torch.fx raises many kinds of errors on untraceable code
        raise ReceptiveFieldError(
            f"could not trace {type(module).__name__} with torch.fx ({type(error).__name__}: {error}). "
            "Control flow that depends on tensor values cannot be traced; analyse the spatial part "
            "(e.g. an nn.Sequential of its layers) instead"
        ) from error


def _spatial_size(input_size) -> tuple[int, ...]:
    if isinstance(input_size, (int, np.integer)) and not isinstance(input_size, bool):
        sizes = (int(input_size), int(input_size))
    elif isinstance(input_size, (tuple, list, torch.Size)) and 1 <= len(input_size) <= 3:
        sizes = tuple(int(size) for size in input_size)
    else:
        raise ValueError(
            f"input_size must be an int (a square image) or the spatial size (H, W) (or (L,) for 1-d), "
            f"got {input_size!r}"
        )
    if any(size < 1 for size in sizes):
        raise ValueError(f"input_size must be positive, got {input_size!r}")
    return sizes


@dataclass
class _Analysis:
    gm: fx.GraphModule
    records: list[LayerRecord]
    steps: dict  # fx.Node -> _Step
    final: LayerRecord
    final_node: fx.Node
    ended_at: LayerRecord | None
    input_size: tuple[int, ...]
    input_nodes: list[fx.Node] = field(default_factory=list)

    def table(self, include_pointwise: bool) -> ReceptiveFieldTable:
        kept = [record for record in self.records if include_pointwise or record.kind != "pointwise"]
        renumbered = {record.index: _renumber(record, i) for i, record in enumerate(kept)}
        records = list(renumbered.values())
        ended = renumbered[self.ended_at.index] if self.ended_at is not None else None
        final = renumbered.get(self.final.index, self.final)
        return ReceptiveFieldTable(records, self.input_size, final, ended)


def _renumber(record: LayerRecord, index: int) -> LayerRecord:
    return LayerRecord(index, *[getattr(record, name) for name in
                                ("name", "type", "kind", "kernel", "stride", "padding", "dilation", "output_size",
                                 "rf", "jump", "start", "note")])


def _record(index, name, type_name, kind, geometry: _Geometry, step: _Step | None = None, note="") -> LayerRecord:
    return LayerRecord(
        index=index, name=name, type=type_name, kind=kind,
        kernel=step.kernel if step else None, stride=step.stride if step else None,
        padding=step.padding if step else None, dilation=step.dilation if step else None,
        output_size=geometry.size, rf=geometry.rf, jump=geometry.jump, start=geometry.start,
        note=note or (step.note if step else ""),
    )


def _analyse(gm: fx.GraphModule, input_size: tuple[int, ...], stop_at_unsupported: bool) -> _Analysis:
    n = len(input_size)
    modules = dict(gm.named_modules())
    geoms: dict[fx.Node, Any] = {}
    steps: dict[fx.Node, _Step] = {}
    records: list[LayerRecord] = []
    input_geometry = _Geometry(input_size, (1,) * n, (1,) * n, (Fraction(0),) * n)
    last_for: dict[fx.Node, LayerRecord] = {}
    input_nodes = []
    for node in gm.graph.nodes:
        if node.op == "placeholder":
            geoms[node] = input_geometry
            record = _record(len(records), str(node.target), "input", "input", input_geometry)
            records.append(record)
            last_for[node] = record
            input_nodes.append(node)
            continue
        if node.op == "get_attr":
            geoms[node] = None
            continue
        inputs = []
        fx.node.map_arg((node.args, node.kwargs), lambda arg: inputs.append(arg))
        spatial = [(arg, geoms[arg]) for arg in dict.fromkeys(inputs) if geoms.get(arg) is not None]
        if node.op == "output":
            outputs = [(arg, geometry) for arg, geometry in spatial if isinstance(geometry, _Geometry)]
            if not outputs:
                raise ReceptiveFieldError("the module's output does not depend on a feature map of its input")
            final_node, final_geometry = max(outputs, key=lambda item: math.prod(item[1].rf))
            return _Analysis(gm, records, steps, last_for[final_node], final_node, None, input_size, input_nodes)
        if not spatial:
            geoms[node] = None
            continue
        type_name = _type_name(node, modules)
        name = _layer_name(node)
        try:
            plain = [(arg, geometry) for arg, geometry in spatial if isinstance(geometry, _Geometry)]
            if not plain and not (node.op == "call_function" and node.target is operator.getitem):
                raise UnsupportedLayerError("it takes a tuple of feature maps")
            if node.op == "call_module":
                if len(plain) != 1:
                    raise UnsupportedLayerError("a layer with several feature-map inputs")
                step = _module_step(modules[node.target], type_name, plain[0][1])
            elif node.op == "call_function":
                step = _function_step(node, gm, type_name, plain or spatial, geoms)
            else:
                step = _method_step(node, type_name, plain)
        except ReceptiveFieldError as error:
            if isinstance(error, MisalignedBranchesError):
                raise
            message = f"cannot follow the receptive field through layer '{name}' ({type_name}): {error}"
            if not isinstance(error, UnsupportedLayerError):
                raise ReceptiveFieldError(message) from None
            if not stop_at_unsupported:
                raise UnsupportedLayerError(
                    message + ". Pass stop_at_unsupported=True to end the analysis before it"
                ) from None
            step = _End(type_name, f"unsupported: {error}")
        if isinstance(step, _End):
            candidates = [(arg, geometry.element if isinstance(geometry, _TupleGeometry) else geometry)
                          for arg, geometry in spatial]
            feed_node, feed = max(candidates, key=lambda item: math.prod(item[1].rf))
            end = _record(len(records), name, step.type_name, "end", feed, note=step.reason)
            records.append(end)
            return _Analysis(gm, records, steps, end, feed_node, end, input_size, input_nodes)
        steps[node] = step
        geoms[node] = step.geometry
        if step.kind in ("meta", "tuple") or not isinstance(step.geometry, _Geometry):
            if isinstance(step.geometry, _TupleGeometry):
                last_for[node] = last_for.get(spatial[0][0])
            continue
        kind = step.kind
        record = _record(len(records), name, step.type_name, kind, step.geometry, step)
        records.append(record)
        last_for[node] = record
    raise ReceptiveFieldError("the traced graph has no output")  # pragma: no cover


def receptive_field(module: nn.Module, input_size, *, stop_at_unsupported: bool = False,
                    include_pointwise: bool = False) -> ReceptiveFieldTable:
    """Compute the receptive field of every layer of ``module``, analytically.

    Parameters
    ----------
    module : torch.nn.Module
        Any module that :func:`torch.fx.symbolic_trace` can trace: an
        ``nn.Sequential``, a torchvision trunk, a custom module with residual
        branches. Every tensor input is taken to lie on the same pixel grid.
    input_size : int or tuple of int
        The spatial size of the input: an int for a square image, ``(H, W)``, or
        ``(L,)`` for 1-d signals.
    stop_at_unsupported : bool, default False
        When a layer cannot be analysed (a transposed convolution, adaptive
        pooling, upsampling, a linear layer on a feature map, an unknown function),
        end the table there with an ``"end"`` row instead of raising
        :class:`UnsupportedLayerError`. A flatten or reshape always ends the
        spatial part this way.
    include_pointwise : bool, default False
        Also list layers that keep the geometry (activations, normalisations,
        dropout, identity). Merges (residual additions, concatenations) are always
        listed.

    Returns
    -------
    ReceptiveFieldTable
        One :class:`LayerRecord` per layer, starting with the input; the table's
        ``receptive_field``, ``effective_stride`` and ``output_size`` describe the output.

    Raises
    ------
    UnsupportedLayerError
        A layer the rules do not cover (the message names it).
    MisalignedBranchesError
        Merged branches with different sizes, jumps or starts.
    ReceptiveFieldError
        The input is too small for a layer, or the module cannot be traced.

    Examples
    --------
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(8, 1, 3, padding=1))
    >>> table = receptive_field(net, 64)
    >>> table.receptive_field, table.effective_stride, table.output_size
    (7, 2, (32, 32))
    """
    sizes = _spatial_size(input_size)
    analysis = _analyse(_trace(module), sizes, stop_at_unsupported)
    return analysis.table(include_pointwise)


def unit_region(table: ReceptiveFieldTable, unit, clip: bool = True) -> tuple[tuple[int, int], ...]:
    """Return the input pixels one output unit sees, as ``(first, last)`` per axis (inclusive).

    Parameters
    ----------
    table : ReceptiveFieldTable
        The result of :func:`receptive_field`.
    unit : int or tuple of int
        The output unit's index, e.g. ``(row, col)``; an int means the same index on every axis.
    clip : bool, default True
        Clip the region to the image. A unit near the border has part of its
        receptive field in the padding; ``clip=False`` returns the full region.
    """
    unit = _unit_tuple(unit, table.output_size)
    final = table.final
    region = []
    for axis, index in enumerate(unit):
        centre = final.start[axis] + index * final.jump[axis]
        half = Fraction(final.rf[axis] - 1, 2)
        first, last = centre - half, centre + half
        if first.denominator != 1 or last.denominator != 1:  # pragma: no cover - impossible by construction
            raise ReceptiveFieldError(f"region {first}..{last} does not fall on pixel boundaries")
        first, last = int(first), int(last)
        if clip:
            first, last = max(first, 0), min(last, table.input_size[axis] - 1)
        region.append((first, last))
    return tuple(region)


def coverage_map(table: ReceptiveFieldTable) -> np.ndarray:
    """Count, for every input pixel, how many output units see it.

    Parameters
    ----------
    table : ReceptiveFieldTable
        From :func:`receptive_field`.

    Returns
    -------
    numpy.ndarray of int
        Shaped like the input (``table.input_size``). For a patch discriminator it
        says how many patch verdicts each pixel takes part in.
    """
    counts = []
    for axis, n in enumerate(table.input_size):
        count = np.zeros(n, dtype=np.int64)
        for index in range(table.output_size[axis]):
            unit = [0] * len(table.input_size)
            unit[axis] = index
            first, last = unit_region(table, tuple(unit))[axis]
            count[first:last + 1] += 1
        counts.append(count)
    result = counts[0]
    for count in counts[1:]:
        result = np.multiply.outer(result, count)
    return result


def region_fraction(table: ReceptiveFieldTable, mask) -> np.ndarray:
    """Return, for every output unit, the fraction of its (clipped) region where ``mask`` is 1.

    With an inpainting mask (1 = missing pixel) this says how much of each patch
    verdict of a patch discriminator is about generated pixels: 1 for a unit that
    sees only the hole, 0 for one that sees only known pixels.

    Parameters
    ----------
    table : ReceptiveFieldTable
        From :func:`receptive_field` for a 2-d input of the mask's size.
    mask : torch.Tensor or numpy.ndarray
        ``(H, W)`` (or ``(1, 1, H, W)``) array of 0s and 1s.

    Returns
    -------
    numpy.ndarray
        Shaped like the output map, values in [0, 1].
    """
    array = mask.detach().cpu().numpy() if isinstance(mask, torch.Tensor) else np.asarray(mask)
    array = np.squeeze(array).astype(np.float64)
    if array.shape != table.input_size:
        raise ValueError(f"mask has shape {array.shape} but the table is for a {_fmt_size(table.input_size)} input")
    integral = np.zeros((array.shape[0] + 1, array.shape[1] + 1))
    integral[1:, 1:] = array.cumsum(0).cumsum(1)
    fractions = np.zeros(table.output_size)
    for i in range(table.output_size[0]):
        for j in range(table.output_size[1]):
            (top, bottom), (left, right) = unit_region(table, (i, j))
            total = (integral[bottom + 1, right + 1] - integral[top, right + 1] - integral[bottom + 1, left]
                     + integral[top, left])
            fractions[i, j] = total / ((bottom - top + 1) * (right - left + 1))
    return fractions


def _unit_tuple(unit, output_size) -> tuple[int, ...]:
    if isinstance(unit, (int, np.integer)) and not isinstance(unit, bool):
        unit = (int(unit),) * len(output_size)
    unit = tuple(int(index) for index in unit)
    if len(unit) != len(output_size) or any(not 0 <= i < n for i, n in zip(unit, output_size)):
        raise ValueError(f"unit={unit!r} is not a unit of the {_fmt_size(output_size)} output map")
    return unit


# ----------------------------------------------------------------------------------------------
# The course report's recurrence
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecurrenceStep:
    """One step of the backward recurrence ``r_in = s * r_out + (k - s)``.

    ``extra`` marks a step that applies no real layer (the report's extra step).
    """

    step: int
    layer: str
    kernel: int
    stride: int
    r_out: int
    r_in: int
    extra: bool = False


def _layer_list(layers) -> list[tuple[str, int, int]]:
    if isinstance(layers, ReceptiveFieldTable):
        result = []
        for record in layers:
            if record.kernel is None:
                continue
            kernel = _square(tuple(d * (k - 1) + 1 for k, d in zip(record.kernel, record.dilation)))
            stride = _square(record.stride)
            if isinstance(kernel, tuple) or isinstance(stride, tuple):
                raise ValueError(f"layers: layer '{record.name}' is not square; the recurrence needs one number")
            result.append((f"{record.name} ({record.type})", kernel, stride))
        return result
    result = []
    for i, item in enumerate(layers, start=1):
        item = tuple(item)
        if len(item) == 2:
            result.append((f"layer {i}", int(item[0]), int(item[1])))
        elif len(item) == 3:
            result.append((str(item[0]), int(item[1]), int(item[2])))
        else:
            raise ValueError(f"layers must hold (kernel, stride) or (name, kernel, stride) items, got {item!r}")
    return result


class RecurrenceTable(list):
    """The steps of :func:`report_recurrence`, from the output unit back to the image."""

    HEADER = ["step", "applies", "k", "s", "r_out", "r_in = s·r_out + (k − s)"]

    @property
    def receptive_field(self) -> int:
        """The last ``r_in``: the receptive field the recurrence arrives at."""
        return self[-1].r_in if self else 1

    @property
    def values(self) -> list[int]:
        """The sequence ``1, r_1, r_2, ...`` (the report's 1 → 3 → 5 → 11 → 23 → 47)."""
        return [1] + [step.r_in for step in self]

    def to_dicts(self) -> list[dict]:
        """Return the steps as plain dicts."""
        return [step.__dict__.copy() for step in self]

    def _parts(self):
        body = [[str(s.step), s.layer, str(s.kernel), str(s.stride), str(s.r_out), str(s.r_in)] for s in self]
        footer = ["r: " + " → ".join(str(value) for value in self.values)]
        return list(self.HEADER), body, footer

    def __str__(self) -> str:
        return _render_text(*self._parts())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return _render_html(*self._parts())


def report_recurrence(layers, extra_steps: int = 1) -> RecurrenceTable:
    """Apply the backward recurrence ``r_in = s * r_out + (k - s)`` from one output unit.

    Starting from ``r = 1`` at the output, each step walks back through one layer
    (last layer first). With ``extra_steps=0`` this gives the true receptive field of
    a chain; the course report applied it once more than there are layers, reusing
    the first layer's kernel and stride, and got 47 instead of 23 for its patch
    discriminator.

    Parameters
    ----------
    layers : ReceptiveFieldTable or sequence
        A table from :func:`receptive_field` (its convolutions and poolings, in
        order) or a sequence of ``(kernel, stride)`` or ``(name, kernel, stride)``
        items, first layer first.
    extra_steps : int, default 1
        How many steps to apply after the layers run out (the report's mistake: 1).

    Returns
    -------
    RecurrenceTable

    Examples
    --------
    >>> report_recurrence([(3, 2), (3, 2), (3, 1), (3, 2)]).values
    [1, 3, 5, 11, 23, 47]
    >>> report_recurrence([(3, 2), (3, 2), (3, 1), (3, 2)], extra_steps=0).receptive_field
    23
    """
    if not isinstance(extra_steps, (int, np.integer)) or extra_steps < 0:
        raise ValueError(f"extra_steps must be a non-negative int, got {extra_steps!r}")
    chain = _layer_list(layers)
    if not chain:
        raise ValueError("layers holds no convolution or pooling layer")
    table = RecurrenceTable()
    r = 1
    plan = [(name, k, s, False) for name, k, s in reversed(chain)]
    _, first_k, first_s = chain[0]
    plan += [("(no layer: extra step)", first_k, first_s, True)] * int(extra_steps)
    for i, (name, k, s, extra) in enumerate(plan, start=1):
        r_in = s * r + (k - s)
        table.append(RecurrenceStep(i, name, k, s, r, r_in, extra))
        r = r_in
    return table


class RecurrenceComparison(list):
    """Rows of :func:`compare_with_report`: the correct recurrence next to the report's."""

    HEADER = ["step", "applies", "k", "s", "r (correct)", "r (report)"]

    def __init__(self, rows, correct: RecurrenceTable, report: RecurrenceTable):
        super().__init__(rows)
        self.correct = correct
        self.report = report

    def _parts(self):
        footer = [
            f"correct: {self.correct.receptive_field} px after {len(self.correct)} layers; "
            f"report: {self.report.receptive_field} px after {len(self.report)} steps "
            f"({len(self.report) - len(self.correct)} more than there are layers)"
        ]
        return list(self.HEADER), [list(row) for row in self], footer

    def __str__(self) -> str:
        return _render_text(*self._parts())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return _render_html(*self._parts())


def compare_with_report(layers, extra_steps: int = 1) -> RecurrenceComparison:
    """Show the correct backward recurrence and the report's (with ``extra_steps``) side by side.

    Parameters are those of :func:`report_recurrence`. Each row is one step from
    the output back to the image: ``(step, layer, k, s, correct r, report r)``;
    the correct column is ``"-"`` on the extra steps.
    """
    correct = report_recurrence(layers, extra_steps=0)
    report = report_recurrence(layers, extra_steps=extra_steps)
    rows = [("0", "output unit", "-", "-", "1", "1")]
    for step in report:
        correct_r = "-" if step.extra else str(correct[step.step - 1].r_in)
        rows.append((str(step.step), step.layer, str(step.kernel), str(step.stride), correct_r, str(step.r_in)))
    return RecurrenceComparison(rows, correct, report)


# ----------------------------------------------------------------------------------------------
# The gradient check
# ----------------------------------------------------------------------------------------------


class _AveragingPool(nn.Module):
    """A max pooling's window with equal positive weights (so no pixel's gradient is zeroed)."""

    def __init__(self, kernel, stride, padding, dilation, ceil_mode, return_indices):
        super().__init__()
        self.kernel, self.stride, self.padding = tuple(kernel), tuple(stride), tuple(padding)
        self.dilation, self.ceil_mode, self.return_indices = tuple(dilation), ceil_mode, return_indices

    def forward(self, x):
        n = len(self.kernel)
        channels = x.shape[1]
        pads = []
        for axis in reversed(range(n)):
            size = x.shape[2 + axis]
            k_eff = self.dilation[axis] * (self.kernel[axis] - 1) + 1
            span = size + 2 * self.padding[axis] - k_eff
            out = (-(-span // self.stride[axis]) if self.ceil_mode else span // self.stride[axis]) + 1
            if self.ceil_mode and (out - 1) * self.stride[axis] >= size + self.padding[axis]:
                out -= 1
            extra = max(0, (out - 1) * self.stride[axis] + k_eff - (size + 2 * self.padding[axis]))
            pads += [self.padding[axis], self.padding[axis] + extra]
        x = F.pad(x, pads)
        weight = x.new_full((channels, 1, *self.kernel), 1.0 / math.prod(self.kernel))
        conv = (F.conv1d, F.conv2d, F.conv3d)[n - 1]
        y = conv(x, weight, None, self.stride, 0, self.dilation, channels)
        if self.return_indices:
            return y, torch.zeros(y.shape, dtype=torch.long, device=y.device)
        return y


def _first_in_channels(module: nn.Module) -> int:
    for submodule in module.modules():
        if isinstance(submodule, _CONVS):
            return int(submodule.in_channels)
    return 3


class _GradientProbe:
    """A float64 eval-mode copy of a module, cut at its spatial output, for gradient checks."""

    def __init__(self, module: nn.Module, input_size, *, linearise=True, seed=0, stop_at_unsupported=False,
                 in_channels=None):
        self.input_size = _spatial_size(input_size)
        gm = _trace(copy.deepcopy(module))
        analysis = _analyse(gm, self.input_size, stop_at_unsupported)
        self.table = analysis.table(include_pointwise=False)
        if len(analysis.input_nodes) != 1:
            raise ValueError(
                f"the gradient check needs a module with one input; this one takes {len(analysis.input_nodes)}"
            )
        graph = gm.graph
        output = next(node for node in graph.nodes if node.op == "output")
        output.args = (analysis.final_node,)
        if linearise:
            self._linearise(gm, analysis)
        graph.eliminate_dead_code()
        gm.recompile()
        gm = gm.double().eval()
        if linearise:
            generator = torch.Generator().manual_seed(int(seed))
            with torch.no_grad():
                for parameter in gm.parameters():
                    if parameter.ndim >= 2:
                        fan_in = parameter[0].numel()
                        values = torch.rand(parameter.shape, generator=generator, dtype=torch.float64) + 0.5
                        parameter.copy_(values / fan_in)
                    else:
                        parameter.fill_(1.0)
        for parameter in gm.parameters():
            parameter.requires_grad_(False)
        self.gm = gm
        self.in_channels = int(in_channels) if in_channels is not None else _first_in_channels(module)

    @staticmethod
    def _linearise(gm: fx.GraphModule, analysis: _Analysis) -> None:
        graph = gm.graph
        for index, (node, step) in enumerate(list(analysis.steps.items())):
            if node.graph is not graph:
                continue
            if step.linearise == "identity":
                source = next(arg for arg in node.all_input_nodes if arg.op != "get_attr")
                node.replace_all_uses_with(source)
                graph.erase_node(node)
            elif step.linearise == "max_pool":
                options = step.pool_options
                pool = _AveragingPool(options["kernel"], options["stride"], options["padding"], options["dilation"],
                                      options["ceil_mode"], options["return_indices"])
                name = f"_averaging_pool_{index}"
                gm.add_submodule(name, pool)
                source = next(arg for arg in node.all_input_nodes if arg.op != "get_attr")
                with graph.inserting_after(node):
                    replacement = graph.call_module(name, (source,))
                node.replace_all_uses_with(replacement)
                graph.erase_node(node)

    def gradient(self, unit, image=None) -> tuple[np.ndarray, tuple[int, ...], tuple[int, ...]]:
        if image is None:
            x = torch.ones((1, self.in_channels, *self.input_size), dtype=torch.float64)
        else:
            x = image.detach().to(torch.float64).clone()
        x.requires_grad_(True)
        out = self.gm(x)
        if not isinstance(out, torch.Tensor) or out.ndim != len(self.input_size) + 2:
            raise ReceptiveFieldError("the module's spatial output is not a (N, C, *spatial) tensor")
        output_size = tuple(out.shape[2:])
        unit = _unit_tuple(unit, output_size) if unit is not None else tuple(size // 2 for size in output_size)
        selected = out[(0, slice(None)) + unit].sum()
        (grad,) = torch.autograd.grad(selected, x)
        return grad[0].abs().sum(0).numpy(), unit, output_size

    def measure(self, unit=None, image=None) -> "EmpiricalReceptiveField":
        grad, unit, output_size = self.gradient(unit, image)
        nonzero = np.nonzero(grad > 0)
        if len(nonzero[0]) == 0:
            raise ReceptiveFieldError(f"output unit {unit} has a zero gradient everywhere")
        bounds = tuple((int(axis.min()), int(axis.max())) for axis in nonzero)
        return EmpiricalReceptiveField(
            unit=unit,
            input_size=self.input_size,
            output_size=output_size,
            bounds=bounds,
            expected_bounds=unit_region(self.table, unit, clip=False),
            gradient=grad,
        )


@dataclass(frozen=True)
class EmpiricalReceptiveField:
    """What :func:`empirical_receptive_field` measured for one output unit.

    Attributes
    ----------
    unit : tuple of int
        The output unit, e.g. ``(row, col)``.
    input_size, output_size : tuple of int
        Spatial sizes of the input and of the output map.
    bounds : tuple of (int, int)
        First and last input pixel with a non-zero gradient, per axis (inclusive).
    expected_bounds : tuple of (int, int)
        The analytic region of the unit, *not* clipped to the image.
    gradient : numpy.ndarray
        Absolute input gradient summed over channels, shaped like the input.
    """

    unit: tuple[int, ...]
    input_size: tuple[int, ...]
    output_size: tuple[int, ...]
    bounds: tuple[tuple[int, int], ...]
    expected_bounds: tuple[tuple[int, int], ...]
    gradient: np.ndarray = field(repr=False, compare=False)

    @property
    def size(self) -> tuple[int, ...]:
        """Measured extent in pixels per axis."""
        return tuple(last - first + 1 for first, last in self.bounds)

    @property
    def receptive_field(self):
        """Measured extent: an int when square, else a per-axis tuple."""
        return _square(self.size)

    @property
    def box(self) -> tuple[int, int, int, int]:
        """``(top, left, bottom, right)`` inclusive, for 2-d inputs."""
        if len(self.bounds) != 2:
            raise ValueError("box is defined for 2-d inputs; use bounds")
        (top, bottom), (left, right) = self.bounds
        return top, left, bottom, right

    @property
    def truncated(self) -> bool:
        """Whether the analytic region runs past the image border (the unit sees padding)."""
        return any(first < 0 or last > n - 1 for (first, last), n in zip(self.expected_bounds, self.input_size))

    @property
    def agrees(self) -> bool:
        """Whether the measured region equals the analytic region clipped to the image."""
        clipped = tuple((max(first, 0), min(last, n - 1)) for (first, last), n in
                        zip(self.expected_bounds, self.input_size))
        return clipped == self.bounds


def empirical_receptive_field(module: nn.Module, input_size, unit=None, *, linearise: bool = True, seed: int = 0,
                              in_channels: int | None = None,
                              stop_at_unsupported: bool = False) -> EmpiricalReceptiveField:
    """Measure one output unit's receptive field from input gradients.

    A float64 copy of ``module`` in eval mode is cut at its spatial output (see
    :func:`receptive_field`) and, with ``linearise=True``, made linear: max pooling
    becomes an average over the same window, activations, normalisations and
    dropout become the identity, and every weight becomes a random positive number
    (biases and scales 1). Then no pixel's gradient is hidden by a ReLU, a max or a
    cancellation, and the non-zero gradient marks exactly the pixels the unit can see.

    Parameters
    ----------
    module : torch.nn.Module
        The network (it is copied, never changed).
    input_size : int or tuple of int
        Spatial input size.
    unit : int or tuple of int, optional
        The output unit; the centre of the output map by default.
    linearise : bool, default True
        ``False`` keeps the module's own weights and non-linearities (then zero
        gradients can hide pixels: an "effective" receptive field).
    seed : int, default 0
        Seed of the random positive weights.
    in_channels : int, optional
        Input channels (default: those of the first convolution, else 3).
    stop_at_unsupported : bool, default False
        As in :func:`receptive_field`.

    Returns
    -------
    EmpiricalReceptiveField
        Its ``bounds`` equal :func:`unit_region` of the analytic table for every unit
        (``agrees`` is True); interior units span the full analytic receptive field.
    """
    probe = _GradientProbe(module, input_size, linearise=linearise, seed=seed,
                           stop_at_unsupported=stop_at_unsupported, in_channels=in_channels)
    return probe.measure(unit)


def _image_tensor(image) -> torch.Tensor:
    """(N, C, H, W) float tensor from a (C, H, W)/(N, C, H, W) tensor or an (H, W[, C]) array."""
    if isinstance(image, np.ndarray):
        array = image.astype(np.float64)
        if image.dtype == np.uint8:
            array = array / 255.0
        if array.ndim == 2:
            array = array[..., None]
        if array.ndim != 3:
            raise ValueError(f"image must be (H, W) or (H, W, C) as an array, got shape {image.shape}")
        return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))[None]
    if isinstance(image, torch.Tensor):
        if image.ndim == 3:
            return image[None]
        if image.ndim == 4 and image.shape[0] == 1:
            return image
    raise ValueError("image must be a (C, H, W) or (1, C, H, W) tensor, or an (H, W[, C]) array")


def _display_image(image) -> np.ndarray:
    tensor = _image_tensor(image)[0].detach().to(torch.float32).clamp(0, 1)
    array = tensor.permute(1, 2, 0).cpu().numpy()
    return array[..., 0] if array.shape[-1] == 1 else array


def gradient_map(module: nn.Module, image, unit=None, *, linearise: bool = True, seed: int = 0) -> np.ndarray:
    """Return ``|d output[unit] / d image|`` summed over channels, scaled to a maximum of 1.

    Parameters
    ----------
    module : torch.nn.Module
        The network (copied, never changed).
    image : torch.Tensor or numpy.ndarray
        A ``(C, H, W)`` or ``(1, C, H, W)`` tensor in [0, 1], or an ``(H, W, C)`` array.
    unit : int or tuple of int, optional
        The output unit; the centre of the output map by default.
    linearise, seed
        As in :func:`empirical_receptive_field`. With ``linearise=True`` the map
        does not depend on the image's content, only on its size: it shows how much
        each pixel weighs in the unit (largest in the centre).

    Returns
    -------
    numpy.ndarray
        Shaped like the image's spatial axes, values in [0, 1].
    """
    x = _image_tensor(image)
    probe = _GradientProbe(module, tuple(x.shape[2:]), linearise=linearise, seed=seed, in_channels=x.shape[1])
    grad, _, _ = probe.gradient(unit, x)
    peak = grad.max()
    return grad / peak if peak > 0 else grad


# ----------------------------------------------------------------------------------------------
# Figures and the explorer
# ----------------------------------------------------------------------------------------------


def _axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    return ax


def _rectangle(bounds, **style):
    from matplotlib.patches import Rectangle

    (top, bottom), (left, right) = bounds
    return Rectangle((left - 0.5, top - 0.5), right - left + 1, bottom - top + 1, fill=False, **style)


def _draw_measurement(result: EmpiricalReceptiveField, image, ax, title=None, zoom=False):
    from matplotlib.colors import PowerNorm

    picture = _display_image(image)
    ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None, interpolation="nearest")
    heat = np.ma.masked_where(result.gradient <= 0, result.gradient / result.gradient.max())
    ax.imshow(heat, cmap="magma", alpha=0.65, norm=PowerNorm(0.4, vmin=0, vmax=1), interpolation="nearest")
    ax.add_patch(_rectangle(result.expected_bounds, edgecolor="cyan", linewidth=1.5, linestyle="--",
                            label="analytic region"))
    ax.add_patch(_rectangle(result.bounds, edgecolor="yellow", linewidth=1.5, label="non-zero gradient"))
    height, width = result.input_size
    if zoom:
        (top, bottom), (left, right) = result.expected_bounds
        margin = max(2, (bottom - top + 1) // 4)
        ax.set_xlim(left - 0.5 - margin, right + 0.5 + margin)
        ax.set_ylim(bottom + 0.5 + margin, top - 0.5 - margin)
    else:
        ax.set_xlim(-0.5, width - 0.5)
        ax.set_ylim(height - 0.5, -0.5)
    ax.set_axis_off()
    size = _fmt_size(result.size)
    ax.set_title(title or f"unit {result.unit}: {size} px" + (", truncated" if result.truncated else ""))
    return ax


def plot_receptive_field(module: nn.Module, image, unit=None, *, ax=None, linearise: bool = True, seed: int = 0,
                         zoom: bool = False):
    """Show one output unit's input gradient as a heat map over ``image``.

    The yellow box is the measured region (non-zero gradient), the dashed cyan
    box the analytic one (it runs past the border for units that see padding).

    Parameters
    ----------
    module : torch.nn.Module
        A 2-d network.
    image : torch.Tensor or numpy.ndarray
        ``(3, H, W)`` tensor in [0, 1] or ``(H, W, 3)`` array.
    unit : tuple of int, optional
        ``(row, col)`` of the output unit (the centre by default).
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new figure by default).
    linearise, seed
        As in :func:`empirical_receptive_field`.
    zoom : bool, default False
        Show only the unit's window (and a margin) instead of the whole image.

    Returns
    -------
    matplotlib.axes.Axes
    """
    x = _image_tensor(image)
    probe = _GradientProbe(module, tuple(x.shape[2:]), linearise=linearise, seed=seed, in_channels=x.shape[1])
    result = probe.measure(unit, x)
    return _draw_measurement(result, image, _axes(ax), zoom=zoom)


def plot_unit_boxes(table: ReceptiveFieldTable, image, units, *, ax=None, colors=None, show_centres: bool = True):
    """Draw the analytic receptive fields of several output units on ``image``.

    The part of a box inside the image is drawn solid; where the region runs past
    the border (the unit sees zero padding) the full box is drawn dashed.

    Parameters
    ----------
    table : ReceptiveFieldTable
        From :func:`receptive_field` for this image size.
    image : torch.Tensor or numpy.ndarray
        The picture to draw on.
    units : sequence of tuple of int
        Output units ``(row, col)``.
    ax : matplotlib.axes.Axes, optional
    colors : sequence of colours, optional
    show_centres : bool, default True
        Mark every output unit's centre with a dot (the grid of the output map).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    ax = _axes(ax)
    picture = _display_image(image)
    ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None, interpolation="nearest")
    colors = list(colors) if colors is not None else plt.rcParams["axes.prop_cycle"].by_key()["color"]
    if show_centres:
        final = table.final
        rows = [float(final.start[0] + i * final.jump[0]) for i in range(final.output_size[0])]
        cols = [float(final.start[1] + j * final.jump[1]) for j in range(final.output_size[1])]
        grid_r, grid_c = np.meshgrid(rows, cols, indexing="ij")
        ax.scatter(grid_c.ravel(), grid_r.ravel(), s=4, c="white", alpha=0.7, linewidths=0)
    height, width = table.input_size
    top, left, bottom, right = 0, 0, height - 1, width - 1
    for i, unit in enumerate(units):
        color = colors[i % len(colors)]
        full = unit_region(table, unit, clip=False)
        clipped = unit_region(table, unit, clip=True)
        ax.add_patch(_rectangle(clipped, edgecolor=color, linewidth=2, label=f"unit {tuple(unit)}"))
        if full != clipped:
            ax.add_patch(_rectangle(full, edgecolor=color, linewidth=1, linestyle="--"))
        top, bottom = min(top, full[0][0]), max(bottom, full[0][1])
        left, right = min(left, full[1][0]), max(right, full[1][1])
    margin = 0.02 * max(height, width)
    ax.set_xlim(left - 0.5 - margin, right + 0.5 + margin)
    ax.set_ylim(bottom + 0.5 + margin, top - 0.5 - margin)
    ax.legend(loc="upper right", fontsize="small", framealpha=0.8)
    ax.set_title(f"receptive fields of {len(units)} units ({_fmt_axes(table.final.rf)} px)")
    return ax


def plot_patch_sizes(image, tables: Mapping[str, ReceptiveFieldTable], *, ax=None, colors=None):
    """Draw, centred on ``image``, one square per network showing the patch one output unit judges.

    Parameters
    ----------
    image : torch.Tensor or numpy.ndarray
        The picture.
    tables : mapping of str to ReceptiveFieldTable
        A label per network, e.g. ``{"patch discriminator": t1, "AlexNet features": t2}``.
    ax : matplotlib.axes.Axes, optional
    colors : sequence of colours, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    ax = _axes(ax)
    picture = _display_image(image)
    ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None, interpolation="nearest")
    height, width = picture.shape[:2]
    colors = list(colors) if colors is not None else plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (label, table) in enumerate(tables.items()):
        rf_h, rf_w = table.final.rf
        top, left = (height - rf_h) / 2, (width - rf_w) / 2
        from matplotlib.patches import Rectangle

        ax.add_patch(Rectangle((left - 0.5, top - 0.5), rf_w, rf_h, fill=False, linewidth=2,
                               edgecolor=colors[i % len(colors)],
                               label=f"{label}: {_fmt_axes(table.final.rf)} px, stride {_fmt_axes(table.final.jump)}"))
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(height - 0.5, -0.5)
    ax.set_axis_off()
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.02 - 0.07 * len(tables)), fontsize="small")
    ax.set_title("what one output unit sees")
    return ax


def receptive_field_explorer(module: nn.Module, image, *, linearise: bool = True, seed: int = 0, draw_first: bool = True):
    """An explorer widget: sliders pick an output unit, the picture shows what it sees.

    Parameters
    ----------
    module : torch.nn.Module
        A 2-d, fully convolutional network (copied once, never changed).
    image : torch.Tensor or numpy.ndarray
        The picture, ``(3, H, W)`` in [0, 1] or ``(H, W, 3)``.
    linearise, seed
        As in :func:`empirical_receptive_field`.
    draw_first : bool
        Kept so older notebooks still run; the starting view (the centre unit) is always
        drawn into the explorer's own picture, and ``explorer.f(**explorer.kwargs)`` only
        returns the box.

    Returns
    -------
    inpaintlib.widgets.Explorer
        Sliders ``row`` and ``col`` (its first two children, starting on the centre unit),
        redrawn once per release of a slider. Its ``.result`` is the measured box
        ``(top, left, bottom, right)`` of the non-zero gradient (inclusive pixel indices).
    """
    import ipywidgets
    from matplotlib.figure import Figure

    from inpaintlib.widgets import Explorer, View

    x = _image_tensor(image)
    if x.ndim != 4:
        raise ValueError("receptive_field_explorer needs a 2-d image")
    probe = _GradientProbe(module, tuple(x.shape[2:]), linearise=linearise, seed=seed, in_channels=x.shape[1])
    out_h, out_w = probe.table.output_size

    def view(draw: bool, row: int, col: int) -> View:
        result = probe.measure((int(row), int(col)), x)
        if not draw:
            return View(result.box)
        figure = Figure(figsize=(4.5, 4.5))
        _draw_measurement(result, image, figure.subplots())
        return View(result.box, figure)

    slider = dict(continuous_update=False)
    controls = dict(
        row=ipywidgets.IntSlider(value=out_h // 2, min=0, max=out_h - 1, description="row", **slider),
        col=ipywidgets.IntSlider(value=out_w // 2, min=0, max=out_w - 1, description="col", **slider),
    )
    return Explorer(controls, view, description="receptive-field explorer")
