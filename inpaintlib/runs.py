"""A training run's folder: its file names, its latest checkpoint, its notes, clearing it, finding runs.

Taught in notebook 03 (``03_center_block.ipynb``); notebooks 04 to 08 continue and compare the
runs it writes.

A run folder holds what :class:`inpaintlib.train.Trainer` writes after every epoch:

* ``last.pt``: everything needed to continue the run;
* ``best.pt``: the same, from the epoch with the lowest validation loss;
* ``history.json`` and ``history.csv``: per-epoch averages of every loss term;
* ``run_notes.json`` (written by the notebooks through :meth:`RunFolder.save_notes`): which
  images the run trained and validated on, so a later comparison can check for overlap.

:class:`RunFolder` is the one place these names are spelled; the rest of the library asks it
for paths. Its :attr:`~RunFolder.latest` checkpoint is ``best.pt`` when there is one, else
``last.pt``: what a notebook loads to use a trained model.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = [
    "BEST",
    "HISTORY_CSV",
    "HISTORY_JSON",
    "LAST",
    "RUN_FILES",
    "RUN_NOTES",
    "RunFolder",
    "load_run_notes",
    "save_run_notes",
]

#: The checkpoint of the best validated epoch.
BEST = "best.pt"
#: The checkpoint of the last finished epoch (what a resumed run continues from).
LAST = "last.pt"
#: The whole training history, as JSON.
HISTORY_JSON = "history.json"
#: The history's table, as CSV.
HISTORY_CSV = "history.csv"
#: The notes :meth:`RunFolder.save_notes` writes.
RUN_NOTES = "run_notes.json"
#: The files a training run writes into its folder.
RUN_FILES = (LAST, BEST, HISTORY_JSON, HISTORY_CSV)


class RunFolder:
    """The folder of one training run and the paths of its files.

    Parameters
    ----------
    path : str or Path
        The folder (it need not exist yet).

    Examples
    --------
    >>> run = RunFolder("runs/model2")
    >>> run.best.name, run.last.name, run.history.name
    ('best.pt', 'last.pt', 'history.json')
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, RunFolder) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    @property
    def name(self) -> str:
        """The folder's name (the run's name in tables)."""
        return self.path.name

    @property
    def best(self) -> Path:
        """``path/best.pt``."""
        return self.path / BEST

    @property
    def last(self) -> Path:
        """``path/last.pt``."""
        return self.path / LAST

    @property
    def history(self) -> Path:
        """``path/history.json``."""
        return self.path / HISTORY_JSON

    @property
    def history_csv(self) -> Path:
        """``path/history.csv``."""
        return self.path / HISTORY_CSV

    @property
    def notes(self) -> Path:
        """``path/run_notes.json``."""
        return self.path / RUN_NOTES

    @property
    def latest(self) -> Path | None:
        """The checkpoint to use the trained model from: ``best.pt`` if it exists, else ``last.pt``, else ``None``."""
        return next((path for path in (self.best, self.last) if path.is_file()), None)

    def files(self) -> list[Path]:
        """The run's files (:data:`RUN_FILES`) that exist, in that order."""
        return [self.path / name for name in RUN_FILES if (self.path / name).exists()]

    def load_history(self):
        """Read ``history.json`` as a :class:`~inpaintlib.history.History`."""
        from inpaintlib.history import History

        return History.load(self.history)

    def save_notes(self, **notes) -> Path:
        """Write ``notes`` (JSON-ready values) to ``run_notes.json`` and return the path."""
        self.path.mkdir(parents=True, exist_ok=True)
        self.notes.write_text(json.dumps(notes, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return self.notes

    def load_notes(self) -> dict | None:
        """Return the notes :meth:`save_notes` wrote, or ``None`` when there are none.

        Raises
        ------
        ValueError
            If the file exists but does not hold a JSON object.
        """
        path = self.notes
        if not path.is_file():
            return None
        try:
            notes = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON: {error}") from error
        if not isinstance(notes, dict):
            raise ValueError(f"{path} must hold a JSON object, got {type(notes).__name__}")
        return notes

    def remove_temporaries(self) -> list[Path]:
        """Delete the temporary files a killed write of the run's files left; return those removed."""
        from inpaintlib.checkpoints import remove_temporaries

        return remove_temporaries(self.path, RUN_FILES)

    def clear(self, notes: bool = False) -> list[Path]:
        """Delete the run's files so a new run can start here; return those removed.

        Only the run's own file names are touched (:data:`RUN_FILES`, and ``run_notes.json``
        when ``notes``), and only plain files or links (a folder of that name stays), so a
        mistyped folder loses nothing else. Temporaries of killed writes go too, unlisted.
        """
        names = RUN_FILES + ((RUN_NOTES,) if notes else ())
        removed = []
        for name in names:
            file = self.path / name
            if file.is_file() or file.is_symlink():
                file.unlink()
                removed.append(file)
        self.remove_temporaries()
        return removed

    @classmethod
    def find(cls, root: str | os.PathLike | None = None) -> list["RunFolder"]:
        """Every run folder directly under ``root`` (default :func:`inpaintlib.runtime.runs_dir`) that
        holds ``history.json``, sorted by name."""
        from inpaintlib.runtime import runs_dir

        root = Path(root) if root is not None else runs_dir()
        return [cls(path.parent) for path in sorted(root.glob(f"*/{HISTORY_JSON}"))]


def save_run_notes(folder: str | os.PathLike, **notes) -> Path:
    """Write ``notes`` (JSON-ready values) to ``folder/run_notes.json`` and return the path.

    The notebooks record there which data a run used (e.g. the names of its training and
    validation images) so a later comparison can check for overlap.
    """
    return RunFolder(folder).save_notes(**notes)


def load_run_notes(folder: str | os.PathLike) -> dict | None:
    """Return the notes :func:`save_run_notes` wrote into ``folder``, or ``None`` when there are none.

    Raises
    ------
    ValueError
        If the file exists but does not hold a JSON object.
    """
    return RunFolder(folder).load_notes()
