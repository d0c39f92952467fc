"""Tables of scores: per-image records grouped by method, mask kind or hole-area bin, printed three ways.

Taught in notebook 08 (``08_evaluation.ipynb``); notebooks 03 to 07 print their scores the same way.

:func:`summarize` groups per-image records (dicts) by method, mask kind or hole-area bin
(:func:`area_bin`, the bins LaMa reports) and returns a :class:`SummaryTable` that prints as text,
Markdown or HTML. ``nan`` values (an empty hole has no hole metrics) are left out of the means.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

__all__ = ["AREA_BIN_EDGES", "COLUMN_TITLES", "METRIC_KEYS", "SummaryTable", "area_bin", "area_bin_labels", "summarize"]

#: Lower edges of the hole-area bins (fractions of the image); the last bin is open-ended.
AREA_BIN_EDGES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
#: Per-image metric names, in the order tables show them.
METRIC_KEYS = ("psnr_hole", "ssim_hole", "l1_hole", "psnr_whole", "ssim_whole", "l1_whole")
#: Column titles used when printing a table.
COLUMN_TITLES = {
    "method": "method",
    "mask_kind": "mask",
    "trained_on": "trained on it",
    "area_bin": "hole area",
    "n": "n",
    "hole_fraction": "hole %",
    "psnr_hole": "PSNR hole (dB)",
    "ssim_hole": "SSIM hole",
    "l1_hole": "L1 hole (%)",
    "psnr_whole": "PSNR (dB)",
    "ssim_whole": "SSIM",
    "l1_whole": "L1 (%)",
}
_PERCENT_COLUMNS = {"l1_hole", "l1_whole", "hole_fraction"}


# ------------------------------------------------------------------------------------ aggregation
def area_bin_labels(edges: Sequence[float] = AREA_BIN_EDGES) -> list[str]:
    """Labels of the hole-area bins, e.g. ``["0-10%", ..., "40-50%", "50%+"]``."""
    percents = [f"{100 * edge:g}" for edge in edges]
    labels = [f"{low}-{high}%" for low, high in zip(percents, percents[1:])]
    return labels + [f"{percents[-1]}%+"]


def area_bin(fraction: float, edges: Sequence[float] = AREA_BIN_EDGES) -> str:
    """Return the label of the hole-area bin holding ``fraction`` (bins include their lower edge).

    >>> area_bin(0.05), area_bin(0.1), area_bin(0.62)
    ('0-10%', '10-20%', '50%+')
    """
    if not 0.0 <= fraction <= 1.0 or math.isnan(fraction):
        raise ValueError(f"fraction must lie in [0, 1], got {fraction}")
    labels = area_bin_labels(edges)
    index = int(np.searchsorted(np.asarray(edges), fraction, side="right")) - 1
    return labels[max(index, 0)]


def _group_order(key: str, values: Iterable) -> list:
    """Distinct values in first-seen order (area bins in their natural order)."""
    distinct = list(dict.fromkeys(values))
    if key == "area_bin":
        order = {label: i for i, label in enumerate(area_bin_labels())}
        distinct.sort(key=lambda label: order.get(label, len(order)))
    return distinct


def summarize(
    records: Iterable[Mapping],
    by: Sequence[str] | str = ("method", "mask_kind"),
    metrics: Sequence[str] = METRIC_KEYS,
) -> SummaryTable:
    """Average per-image records within groups.

    Parameters
    ----------
    records : iterable of dict
        Per-image records holding the ``by`` keys and the ``metrics`` values
        (as :func:`image_metrics` and :func:`inpaintlib.evaluation.evaluate` make them).
        ``area_bin`` is derived from ``hole_fraction`` when a record lacks it.
    by : sequence of str or str
        Keys to group by, e.g. ``("method", "mask_kind")`` or ``("method", "area_bin")``;
        ``()`` averages everything into one row.
    metrics : sequence of str
        Metric keys to average. ``nan`` values (empty holes) are left out of a mean.

    Returns
    -------
    SummaryTable
        One row per group, in first-seen order (area bins in increasing order),
        with the group keys, ``n`` (images in the group) and the mean of each metric.
    """
    by = (by,) if isinstance(by, str) else tuple(by)
    rows_in = []
    for record in records:
        record = dict(record)
        if "area_bin" in by and "area_bin" not in record:
            record["area_bin"] = area_bin(record["hole_fraction"])
        missing = [key for key in (*by, *metrics) if key not in record]
        if missing:
            raise ValueError(f"a record lacks the key(s) {missing}; it has {sorted(record)}")
        rows_in.append(record)
    groups: dict[tuple, list[Mapping]] = {}
    for record in rows_in:
        groups.setdefault(tuple(record[key] for key in by), []).append(record)
    orders = [_group_order(key, (record[key] for record in rows_in)) for key in by]
    ranks = [{value: i for i, value in enumerate(order)} for order in orders]
    keys = sorted(groups, key=lambda group: tuple(rank[value] for rank, value in zip(ranks, group)))
    rows = []
    for group in keys:
        members = groups[group]
        row = dict(zip(by, group))
        row["n"] = len(members)
        for metric in metrics:
            values = np.array([float(member[metric]) for member in members], dtype=np.float64)
            finite = values[~np.isnan(values)]
            row[metric] = float(finite.mean()) if finite.size else math.nan
        rows.append(row)
    return SummaryTable(rows, columns=[*by, "n", *metrics])


# ------------------------------------------------------------------------------------------ table
def _format_value(column: str, value) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if column in _PERCENT_COLUMNS:
            return f"{100 * value:.2f}"
        if column.startswith("ssim"):
            return f"{value:.4f}"
        return f"{value:.2f}"
    return str(value)


class SummaryTable:
    """A small table of summary rows: a list of dicts that prints as text, Markdown or HTML.

    Rows keep raw values (L1 and hole fraction as fractions); printing shows L1 and
    hole fraction as percentages, PSNR in dB with two decimals and SSIM with four.

    Parameters
    ----------
    rows : list of dict
        The rows.
    columns : list of str, optional
        Column order (default: the keys of the first row).
    """

    def __init__(self, rows: Sequence[Mapping], columns: Sequence[str] | None = None):
        self.rows = [dict(row) for row in rows]
        self.columns = list(columns) if columns is not None else (list(self.rows[0]) if self.rows else [])

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, index: int) -> dict:
        return self.rows[index]

    def __eq__(self, other) -> bool:
        return isinstance(other, SummaryTable) and self.rows == other.rows and self.columns == other.columns

    def to_dicts(self) -> list[dict]:
        """Return the rows as a list of plain dicts (copies)."""
        return [dict(row) for row in self.rows]

    def row(self, **where) -> dict:
        """Return the one row whose values match ``where``, e.g. ``table.row(method="telea", mask_kind="center")``."""
        found = [row for row in self.rows if all(row.get(key) == value for key, value in where.items())]
        if len(found) != 1:
            raise KeyError(f"{len(found)} rows match {where}")
        return found[0]

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        header = [COLUMN_TITLES.get(column, column) for column in self.columns]
        body = [[_format_value(column, row.get(column, "")) for column in self.columns] for row in self.rows]
        return header, body

    def to_text(self) -> str:
        """Return the table as aligned plain text."""
        header, body = self._cells()
        widths = [max(len(cell) for cell in column) for column in zip(header, *body)]
        numeric = [all(_is_number(row.get(column)) for row in self.rows) for column in self.columns]

        def line(cells):
            return "  ".join(
                cell.rjust(width) if right else cell.ljust(width) for cell, width, right in zip(cells, widths, numeric)
            ).rstrip()

        rule = "  ".join("-" * width for width in widths)
        return "\n".join([line(header), rule, *(line(cells) for cells in body)])

    def to_markdown(self) -> str:
        """Return the table as a GitHub-flavored Markdown table."""
        header, body = self._cells()
        numeric = [all(_is_number(row.get(column)) for row in self.rows) for column in self.columns]
        align = ["---:" if right else ":---" for right in numeric]
        lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
        lines += ["| " + " | ".join(cells) + " |" for cells in body]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from html import escape

        header, body = self._cells()
        head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
        rows = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in cells) + "</tr>" for cells in body)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"

    def to_pandas(self):
        """Return the rows as a :class:`pandas.DataFrame` (needs pandas, which inpaintlib does not require)."""
        try:
            import pandas
        except ImportError as error:
            raise ImportError("SummaryTable.to_pandas() needs pandas: pip install pandas") from error
        return pandas.DataFrame(self.rows, columns=self.columns)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"SummaryTable({len(self.rows)} rows)\n{self.to_text()}"


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
