"""The course report's backward recurrence, and where its 47 comes from.

Taught in notebook 02 (``02_receptive_field.ipynb``).

The report walks ``r_in = s * r_out + (k - s)`` back from one output unit of its
patch discriminator, once more than there are layers, and gets 47 instead of 23.
:func:`report_recurrence` reproduces either count and :func:`compare_with_report`
shows both side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inpaintlib.receptive_field.geometry import _square
from inpaintlib.receptive_field.table import ReceptiveFieldTable, _RenderedTable

__all__ = ["RecurrenceComparison", "RecurrenceStep", "RecurrenceTable", "compare_with_report", "report_recurrence"]


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


class RecurrenceTable(_RenderedTable, list):
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


class RecurrenceComparison(_RenderedTable, list):
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
