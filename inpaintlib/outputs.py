"""Where the commands write: never over a file they did not create unless asked, never over an input.

Used by every command (the README's command-line section); notebooks write through :mod:`inpaintlib.runtime`.

Every command checks its output paths before doing any work, so a mistake costs nothing:

* an existing file is replaced only with ``--overwrite`` (``train`` also continues a run with
  ``--resume``);
* a file that is one of the command's own inputs (the photo, the mask, a checkpoint, an image of
  the evaluated data) is never replaced, not even with ``--overwrite``;
* a folder given where a file is expected, or a file where a folder is expected, is refused;
* files are written atomically (see :func:`inpaintlib.checkpoints.atomic_write`), and the
  temporary files a killed write left next to an output are removed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from inpaintlib.checkpoints import remove_temporaries
from inpaintlib.cli import UsageError
from inpaintlib.runs import RUN_FILES, RunFolder

__all__ = ["RUN_FILES", "check_output_file", "check_output_folder", "check_run_folder", "clear_run", "same_file"]


def same_file(first: str | os.PathLike, second: str | os.PathLike) -> bool:
    """Return True when both paths name the same existing file (through links and relative parts)."""
    try:
        return os.path.samefile(first, second)
    except OSError:
        return Path(first).expanduser().resolve() == Path(second).expanduser().resolve()


def _check_parents(path: Path, option: str) -> None:
    """Refuse a path one of whose parent folders is a file."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"{option} {path}: {parent} is a file, not a folder; choose another path")
            return


def check_output_file(
    path: str | os.PathLike,
    *,
    inputs: Iterable[tuple[str, str | os.PathLike]] = (),
    overwrite: bool = False,
    option: str = "--out",
    example: str = "result.png",
) -> Path:
    """Return ``path`` when a command may write its file there; raise :class:`~inpaintlib.cli.UsageError` if not.

    Parameters
    ----------
    path : str or Path
        The output file.
    inputs : iterable of (str, path)
        The command's input files with a word for each (``("the image", "photo.jpg")``); the
        output may never be one of them.
    overwrite : bool
        Whether an existing file may be replaced (``--overwrite``).
    option : str
        The option that named the path, for the message.
    example : str
        A file name suggested when ``path`` is a folder.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder; give a file name such as {path / example}")
    for what, source in inputs:
        if source is not None and Path(source).exists() and same_file(path, source):
            raise UsageError(f"{option} {path} is {what}, an input of this command; write the result to another file")
    if path.exists() and not overwrite:
        raise UsageError(f"{option} {path} already exists; pass --overwrite to replace it, or choose another file")
    _check_parents(path, option)
    remove_temporaries(path.parent, [path.name])
    return path


def check_output_folder(path: str | os.PathLike, option: str = "--out") -> Path:
    """Return ``path`` when it is a folder or can become one; raise :class:`~inpaintlib.cli.UsageError` if not."""
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path} is a file, not a folder; give a folder for the results")
    _check_parents(path, option)
    return path


def check_run_folder(
    path: str | os.PathLike,
    *,
    resume: bool = False,
    overwrite: bool = False,
    inputs: Iterable[tuple[str, str | os.PathLike]] = (),
    option: str = "--out",
) -> Path:
    """Return ``path`` when a training run may write there; raise :class:`~inpaintlib.cli.UsageError` if not.

    A folder that already holds a run's files is used only to continue it (``resume``) or, with
    ``overwrite``, to start a new one in its place (see :func:`clear_run`). No input (a weights
    file) may be one of the run's files.
    """
    path = check_output_folder(path, option)
    found = [file.name for file in RunFolder(path).files()]
    for what, source in inputs:
        if source is not None and any(same_file(path / name, source) for name in found):
            raise UsageError(f"{option} {path} holds {what} ({source}); write the run to another folder")
    if found and not resume and not overwrite:
        raise UsageError(
            f"{option} {path} already holds a training run ({', '.join(found)}); pass --resume to continue it "
            "or --overwrite to start a new run in its place"
        )
    return path


def clear_run(path: str | os.PathLike) -> list[Path]:
    """Delete a previous run's files (:data:`RUN_FILES`) from ``path`` and return those removed.

    See :meth:`inpaintlib.runs.RunFolder.clear`.
    """
    return RunFolder(path).clear()
