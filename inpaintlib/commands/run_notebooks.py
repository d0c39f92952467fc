"""``python -m inpaintlib run-notebooks``: execute the workbook headless with papermill."""

from __future__ import annotations

import argparse


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
    parser.add_argument("--only", default=None, help="comma-separated name prefixes, e.g. 00,01")
    parser.add_argument("--data-dir", default=None, help="a local dataset folder passed to every notebook")
    parser.add_argument("--keep-going", action="store_true", help="run the remaining notebooks after a failure")
    parser.add_argument("--kernel", default="python3", help="Jupyter kernel name (default: python3)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the notebooks and return 0 when all succeeded, 1 otherwise."""
    from inpaintlib.notebooks import run_notebooks

    only = [part.strip() for part in args.only.split(",") if part.strip()] if args.only else None
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
