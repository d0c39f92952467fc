"""The record of a training run: per-epoch average losses, the best epoch, early stopping.

Taught in notebook 03 (``03_center_block.ipynb``), which reads its loss curves; notebooks 04 to 07 read theirs the same way.

A :class:`History` holds one row per finished epoch with the average of every loss
term on the training set and on the validation set, and the epoch's duration. The
trainer saves it as ``history.json`` (everything) and ``history.csv`` (the table)
next to the checkpoints after every epoch, and stores it inside every checkpoint,
so a resumed run continues the same record.

Loss terms
----------
``total``
    The generator's joint loss ``rec_weight * rec + adv_weight * adv + style_weight * style``.
``rec``
    The reconstruction (L2) loss, over the hole by default.
``adv``
    The generator's adversarial loss: how well it fools the discriminator.
``style``
    The Gram-matrix style loss (0 unless a style weight is set).
``disc``
    The discriminator's own loss on real images against inpainted ones.

A term the run does not compute (``adv`` and ``disc`` without the adversarial loss)
is stored as ``None``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from inpaintlib.runs import HISTORY_CSV, HISTORY_JSON  # the run folder spells the file names

#: Every loss term a history records, in table order.
TERMS = ("total", "rec", "adv", "style", "disc")
#: The two halves of every epoch.
SPLITS = ("train", "val")



def _clean(value) -> float | None:
    """Return ``value`` as a float, or ``None`` when it is missing."""
    return None if value is None else float(value)


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    from inpaintlib.checkpoints import atomic_write

    with atomic_write(path, "w") as stream:
        stream.write(text)


@dataclass
class History:
    """Per-epoch average losses of a training run, with its best epoch and how it stopped.

    Parameters
    ----------
    monitor : str
        The validation term that decides the best epoch and early stopping (``"rec"`` or ``"total"``).
    min_delta : float
        How much the monitored value must fall below the best so far to count as an improvement.

    Attributes
    ----------
    records : list of dict
        One dict per finished epoch: ``epoch`` (1-based), ``train`` and ``val`` (term -> average
        or ``None``), ``seconds`` (the epoch's wall time) and ``steps`` (training steps).
    best_epoch : int or None
        The epoch with the lowest monitored validation loss (1-based).
    best_value : float or None
        That loss.
    stopped_early : bool
        Whether early stopping ended the run.
    stop_reason : str or None
        Why the last call to ``fit`` stopped before its epoch count (``"early stopping"``,
        ``"time budget"``, ``"interrupted"``) or ``None``.
    precision : dict or None
        The arithmetic the run trained in: ``dtype`` (``"float32"``, ``"bfloat16"``, ``"float16"``),
        ``reason`` and, when it was measured, ``speeds`` (training steps per second per dtype);
        see :func:`inpaintlib.precision.choose_precision`.

    Examples
    --------
    >>> history = History(monitor="total")
    >>> history.append({"total": 1.0}, {"total": 0.9}, seconds=2.0)
    True
    >>> history.best_epoch, history.val("total")
    (1, [0.9])
    """

    monitor: str = "rec"
    min_delta: float = 0.0
    records: list[dict] = field(default_factory=list)
    best_epoch: int | None = None
    best_value: float | None = None
    stopped_early: bool = False
    stop_reason: str | None = None
    precision: dict | None = None

    def __post_init__(self) -> None:
        if self.monitor not in TERMS:
            raise ValueError(f"monitor must be one of {TERMS}, got {self.monitor!r}")
        if not isinstance(self.min_delta, (int, float)) or self.min_delta < 0:
            raise ValueError(f"min_delta must be a number >= 0, got {self.min_delta!r}")

    # ------------------------------------------------------------------ recording

    def __len__(self) -> int:
        return len(self.records)

    @property
    def epochs(self) -> list[int]:
        """The 1-based numbers of the recorded epochs."""
        return [record["epoch"] for record in self.records]

    def append(
        self,
        train: Mapping[str, float | None],
        val: Mapping[str, float | None],
        seconds: float = 0.0,
        steps: int | None = None,
    ) -> bool:
        """Record one finished epoch and return whether it is the new best.

        Parameters
        ----------
        train, val : mapping
            Average of each loss term over the epoch (missing terms are stored as ``None``).
        seconds : float
            The epoch's wall-clock duration.
        steps : int, optional
            Training steps taken in the epoch.
        """
        for name in (*train, *val):
            if name not in TERMS:
                raise ValueError(f"unknown loss term {name!r}; a history records {TERMS}")
        record = {
            "epoch": len(self.records) + 1,
            "train": {term: _clean(train.get(term)) for term in TERMS},
            "val": {term: _clean(val.get(term)) for term in TERMS},
            "seconds": float(seconds),
            "steps": None if steps is None else int(steps),
        }
        self.records.append(record)
        value = record["val"][self.monitor]
        if value is None or not math.isfinite(value):
            return False
        if self.best_value is None or value < self.best_value - self.min_delta:
            self.best_epoch, self.best_value = record["epoch"], value
            return True
        return False

    @property
    def epochs_without_improvement(self) -> int:
        """Epochs recorded since the best one (all of them when there is no best yet)."""
        if self.best_epoch is None:
            return len(self.records)
        return len(self.records) - self.best_epoch

    def still_falling(self, window: int) -> bool:
        """Whether the monitored validation loss still falls on average.

        Compares the mean of the last ``window`` epochs with the mean of the ``window`` epochs
        before them: a noisy curve whose best epoch is a lucky dip still counts as falling while
        its running mean goes down.
        """
        values = [value for value in self.val(self.monitor) if value is not None and math.isfinite(value)]
        if window < 1 or len(values) < 2 * window:
            return False
        recent, before = values[-window:], values[-2 * window : -window]
        return sum(recent) / window < sum(before) / window - self.min_delta

    def should_stop(self, patience: int | None) -> bool:
        """Whether to stop early: ``patience`` epochs without a new best while the curve no longer falls.

        Never when ``patience`` is ``None``; see :meth:`still_falling`.
        """
        if patience is None or self.epochs_without_improvement < patience:
            return False
        return not self.still_falling(patience)

    def series(self, term: str = "total", split: str = "val") -> list[float | None]:
        """Return one term's per-epoch averages for ``split`` (``"train"`` or ``"val"``)."""
        if term not in TERMS:
            raise ValueError(f"term must be one of {TERMS}, got {term!r}")
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        return [record[split][term] for record in self.records]

    def train(self, term: str = "total") -> list[float | None]:
        """Per-epoch training averages of ``term``."""
        return self.series(term, "train")

    def val(self, term: str = "total") -> list[float | None]:
        """Per-epoch validation averages of ``term``."""
        return self.series(term, "val")

    @property
    def seconds(self) -> list[float]:
        """Per-epoch wall-clock durations."""
        return [record["seconds"] for record in self.records]

    def __repr__(self) -> str:
        best = "none" if self.best_epoch is None else f"{self.best_epoch} ({self.monitor}={self.best_value:.4g})"
        return (
            f"History(epochs={len(self)}, best_epoch={best}, stopped_early={self.stopped_early}, "
            f"stop_reason={self.stop_reason!r})"
        )

    # ------------------------------------------------------------------ files

    def to_dict(self) -> dict:
        """Return the history as plain Python values (what ``history.json`` and checkpoints hold)."""
        return {
            "monitor": self.monitor,
            "min_delta": float(self.min_delta),
            "best_epoch": self.best_epoch,
            "best_value": self.best_value,
            "stopped_early": bool(self.stopped_early),
            "stop_reason": self.stop_reason,
            "precision": self.precision,
            "records": [
                {
                    "epoch": int(record["epoch"]),
                    "train": dict(record["train"]),
                    "val": dict(record["val"]),
                    "seconds": float(record["seconds"]),
                    "steps": record.get("steps"),
                }
                for record in self.records
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> "History":
        """Rebuild a history from :meth:`to_dict`'s output.

        Raises
        ------
        ValueError
            If ``data`` does not look like a saved history.
        """
        if not isinstance(data, Mapping) or "records" not in data:
            raise ValueError("not a saved training history: expected a dict with 'records'")
        history = cls(monitor=data.get("monitor", "rec"), min_delta=float(data.get("min_delta", 0.0)))
        for record in data["records"]:
            try:
                history.records.append(
                    {
                        "epoch": int(record["epoch"]),
                        "train": {term: _clean(record["train"].get(term)) for term in TERMS},
                        "val": {term: _clean(record["val"].get(term)) for term in TERMS},
                        "seconds": float(record.get("seconds", 0.0)),
                        "steps": record.get("steps"),
                    }
                )
            except (KeyError, TypeError, AttributeError) as error:
                raise ValueError(f"not a saved training history: bad epoch record {record!r}") from error
        history.best_epoch = data.get("best_epoch")
        history.best_value = data.get("best_value")
        history.stopped_early = bool(data.get("stopped_early", False))
        history.stop_reason = data.get("stop_reason")
        history.precision = data.get("precision")
        return history

    def csv_rows(self) -> tuple[list[str], list[list]]:
        """Return the CSV header and rows: ``epoch, train_<term>..., val_<term>..., seconds``."""
        header = ["epoch", *(f"{split}_{term}" for split in SPLITS for term in TERMS), "seconds"]
        rows = []
        for record in self.records:
            values = [record[split][term] for split in SPLITS for term in TERMS]
            rows.append([record["epoch"], *("" if v is None else repr(v) for v in values), repr(record["seconds"])])
        return header, rows

    def save(self, folder: str | Path) -> Path:
        """Write ``history.json`` and ``history.csv`` into ``folder`` (atomically) and return the JSON path."""
        folder = Path(folder)
        json_path = folder / HISTORY_JSON
        _write_atomically(json_path, json.dumps(self.to_dict(), indent=2, allow_nan=True) + "\n")
        header, rows = self.csv_rows()
        lines = [",".join(header)] + [",".join(str(value) for value in row) for row in rows]
        _write_atomically(folder / HISTORY_CSV, "\n".join(lines) + "\n")
        return json_path

    @classmethod
    def load(cls, path: str | Path) -> "History":
        """Read a history from ``history.json`` (or the folder that holds it).

        Raises
        ------
        FileNotFoundError
            If the file does not exist.
        ValueError
            If it is not a saved history.
        """
        path = Path(path)
        if path.is_dir():
            path = path / HISTORY_JSON
        if not path.exists():
            raise FileNotFoundError(f"history file not found: {path}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(f"{path} is not a JSON training history ({error})") from error
        return cls.from_dict(data)

    # ------------------------------------------------------------------ figures

    def plot(self, ax=None, terms: str | Sequence[str] = ("total",), log: bool = False):
        """Draw training (solid) and validation (dashed) curves per term on one Axes.

        The best epoch is marked with a vertical dotted line and, when early stopping ended
        the run, the stopping point with a vertical dash-dotted line
        (:func:`inpaintlib.plots.curves.plot_history`).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure is made when ``None``.
        terms : str or sequence of str
            Loss terms to draw (see :data:`TERMS`); terms the run did not compute are skipped.
        log : bool
            Use a logarithmic loss axis.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from inpaintlib.plots.curves import plot_history

        return plot_history(self, ax=ax, terms=terms, log=log)

    def plot_terms(self, axes=None, terms: Iterable[str] = TERMS, log: bool = False):
        """Draw one panel per loss term (terms the run did not compute are left out).

        Returns
        -------
        list of matplotlib.axes.Axes
        """
        from inpaintlib.plots.curves import plot_history_terms

        return plot_history_terms(self, axes=axes, terms=terms, log=log)
