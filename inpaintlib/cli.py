"""The command line: ``python -m inpaintlib <command> ...``.

Each command lives in its own module under :mod:`inpaintlib.commands` and
exposes ``register(subparsers)``, which adds its parser and sets ``func``.
Errors a user can fix (a bad argument, a missing file) print one line and exit
with status 2; they never print a traceback. Warnings print as one line each.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
import warnings

#: Command modules, in the order ``--help`` lists them.
COMMANDS = ("run_notebooks", "train", "inpaint", "evaluate", "benchmark")


class UsageError(Exception):
    """A mistake in what the user asked for; the command line prints it as one line."""


@contextlib.contextmanager
def one_line_warnings():
    """Print warnings as ``warning: <message>`` lines on stderr (no file names or source lines)."""
    previous = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        print(f"warning: {message}", file=sys.stderr if file is None else file)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every available command registered."""
    parser = argparse.ArgumentParser(
        prog="python -m inpaintlib",
        description="Image inpainting with Context Encoders: run the workbook, train, inpaint, evaluate.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"inpaintlib.commands.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"inpaintlib.commands.{name}":
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with one_line_warnings():
            return int(args.func(args) or 0)
    except (UsageError, ValueError, FileNotFoundError, NotADirectoryError, PermissionError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
