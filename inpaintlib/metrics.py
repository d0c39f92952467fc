"""Image-quality metrics inside the hole and over the whole image, and the tables that summarise them.

Every metric compares an inpainted (composed) image with the original, both
float tensors in ``[0, 1]`` shaped ``(N, 3, H, W)`` or ``(3, H, W)``. A mask
(``(N, 1, H, W)``, ``(N, H, W)`` or ``(H, W)``; 1 = missing pixel) restricts a
metric to the hole; without a mask the metric covers the whole image.

Conventions (the same everywhere in the library):

* **PSNR** is ``10·log10(1 / MSE)`` with the MSE taken over the selected
  pixels and all three channels. Identical images would give ``+inf``; every
  PSNR is capped at :data:`PSNR_CAP_DB` (100 dB) so that averages stay finite
  (pass ``cap=None`` to get ``inf`` instead).
* **SSIM** uses :func:`skimage.metrics.structural_similarity` with the settings
  of Wang et al. (2004): an 11×11 Gaussian window with σ = 1.5, population
  covariances, ``data_range=1``; the map is averaged over the three channels.
  Inside the hole it is the mean of the SSIM map over the hole pixels (the
  map is computed on the whole image, so a hole pixel's window also sees the
  context around it). Over the whole image it is scikit-image's own mean,
  which leaves out a 5-pixel border strip to avoid edge effects.
* **L1** is the mean absolute error over the selected pixels and channels, a
  fraction of the ``[0, 1]`` range; tables print it as a percentage, as in
  Table 1 of Pathak et al. (2016).
* An **empty hole** (a mask with no missing pixel) has no hole metrics: they are
  ``nan``, and :func:`summarize` leaves ``nan`` out of its means.

:func:`summarize` groups per-image records (dicts) by method, mask kind or
hole-area bin (:func:`area_bin`, the bins LaMa reports) and returns a
:class:`SummaryTable` that prints as text, Markdown or HTML.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import torch
from skimage.metrics import structural_similarity

#: Every PSNR is capped at this value (identical images would otherwise give ``inf``).
PSNR_CAP_DB = 100.0
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
_SSIM_OPTIONS = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0)
#: Half-width of the 11x11 Gaussian window (scikit-image truncates it at 3.5 sigma).
_SSIM_PAD = int(3.5 * 1.5 + 0.5)


# ----------------------------------------------------------------------------------------- inputs
def _as_image_batch(images, argument: str) -> torch.Tensor:
    """Return ``images`` as a float64 CPU tensor shaped ``(N, C, H, W)``."""
    tensor = torch.as_tensor(images).detach().cpu()
    if tensor.dim() == 3:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() != 4:
        raise ValueError(f"{argument} must be shaped (N, C, H, W) or (C, H, W), got {tuple(tensor.shape)}")
    return tensor.to(torch.float64)


def _as_mask_batch(mask, images: torch.Tensor) -> torch.Tensor:
    """Return ``mask`` as a bool tensor shaped ``(N, 1, H, W)`` matching ``images``."""
    n, _, h, w = images.shape
    if mask is None:
        return torch.ones(n, 1, h, w, dtype=torch.bool)
    tensor = torch.as_tensor(mask).detach().cpu()
    if tensor.dim() == 2:
        tensor = tensor[None, None]
    elif tensor.dim() == 3:
        tensor = tensor.unsqueeze(1)
    if tensor.dim() != 4 or tensor.shape[1] != 1 or tensor.shape[-2:] != (h, w):
        raise ValueError(f"mask must be shaped (N, 1, {h}, {w}) or ({h}, {w}), got {tuple(tensor.shape)}")
    if tensor.shape[0] not in (1, n):
        raise ValueError(f"mask holds {tensor.shape[0]} masks for {n} images")
    tensor = tensor.expand(n, 1, h, w)
    return tensor > 0.5 if tensor.dtype != torch.bool else tensor


def _pair(prediction, target, mask):
    prediction = _as_image_batch(prediction, "prediction")
    target = _as_image_batch(target, "target")
    if prediction.shape != target.shape:
        raise ValueError(
            f"prediction {tuple(prediction.shape)} and target {tuple(target.shape)} must have the same shape"
        )
    return prediction, target, _as_mask_batch(mask, target)


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` (N, C, H, W) over the channels and the pixels where ``mask`` (N, 1, H, W) is True.

    ``nan`` for an image whose mask selects no pixel.
    """
    per_pixel = values.mean(1) if values.shape[1] > 1 else values[:, 0]
    weights = mask[:, 0].to(per_pixel.dtype)
    total = (per_pixel * weights).sum((1, 2))
    count = weights.sum((1, 2))
    return torch.where(count > 0, total / count.clamp_min(1), torch.full_like(total, math.nan))


def _psnr_from_mse(error: torch.Tensor, cap: float | None) -> torch.Tensor:
    values = 10.0 * torch.log10(1.0 / error)
    if cap is not None:
        values = torch.where(torch.isnan(values), values, values.clamp(max=float(cap)))
    return values


