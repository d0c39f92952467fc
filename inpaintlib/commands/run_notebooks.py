"""``python -m inpaintlib run-notebooks``: execute the workbook headless with papermill.

Taught in notebook 08 (``08_evaluation.ipynb``) and the README: how a course runs the series headless.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from inpaintlib.cli import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run-notebooks`` command."""
    parser = subparsers.add_parser(
        "run-notebooks",
        help="run every notebook in order with papermill",
        description="Execute notebooks/NN_*.ipynb in order with papermill, print each one's time, "
        "and on failure name the notebook and the cell.",
    )
    parser.add_argument("--quick", action="store_true", help="the quick setting (small data, short training)")
    parser.add_argument("--output-dir", default=None, help="folder for the executed notebooks (default: runs/notebooks)")
    parser.add_argument("--in-place", action="store_true", help="overwrite the notebooks themselves (refresh outputs)")
    parser.add_argument(
        "--overwrite", action="store_true",
        help="replace files in --output-dir that are not executed notebooks from an earlier run",
    )
    parser.add_argument("--only", default=None, help="comma-separated name prefixes, e.g. 00,01")
    parser.add_argument("--data-dir", default=None, help="a local dataset folder passed to every notebook")
    parser.add_argument("--keep-going", action="store_true", help="run the remaining notebooks after a failure")
    parser.add_argument("--kernel", default="python3", help="Jupyter kernel name (default: python3)")
    parser.set_defaults(func=run)


def _executed_by_papermill(path: Path) -> bool:
    """Whether ``path`` is a notebook papermill wrote (an output of an earlier run)."""
    try:
        return "papermill" in (json.loads(path.read_text(encoding="utf-8")).get("metadata") or {})
    except (OSError, ValueError, AttributeError):
        return False


def check_outputs(sources: list[Path], output_dir: str | None, overwrite: bool) -> None:
    """Refuse an output folder that is the notebooks' own, or files in it that an earlier run did not write."""
    from inpaintlib.outputs import check_output_folder, same_file
    from inpaintlib.runtime import project_root

    target = check_output_folder(output_dir or project_root() / "runs" / "notebooks", "--output-dir")
    if sources and target.is_dir() and same_file(target, sources[0].parent):
        raise UsageError(f"--output-dir {target} holds the notebooks themselves; use --in-place to refresh them")
    for source in sources:
        output = target / source.name
        if output.is_dir():
            raise UsageError(f"--output-dir {target}: {output} is a folder; remove it or choose another --output-dir")
        if output.exists() and not overwrite and not _executed_by_papermill(output):
            raise UsageError(
                f"--output-dir {target}: {output} exists and is not an executed notebook; "
                "pass --overwrite to replace it, or choose another --output-dir"
            )


def run(args: argparse.Namespace) -> int:
    """Run the notebooks and return 0 when all succeeded, 1 otherwise."""
    from inpaintlib.notebooks import notebook_paths, run_notebooks

    only = [part.strip() for part in args.only.split(",") if part.strip()] if args.only else None
    if not args.in_place:
        check_outputs(notebook_paths(only=only), args.output_dir, args.overwrite)
    parameters = {"data_dir": args.data_dir} if args.data_dir else None
    runs = run_notebooks(
        output_dir=args.output_dir,
        quick=args.quick,
        parameters=parameters,
        only=only,
        in_place=args.in_place,
        kernel=args.kernel,
        stop_on_error=not args.keep_going,
    )
    total = sum(run.seconds for run in runs)
    failed = [run for run in runs if not run.ok]
    print(f"{len(runs) - len(failed)}/{len(runs)} notebooks ran in {total:.1f} s")
    return 1 if failed else 0
