"""The per-layer table the calculator returns, and its text and HTML rendering.

Taught in notebook 02 (``02_receptive_field.ipynb``).

A :class:`ReceptiveFieldTable` is a list of :class:`LayerRecord` rows, one per
layer, that prints as aligned text and shows as an HTML table in a notebook.
:class:`_RenderedTable` renders the report's recurrence
(:mod:`inpaintlib.receptive_field.recurrence`) the same way.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable

from inpaintlib.receptive_field.geometry import _fmt_axes, _fmt_padding, _fmt_size, _padding_value, _square

__all__ = ["LayerRecord", "ReceptiveFieldTable"]


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


class _RenderedTable:
    """Prints as aligned text and shows as an HTML table in a notebook; subclasses give ``_parts()``."""

    def __str__(self) -> str:
        return _render_text(*self._parts())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return _render_html(*self._parts())


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
        Effective stride: input pixels between neighboring units.
    start : tuple of Fraction
        Center of the first unit in input pixel coordinates.
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


class ReceptiveFieldTable(_RenderedTable, list):
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
        """Distance in input pixels between neighboring output units (a tuple when not square)."""
        return self.final.effective_stride

    @property
    def output_size(self) -> tuple[int, ...]:
        """Number of output units along each axis."""
        return self.final.output_size

    @property
    def start(self) -> tuple[Fraction, ...]:
        """Center of the first output unit, in input pixel coordinates, per axis."""
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
