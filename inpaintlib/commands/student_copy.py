"""``python -m inpaintlib student-copy DIR``: the workbook without outputs or solutions, to hand out.

Used by teachers (the README's section on the student copy); every notebook's solution cells are what it drops.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``student-copy`` command."""
    parser = subparsers.add_parser(
        "student-copy",
        help="write the notebooks without outputs and without solution cells, to hand out",
        description="Write every notebooks/NN_*.ipynb into DIR with its outputs cleared and the cells "
        "tagged 'solution' (answers to exercises) left out, an empty code cell in their place.",
    )
    parser.add_argument("dir", metavar="DIR", help="folder for the student copies (created when missing)")
    parser.add_argument("--tag", default="solution", help="the tag of the solution cells (default: solution)")
    parser.add_argument("--overwrite", action="store_true", help="replace notebooks already in DIR")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the copies and print one line per notebook."""
    from inpaintlib.notebooks import student_copy

    written = student_copy(args.dir, tag=args.tag, overwrite=args.overwrite)
    width = max(len(path.name) for path, _ in written)
    for path, dropped in written:
        print(f"{path.name:<{width}}  {dropped} solution cell(s) left out")
    print(f"{len(written)} student notebooks in {written[0][0].parent}")
    return 0
