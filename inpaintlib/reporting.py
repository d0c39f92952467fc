"""Reading evaluation tables: which method wins where, in sentences and tables that follow the numbers.

Taught in notebook 08 (``08_evaluation.ipynb``); notebook 03 (``03_center_block.ipynb``) compares
Model 1 with the classical methods the same way.

* :func:`mark_trained` labels the rows of mask kinds a model was not trained on;
* :func:`learned_vs_classical` finds, per mask kind or hole size, the best learned and the best
  classical method, and :func:`describe_comparison` and :func:`comparison_table` turn those rows
  into sentences ("on center holes the best method is X, by Y dB") and a table that stay true
  whatever the numbers are;
* :func:`runs_table` shows the training runs :func:`inpaintlib.trained_runs.find_runs` found.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from inpaintlib.margins import HIGHER_IS_BETTER, margin_between
from inpaintlib.masks import KINDS
from inpaintlib.metrics import SummaryTable

if TYPE_CHECKING:
    from inpaintlib.trained_runs import TrainedRun

__all__ = [
    "HIGHER_IS_BETTER",
    "comparison_table",
    "describe_comparison",
    "learned_vs_classical",
    "mark_trained",
    "runs_table",
]



#: Fewest paired photos on which a comparison says who is ahead; with fewer, a bootstrap interval over
#: photos means nothing (one photo gives an interval of width zero).
MIN_PHOTOS = 5


def mark_trained(table: SummaryTable, trained_kinds: Mapping[str, Sequence[str]]) -> SummaryTable:
    """Add a ``trained_on`` column: whether the method was trained on the row's mask kind.

    Parameters
    ----------
    table : SummaryTable
        Rows with ``method`` and ``mask_kind`` (e.g. ``result.table()``).
    trained_kinds : dict
        ``method -> kinds it was trained on``, for the learned methods; other methods
        (the classical baselines, which are not trained) get ``"–"``.

    Returns
    -------
    SummaryTable
        A copy with ``trained_on`` (``"yes"``, ``"no"`` or ``"–"``) after ``mask_kind``.
    """
    if "method" not in table.columns or "mask_kind" not in table.columns:
        raise ValueError(f"table needs 'method' and 'mask_kind' columns, it has {table.columns}")
    rows = []
    for row in table:
        row = dict(row)
        kinds = trained_kinds.get(row["method"])
        row["trained_on"] = "–" if kinds is None else ("yes" if row["mask_kind"] in kinds else "no")
        rows.append(row)
    columns = list(table.columns)
    columns.insert(columns.index("mask_kind") + 1, "trained_on")
    return SummaryTable(rows, columns=columns)


def learned_vs_classical(
    table: SummaryTable,
    learned: Sequence[str],
    metric: str = "psnr_hole",
    by: str = "mask_kind",
) -> list[dict]:
    """For each group of a table, the best learned method against the best other (classical) one.

    Parameters
    ----------
    table : SummaryTable
        Rows with ``method``, ``by`` and ``metric`` (e.g. ``result.table(by=("method", "mask_kind"))``).
    learned : sequence of str
        The names of the learned methods; every other method counts as classical.
    metric : str
        The metric that ranks methods (higher is better for PSNR and SSIM, lower for L1).
    by : str
        The grouping column, ``"mask_kind"`` or ``"area_bin"``.

    Returns
    -------
    list of dict
        One dict per group, in table order: ``group`` (the ``by`` value), ``learned`` and
        ``learned_value`` (``None`` when no learned method has a row), ``classical`` and
        ``classical_value`` (likewise), ``margin`` (how much better the learned method is:
        positive when it wins, in the metric's units; ``None`` when one side is missing) and
        ``winner`` (``"learned"``, ``"classical"``, ``"tie"`` or the side that is present).
    """
    if metric not in HIGHER_IS_BETTER:
        raise ValueError(f"metric={metric!r} is not one of {list(HIGHER_IS_BETTER)}")
    for column in ("method", by, metric):
        if column not in table.columns:
            raise ValueError(f"table has no {column!r} column; it has {table.columns}")
    learned = set(learned)
    sign = 1.0 if HIGHER_IS_BETTER[metric] else -1.0
    groups: dict = {}
    for row in table:
        value = row[metric]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        side = "learned" if row["method"] in learned else "classical"
        best = groups.setdefault(row[by], {}).get(side)
        if best is None or sign * value > sign * best[1]:
            groups[row[by]][side] = (row["method"], float(value))
    comparisons = []
    for group, sides in groups.items():
        learned_best, classical_best = sides.get("learned"), sides.get("classical")
        margin = None
        if learned_best and classical_best:
            margin = sign * (learned_best[1] - classical_best[1])
            winner = "learned" if margin > 0 else "classical" if margin < 0 else "tie"
        else:
            winner = "learned" if learned_best else "classical"
        comparisons.append(
            {
                "group": group,
                "learned": learned_best[0] if learned_best else None,
                "learned_value": learned_best[1] if learned_best else None,
                "classical": classical_best[0] if classical_best else None,
                "classical_value": classical_best[1] if classical_best else None,
                "margin": margin,
                "winner": winner,
            }
        )
    return comparisons


def _metric_text(metric: str, value: float, difference: bool = False) -> str:
    if metric.startswith("psnr"):
        return f"{value:.2f} dB"
    if metric.startswith("l1"):
        return f"{100 * value:.2f} percentage points" if difference else f"{100 * value:.2f}%"
    return f"{value:.4f}"


_METRIC_NAMES = {
    "psnr_hole": "PSNR in the hole",
    "ssim_hole": "SSIM in the hole",
    "l1_hole": "L1 error in the hole",
    "psnr_whole": "PSNR over the image",
    "ssim_whole": "SSIM over the image",
    "l1_whole": "L1 error over the image",
}


def _group_text(group) -> str:
    text = str(group)
    if text.endswith("%") or text.endswith("%+"):
        return f"holes covering {text} of the image"
    return f"{text} holes"


def describe_comparison(
    comparisons: Sequence[Mapping],
    metric: str = "psnr_hole",
    trained_kinds: Mapping[str, Sequence[str]] | None = None,
    records: Sequence[Mapping] | None = None,
    by: str = "mask_kind",
) -> list[str]:
    """Turn :func:`learned_vs_classical` rows into one sentence each, computed from the numbers.

    With the evaluation's per-photo ``records``, each margin gets a 95 % paired bootstrap
    interval (:mod:`inpaintlib.margins`), and "beats" / "stays ahead" is said only when the
    interval excludes zero; otherwise the two are "level".

    Parameters
    ----------
    comparisons : list of dict
        The output of :func:`learned_vs_classical`.
    metric : str
        The metric those rows were ranked by.
    trained_kinds : dict, optional
        ``method -> kinds it was trained on``: a learned model scored on a mask kind it
        did not train on is flagged in its sentence.

    Examples
    --------
    >>> rows = [{"group": "center", "learned": "03_center", "learned_value": 19.5,
    ...          "classical": "telea", "classical_value": 17.25, "margin": 2.25, "winner": "learned"}]
    >>> describe_comparison(rows)[0]
    'center holes: the best learned model, 03_center (19.50 dB), beats the best classical method, telea (17.25 dB), by 2.25 dB of PSNR in the hole.'
    """
    sentences = []
    for row in comparisons:
        learned, classical = row.get("learned"), row.get("classical")
        untrained = (
            learned is not None
            and trained_kinds is not None
            and learned in trained_kinds
            and _is_kind(row["group"])
            and row["group"] not in trained_kinds[learned]
        )
        interval = _interval(records, row, metric, by) if records is not None and learned and classical else None
        sentences.append(_comparison_sentence(row, metric, "; not trained on these holes" if untrained else "", interval))
    return sentences


def _comparison_sentence(row: Mapping, metric: str, note: str, interval: tuple[float, float, int] | None) -> str:
    """One sentence of :func:`describe_comparison`: who is ahead in one group, and by how much."""
    what = _METRIC_NAMES.get(metric, metric)
    group, learned, classical = _group_text(row["group"]), row.get("learned"), row.get("classical")
    if interval is not None and interval[2] < MIN_PHOTOS:
        return (f"{group}: the best learned model, {learned} ({_metric_text(metric, row['learned_value'])}{note}), and "
                f"the best classical method, {classical} ({_metric_text(metric, row['classical_value'])}), were compared "
                f"on {interval[2]} photo{'s' if interval[2] != 1 else ''} only: too few to say which is ahead.")
    if learned is None:
        return (f"{group}: no learned model was scored here; the best classical method is {classical} "
                f"({_metric_text(metric, row['classical_value'])} {what}).")
    if classical is None:
        return (f"{group}: only learned models were scored; the best is {learned} "
                f"({_metric_text(metric, row['learned_value'])} {what}).")
    learned_text = f"{learned} ({_metric_text(metric, row['learned_value'])}{note})"
    classical_text = f"{classical} ({_metric_text(metric, row['classical_value'])})"
    margin = abs(row["margin"])
    note_interval = ""
    if interval is not None:
        low, high, _ = interval
        bounds = f"95% interval {_metric_text(metric, low, difference=True)} to {_metric_text(metric, high, difference=True)}"
        if low <= 0 <= high:
            return (f"{group}: the best learned model, {learned_text}, is level with the best classical method, "
                    f"{classical_text}: the margin's {bounds} of {what} includes zero.")
        if row["winner"] == "classical":  # the interval of the classical method's lead, as the sentence reads
            bounds = (f"95% interval {_metric_text(metric, -high, difference=True)} to "
                      f"{_metric_text(metric, -low, difference=True)}")
        note_interval = f" ({bounds})"
    if row["winner"] == "tie":
        return f"{group}: the best learned model, {learned_text}, ties the best classical method, {classical_text}."
    if row["winner"] == "learned":
        return (f"{group}: the best learned model, {learned_text}, beats the best classical method, "
                f"{classical_text}, by {_metric_text(metric, margin, difference=True)} of {what}{note_interval}.")
    return (f"{group}: the best classical method, {classical_text}, stays ahead of the best learned model, "
            f"{learned_text}, by {_metric_text(metric, margin, difference=True)} of {what}{note_interval}.")


def _interval(records: Sequence[Mapping], row: Mapping, metric: str, by: str) -> tuple[float, float, int] | None:
    """The bootstrap interval of the learned method's margin over the classical one, and its number of photos.

    ``None`` without shared photos.
    """
    try:
        margin = margin_between(records, row["learned"], row["classical"], row["group"], metric=metric, by=by)
    except ValueError:
        return None
    sign = 1.0 if HIGHER_IS_BETTER[metric] else -1.0
    low, high = sorted((sign * margin.low, sign * margin.high))
    return low, high, margin.count


def comparison_table(comparisons: Sequence[Mapping], metric: str = "psnr_hole", label: str | None = None) -> SummaryTable:
    """Show :func:`learned_vs_classical` rows as a table: group, best learned and best classical method, margin.

    Parameters
    ----------
    comparisons : list of dict
        The output of :func:`learned_vs_classical`.
    metric : str
        The metric they were ranked by (sets the units).
    label : str, optional
        The first column's title (default ``"group"``).
    """
    label = label or "group"

    def text(value, difference=False):
        return "–" if value is None else _metric_text(metric, value, difference)

    rows = []
    for row in comparisons:
        margin = row.get("margin")
        rows.append(
            {
                label: str(row["group"]),
                "best learned": row.get("learned") or "–",
                "learned score": text(row.get("learned_value")),
                "best classical": row.get("classical") or "–",
                "classical score": text(row.get("classical_value")),
                "learned ahead by": "–" if margin is None else ("-" if margin < 0 else "") + text(abs(margin), True),
            }
        )
    return SummaryTable(rows, columns=[label, "best learned", "learned score", "best classical", "classical score", "learned ahead by"])


def _is_kind(group) -> bool:

    return group in KINDS


def _loss_text(value) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.4g}"


def runs_table(runs: Sequence[TrainedRun]) -> SummaryTable:
    """One row per run: model, image size, trained mask kinds, epochs, best epoch, its loss, how it stopped.

    Model, size and kinds are known once a run is loaded (:meth:`TrainedRun.load`).
    """
    rows = []
    for run in runs:
        history = run.history
        last = history.records[-1] if history.records else None
        rows.append(
            {
                "run": run.name,
                "model": run.model_name or "?",
                "size": str(run.image_size or "?"),
                "trained on": ", ".join(run.trained_kinds) or "?",
                "epochs": str(len(history)),
                "best epoch": str(history.best_epoch or "–"),
                f"best val {history.monitor}": _loss_text(history.best_value),
                "last val total": _loss_text(last["val"]["total"] if last else None),
                "stopped": history.stop_reason or ("early stopping" if history.stopped_early else "epochs done"),
            }
        )
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return SummaryTable(rows, columns=columns)
