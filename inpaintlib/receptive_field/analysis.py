"""Tracing a module with :mod:`torch.fx` and following the geometry node by node.

Taught in notebook 02 (``02_receptive_field.ipynb``).

:func:`receptive_field` is the calculator: it traces any module, applies the
layer rules of :mod:`inpaintlib.receptive_field.rules` to every node (residual
additions, concatenations and products of branches too) and returns the table.
:func:`unit_region`, :func:`coverage_map` and :func:`region_fraction` read a table
back in input pixels.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import torch
from torch import fx, nn

from inpaintlib.receptive_field.geometry import (
    MisalignedBranchesError,
    ReceptiveFieldError,
    UnsupportedLayerError,
    _End,
    _fmt_size,
    _Geometry,
    _Step,
    _TupleGeometry,
)
from inpaintlib.receptive_field.rules import _function_step, _layer_name, _method_step, _module_step, _type_name
from inpaintlib.receptive_field.table import LayerRecord, ReceptiveFieldTable

__all__ = ["coverage_map", "receptive_field", "region_fraction", "unit_region"]


def _trace(module: nn.Module) -> fx.GraphModule:
    if not isinstance(module, nn.Module):
        raise ValueError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    try:
        return fx.symbolic_trace(module)
    except Exception as error:  # torch.fx raises many kinds of errors on untraceable code
        raise ReceptiveFieldError(
            f"could not trace {type(module).__name__} with torch.fx ({type(error).__name__}: {error}). "
            "Control flow that depends on tensor values cannot be traced; analyze the spatial part "
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


def _node_step(node: fx.Node, gm: fx.GraphModule, modules: dict, spatial: list, geoms: dict, type_name: str,
               name: str, stop_at_unsupported: bool) -> Any:
    """What ``node`` does to the geometry: its :class:`_Step`, or an :class:`_End` where the analysis stops.

    An unsupported layer raises (naming it) unless ``stop_at_unsupported``; misaligned branches always raise.
    """
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
    return step


def _analyze(gm: fx.GraphModule, input_size: tuple[int, ...], stop_at_unsupported: bool) -> _Analysis:
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
        step = _node_step(node, gm, modules, spatial, geoms, type_name, name, stop_at_unsupported)
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
        When a layer cannot be analyzed (a transposed convolution, adaptive
        pooling, upsampling, a linear layer on a feature map, an unknown function),
        end the table there with an ``"end"`` row instead of raising
        :class:`UnsupportedLayerError`. A flatten or reshape always ends the
        spatial part this way.
    include_pointwise : bool, default False
        Also list layers that keep the geometry (activations, normalizations,
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
    analysis = _analyze(_trace(module), sizes, stop_at_unsupported)
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
        center = final.start[axis] + index * final.jump[axis]
        half = Fraction(final.rf[axis] - 1, 2)
        first, last = center - half, center + half
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
