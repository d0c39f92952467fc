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

    Removes widget views (under papermill a ``tqdm.auto`` bar is a widget whose saved text is
    the bar at 0%, and live controls cannot be replayed from a file), the saved widget state,
    and per-cell timing metadata. A widget output that also carries a picture (an
    :class:`inpaintlib.widgets.Explorer` shows its current view there) keeps the picture and its
    text, so the saved notebook shows the explorer's starting view where the explorer was.
    Figures, tables and printed text stay.
    """
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    dropped = 0
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
