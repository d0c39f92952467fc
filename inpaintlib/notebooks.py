"""Run the workbook's notebooks in reading order with papermill.

Taught in notebook 08 (``08_evaluation.ipynb``) and the README: running the series headless, and the student copy.

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


#: Tag papermill gives the cell it adds with a run's parameters; executed notebooks and student copies drop it.
INJECTED_TAG = "injected-parameters"


def clean_notebook(path: str | Path) -> int:
    """Drop what an executed notebook should not keep, and return how many outputs were dropped.

    Removes widget views (under papermill a ``tqdm.auto`` bar is a widget whose saved text is
    the bar at 0%, and live controls cannot be replayed from a file), the saved widget state,
    per-cell timing metadata, and the cell papermill adds with a run's parameters (the settings
    cell prints which setting produced the outputs). A widget output that also carries a picture (an
    :class:`inpaintlib.widgets.Explorer` shows its current view there) keeps the picture and its
    text, so the saved notebook shows the explorer's starting view where the explorer was.
    Figures, tables and printed text stay.
    """
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    dropped = 0
    notebook.cells = [cell for cell in notebook.cells if INJECTED_TAG not in cell.metadata.get("tags", [])]
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.outputs:
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                del data[WIDGET_VIEW]
                if not set(data) - {"text/plain"}:
                    dropped += 1
                    continue
            kept.append(output)
        cell.outputs = kept
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, str(path))
    return dropped


def kernel_config():
    """Configuration for the kernels the runner starts: local IPC sockets where the OS has them.

    Over TCP, ipykernel warns on every start that the connection is not encrypted; a kernel
    started by this process on this machine needs no network port, so the runner uses Unix
    sockets instead. The socket files live in Jupyter's runtime folder beside the connection
    file and are removed with the kernel. Windows has no Unix sockets, and a runtime folder whose
    path is too long for one (about 100 characters) keeps TCP.
    """
    import os

    from jupyter_core.paths import jupyter_runtime_dir
    from traitlets.config import Config

    config = Config()
    # kernel-<36-character id>-ipc-<port>: a socket path may hold at most 107 characters
    if os.name != "nt" and len(os.path.abspath(jupyter_runtime_dir())) + 56 <= 107:
        config.KernelManager.transport = "ipc"
    return config


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
        Where progress goes (``print`` by default): one line per notebook, when it ends, with
        its name, its time and where it was written (or why it failed).

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
    width = max(len(source.name) for source in sources)
    for source in sources:
        output = target_dir / source.name
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
                config=kernel_config(),
            )
        except Exception as error:  # papermill wraps every cell error; report it in one line
            error_text = describe_failure(source.name, error)
        if output.exists():
            clean_notebook(output)
        run = NotebookRun(source.name, output, time.perf_counter() - start, error_text)
        runs.append(run)
        outcome = f"-> {run.output}" if run.ok else f"FAILED: {run.error}"
        log(f"{run.name:<{width}}  {run.seconds:7.1f} s  {'quick' if quick else 'full '}  {outcome}")
        if not run.ok and stop_on_error:
            break
    return runs


#: Tag of a notebook cell that holds the answer to an exercise; student copies leave it out.
SOLUTION_TAG = "solution"


def student_notebook(notebook, tag: str = SOLUTION_TAG):
    """Return a copy of ``notebook`` (an ``nbformat`` node) to hand out, and how many solution cells it dropped.

    Every output and execution count is cleared, and so are the run's metadata (papermill's,
    widget state, timings). Cells tagged ``tag`` (the answers to exercises) are left out; where
    a left-out run of cells held code, one empty code cell stands in its place, for the student's
    answer. The cell papermill added with a run's parameters is left out as well, so the copy
    starts from the notebook's own defaults.

    Returns
    -------
    (nbformat.NotebookNode, int)
        The copy and the number of solution cells left out.
    """
    import copy

    import nbformat

    student = copy.deepcopy(notebook)
    for key in ("papermill", "widgets"):
        student.metadata.pop(key, None)
    cells, dropped, gap_has_code = [], 0, False
    for cell in student.cells:
        tags = cell.metadata.get("tags", [])
        if INJECTED_TAG in tags:
            continue
        if tag in tags:
            dropped += 1
            gap_has_code = gap_has_code or cell.cell_type == "code"
            continue
        if gap_has_code:
            cells.append(nbformat.v4.new_code_cell(""))
            gap_has_code = False
        cells.append(cell)
    if gap_has_code:
        cells.append(nbformat.v4.new_code_cell(""))
    for cell in cells:
        for key in ("execution", "papermill"):
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    student.cells = cells
    return student, dropped


def student_copy(target: str | Path, folder: str | Path | None = None, tag: str = SOLUTION_TAG,
                 overwrite: bool = False) -> list[tuple[Path, int]]:
    """Write every notebook into ``target`` as a student copy (:func:`student_notebook`).

    Parameters
    ----------
    target : path
        The folder to write; created when missing. It may not be the notebooks' own folder.
    folder : path, optional
        Where the notebooks are; the project's ``notebooks/`` by default.
    tag : str
        The tag of the solution cells.
    overwrite : bool
        Replace notebooks of the same name already in ``target`` (refused otherwise).

    Returns
    -------
    list of (Path, int)
        Each copy written and how many solution cells it left out.
    """
    import nbformat

    from inpaintlib.cli import UsageError
    from inpaintlib.outputs import check_output_folder, same_file

    sources = notebook_paths(folder)
    target = check_output_folder(target, "DIR")
    if target.is_dir() and same_file(target, sources[0].parent):
        raise UsageError(f"{target} holds the notebooks themselves; give another folder for the student copy")
    existing = [target / source.name for source in sources if (target / source.name).exists()]
    if existing and not overwrite:
        raise UsageError(
            f"{existing[0]} exists ({len(existing)} notebook(s) in {target}); pass --overwrite to replace them"
        )
    if any(path.is_dir() for path in existing):
        raise UsageError(f"{next(path for path in existing if path.is_dir())} is a folder; remove it or choose another DIR")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        student, dropped = student_notebook(nbformat.read(str(source), as_version=4), tag)
        output = target / source.name
        partial = output.with_name(f".{output.name}.partial")
        nbformat.write(student, str(partial))
        partial.replace(output)
        written.append((output, dropped))
    return written