# ---------------------------------------------------------------------------------------- metrics
def hole_fraction(mask) -> torch.Tensor:
    """Return the fraction of missing pixels in each mask, a tensor shaped ``(N,)``.

    Parameters
    ----------
    mask : tensor
        ``(N, 1, H, W)``, ``(N, H, W)`` or ``(H, W)``; 1/True marks a missing pixel.
    """
    tensor = torch.as_tensor(mask).detach().cpu()
    if tensor.dim() == 2:
        tensor = tensor[None]
    if tensor.dim() not in (3, 4):
        raise ValueError(f"mask must be shaped (N, 1, H, W), (N, H, W) or (H, W), got {tuple(tensor.shape)}")
    return (tensor > 0.5).flatten(1).to(torch.float64).mean(1)


def mse(prediction, target, mask=None) -> torch.Tensor:
    """Mean squared error per image over the masked pixels (all pixels without a mask), shape ``(N,)``."""
    prediction, target, mask = _pair(prediction, target, mask)
    return _masked_mean((prediction - target) ** 2, mask)


def l1(prediction, target, mask=None) -> torch.Tensor:
    """Mean absolute error per image over the masked pixels and channels, shape ``(N,)``.

    Values are fractions of the ``[0, 1]`` range (multiply by 100 for the
    percentage Pathak et al. report). An empty hole gives ``nan``.
    """
    prediction, target, mask = _pair(prediction, target, mask)
    return _masked_mean((prediction - target).abs(), mask)


def psnr(prediction, target, mask=None, cap: float | None = PSNR_CAP_DB) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB per image, ``10·log10(1 / MSE)``, shape ``(N,)``.

    Parameters
    ----------
    prediction, target : tensor
        Images in ``[0, 1]``, ``(N, 3, H, W)`` or ``(3, H, W)``.
    mask : tensor, optional
        Restricts the MSE to the missing pixels (1 = missing); ``None`` covers the whole image.
    cap : float or None
        Upper bound on the result (default :data:`PSNR_CAP_DB`); identical
        images give ``cap``, or ``inf`` when ``cap`` is ``None``.

    Returns
    -------
    tensor
        float64 PSNR per image; ``nan`` where the mask has no missing pixel.
    """
    return _psnr_from_mse(mse(prediction, target, mask), cap)


def ssim_map(prediction, target) -> torch.Tensor:
    """Return the SSIM map averaged over channels, ``(N, H, W)`` float64 (settings in the module docstring)."""
    prediction, target, _ = _pair(prediction, target, None)
    maps = []
    for predicted, original in zip(prediction.numpy(), target.numpy()):
        _, full = structural_similarity(predicted, original, channel_axis=0, full=True, **_SSIM_OPTIONS)
        maps.append(full.mean(axis=0))
    return torch.from_numpy(np.stack(maps))


def _whole_ssim(maps: torch.Tensor) -> torch.Tensor:
    """scikit-image's mean SSIM from channel-averaged maps: the mean without the border strip."""
    pad = _SSIM_PAD
    return maps[:, pad:-pad, pad:-pad].flatten(1).mean(1)


def ssim(prediction, target, mask=None) -> torch.Tensor:
    """Structural similarity per image, shape ``(N,)``.

    With a mask, the mean of the SSIM map over the missing pixels (``nan`` for an
    empty hole); without one, scikit-image's mean SSIM of the whole image.
    Identical images give 1.
    """
    prediction, target, mask_batch = _pair(prediction, target, mask)
    maps = ssim_map(prediction, target)
    if mask is None:
        return _whole_ssim(maps)
    return _masked_mean(maps[:, None], mask_batch)


def image_metrics(prediction, target, mask) -> list[dict]:
    """Every metric for each image: hole fraction and PSNR, SSIM and L1 in the hole and overall.

    Parameters
    ----------
    prediction : tensor
        The composed (inpainted) images, ``(N, 3, H, W)`` in ``[0, 1]``.
    target : tensor
        The original images.
    mask : tensor
        The holes, ``(N, 1, H, W)``; 1 = missing.

    Returns
    -------
    list of dict
        One dict per image with keys ``hole_fraction``, ``area_bin`` and :data:`METRIC_KEYS`
        (plain Python floats).
    """
    prediction, target, mask = _pair(prediction, target, mask)
    difference = prediction - target
    squared = (difference**2).mean(1, keepdim=True)
    absolute = difference.abs().mean(1, keepdim=True)
    maps = ssim_map(prediction, target)
    columns = {
        "hole_fraction": hole_fraction(mask),
        "psnr_hole": _psnr_from_mse(_masked_mean(squared, mask), PSNR_CAP_DB),
        "ssim_hole": _masked_mean(maps[:, None], mask),
        "l1_hole": _masked_mean(absolute, mask),
        "psnr_whole": _psnr_from_mse(squared.flatten(1).mean(1), PSNR_CAP_DB),
        "ssim_whole": _whole_ssim(maps),
        "l1_whole": absolute.flatten(1).mean(1),
    }
    records = []
    for i in range(prediction.shape[0]):
        fraction = float(columns["hole_fraction"][i])
        record = {"hole_fraction": fraction, "area_bin": area_bin(fraction)}
        record.update({key: float(values[i]) for key, values in columns.items() if key != "hole_fraction"})
        records.append(record)
    return records


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
        """Return the table as a GitHub-flavoured Markdown table."""
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
