"""The command line: ``python -m inpaintlib <command> ...``.

Used from a shell; the README's command-line section lists every command, and notebook 08 (``08_evaluation.ipynb``) scores what they train.

Each command lives in its own module under :mod:`inpaintlib.commands` and
exposes ``register(subparsers)``, which adds its parser and sets ``func``.

Errors a user can fix (a bad argument, a missing, unreadable or oversized file, an output path
that exists or is a folder, a corrupted checkpoint, a diverged run) print one line that names the
file and what to do, and exit with status 2; they never print a traceback. One handler,
:func:`error_message`, maps every such failure to its line. An interrupt (Ctrl-C, SIGTERM during
training) prints one line and exits with status 130. Warnings print as one line each.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import sys
import warnings

#: Command modules, in the order ``--help`` lists them.
COMMANDS = ("run_notebooks", "student_copy", "train", "inpaint", "evaluate", "benchmark")


class UsageError(Exception):
    """A mistake in what the user asked for; the command line prints it as one line."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``error: <prog>: <message> (see --help)``)."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


_OS_HINTS = {
    FileExistsError: "it already exists; choose another path (or pass --overwrite where a command offers it)",
    IsADirectoryError: "it is a folder; give a file",
    NotADirectoryError: "a part of the path is a file, not a folder",
    PermissionError: "permission denied; choose a path you may read and write",
    FileNotFoundError: "no such file or folder",
}
_ERRNO_HINTS = {
    errno.ENOSPC: "the disk is full; free some space or write elsewhere",
    errno.EROFS: "the file system is read-only; write elsewhere",
}


def one_line(text: str) -> str:
    """Join the non-empty lines of ``text`` with ``"; "``."""
    return "; ".join(line.strip() for line in str(text).splitlines() if line.strip())


def error_message(error: BaseException) -> str | None:
    """Return the one-line message for a failure the user's input can cause, or ``None`` for a bug.

    Known failures: :class:`UsageError` and :class:`ValueError` (every library check, corrupted
    checkpoints, diverged runs, oversized images) print their own message; an :class:`OSError`
    names its file and what to do; PIL's decompression-bomb error, an OpenCV error and running
    out of memory get a line of their own.
    """
    name = type(error).__name__
    if isinstance(error, (UsageError, ValueError)):
        return one_line(error) or name
    if isinstance(error, OSError):
        filename = getattr(error, "filename", None)
        if filename is None:
            return one_line(error) or name
        hint = _ERRNO_HINTS.get(error.errno) or next(
            (text for kind, text in _OS_HINTS.items() if isinstance(error, kind)), error.strerror or name
        )
        target = f" -> {error.filename2}" if getattr(error, "filename2", None) else ""
        return f"{filename}{target}: {hint}"
    pil = sys.modules.get("PIL.Image")
    if pil is not None and isinstance(error, pil.DecompressionBombError):
        return f"an image is too large to decode safely ({one_line(error)}); downscale it"
    cv2 = sys.modules.get("cv2")
    if cv2 is not None and isinstance(error, cv2.error):
        detail = one_line(getattr(error, "err", "") or error)
        return f"OpenCV could not process the input ({detail}); check the sizes and options given"
    torch = sys.modules.get("torch")
    if isinstance(error, MemoryError) or (torch is not None and isinstance(error, torch.OutOfMemoryError)):
        return "out of memory; lower --batch-size, --size or --limit, or use smaller images"
    return None


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
    parser = _Parser(
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
    except KeyboardInterrupt:
        print("interrupted; what was saved is kept (train: continue with --resume)", file=sys.stderr)
        return 130
    except Exception as error:
        message = error_message(error)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 2
