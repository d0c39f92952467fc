"""Run the workbook's notebooks in reading order with papermill.

Used by ``python -m inpaintlib run-notebooks`` (the README's main command) and
by anyone who wants to re-execute the series headless, e.g. on a GPU machine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from inpaintlib.runtime import project_root


@dataclass
class NotebookRun:
    """The outcome of one notebook: where it was written and how long it took."""

    name: str
    output: Path
    seconds: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the notebook ran to the end."""
        return self.error is None


def notebook_paths(folder: str | Path | None = None, only: list[str] | None = None) -> list[Path]:
    """Return the workbook's notebooks (``NN_name.ipynb``) in reading order.

    Parameters
    ----------
    folder : path, optional
        Where to look; the project's ``notebooks/`` by default.
    only : list of str, optional
        Keep notebooks whose name starts with one of these prefixes (``["03", "04"]``).
    """
    folder = Path(folder) if folder else project_root() / "notebooks"
    if not folder.is_dir():
        raise FileNotFoundError(f"notebook folder {folder} does not exist")
    paths = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))
    if only:
        paths = [p for p in paths if any(p.name.startswith(prefix) for prefix in only)]
        if not paths:
            raise ValueError(f"only={only!r} matches no notebook in {folder}")
    if not paths:
        raise FileNotFoundError(f"no notebooks named NN_*.ipynb in {folder}")
    return paths


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def clean_notebook(path: str | Path) -> int:
    """Drop what an executed notebook should not keep, and return how many outputs were dropped.

    Removes widget-view outputs (under papermill a ``tqdm.auto`` bar is a widget whose saved
    text is the bar at 0%, and live sliders cannot be replayed from a file), the saved widget
    state, and per-cell timing metadata. Figures, tables and printed text stay.
    """
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    dropped = 0
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        kept = [output for output in cell.outputs if WIDGET_VIEW not in output.get("data", {})]
        dropped += len(cell.outputs) - len(kept)
        cell.outputs = kept
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, str(path))
    return dropped


def describe_failure(name: str, error: Exception) -> str:
    """Name the notebook, the cell and the exception of a failed papermill run in one line."""
    cell = getattr(error, "cell_index", None)
    count = getattr(error, "exec_count", None)
    ename = getattr(error, "ename", type(error).__name__)
    evalue = getattr(error, "evalue", str(error))
    where = f"cell {cell}" if cell is not None else "an unknown cell"
    if count is not None:
        where += f" (In [{count}])"
    return f"{name} failed at {where}: {ename}: {evalue}"


def run_notebooks(
    output_dir: str | Path | None = None,
    quick: bool = True,
    folder: str | Path | None = None,
    parameters: dict | None = None,
    only: list[str] | None = None,
    in_place: bool = False,
    kernel: str = "python3",
    stop_on_error: bool = True,
    log=print,
) -> list[NotebookRun]:
    """Execute every notebook in order with papermill and report each one's time.

    Parameters
    ----------
    output_dir : path, optional
        Folder for the executed copies (``runs/notebooks`` by default). Ignored with ``in_place``.
    quick : bool
        Passed to every notebook's ``quick`` parameter.
    folder : path, optional
        Where the notebooks are; the project's ``notebooks/`` by default.
    parameters : dict, optional
        Further papermill parameters (e.g. ``{"data_dir": "..."}``); a notebook that
        does not declare one simply receives it as an extra variable.
    only : list of str, optional
        Run only the notebooks whose names start with these prefixes.
    in_place : bool
        Overwrite the notebooks themselves (to refresh the committed outputs).
    kernel : str
        Jupyter kernel name.
    stop_on_error : bool
        Stop at the first failing notebook (the default) or carry on with the rest.
    log : callable
        Where progress lines go (``print`` by default).

    Returns
    -------
    list of NotebookRun
        One entry per notebook that was started.
    """
    import papermill

    sources = notebook_paths(folder, only=only)
    if in_place:
        target_dir = sources[0].parent
    else:
        target_dir = Path(output_dir) if output_dir else project_root() / "runs" / "notebooks"
        target_dir.mkdir(parents=True, exist_ok=True)
    params = {"quick": bool(quick), **(parameters or {})}
    runs: list[NotebookRun] = []
    for source in sources:
        output = target_dir / source.name
        log(f"running {source.name} ({'quick' if quick else 'full'}) ...")
        start = time.perf_counter()
        error_text = None
        try:
            papermill.execute_notebook(
                str(source),
                str(output),
                parameters=params,
                kernel_name=kernel,
                cwd=str(source.parent),
                progress_bar=False,
            )
        except Exception as error:  # papermill wraps every cell error; report it in one line
            error_text = describe_failure(source.name, error)
        if output.exists():
            clean_notebook(output)
        run = NotebookRun(source.name, output, time.perf_counter() - start, error_text)
        runs.append(run)
        log(f"  {'ok    ' if run.ok else 'FAILED'} {run.seconds:7.1f} s  {run.output}")
        if not run.ok:
            log(f"  {run.error}")
            if stop_on_error:
                break
    return runs
